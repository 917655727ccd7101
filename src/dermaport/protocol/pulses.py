"""Electroporation steps: high-voltage pulse trains parsed from text that prints back the same.

Grammar (case-insensitive keywords; quantities as :mod:`dermaport.units` reads them)::

    electroporation [bipolar] VOLTAGE WIDTH [x COUNT] pulses at FREQUENCY [for DURATION] [anode|cathode]
    electroporation bipolar VOLTAGE CARRIER modulated at FREQUENCY for DURATION

A pulse train gives either its pulse count (``x 10 pulses``) or its length (``for 5 min``),
not both. The voltage is the applied voltage, electrode to electrode; the physics divides it
over electrode, film, stratum corneum and viable tissue (docs/electroporation.md).

- A **unipolar** train repeats one square pulse of WIDTH at FREQUENCY. It may name the
  product's electrode (``anode`` or ``cathode``): its pulses then drive ions one way, as
  iontophoresis does. Without one, the plan chooses it from the active's charge.
- A **bipolar** train repeats a biphasic pulse: a positive phase of WIDTH followed at once by
  a negative phase of the same WIDTH, so each period carries no net charge. It takes no
  electrode.
- A **modulated carrier** (the salon style, Martins et al. 2009: a 1.2–1.8 kHz bipolar carrier
  modulated at 0.07–2 Hz) is a bipolar square carrier at CARRIER, switched on for the first
  half of every period of the modulation FREQUENCY (the 50 % duty is this grammar's stated
  assumption: no device specification was found).

:meth:`PulseTrain.schedule` and :meth:`ModulatedCarrier.schedule` give the phases of one
period (:class:`PulseSchedule`), which the barrier model and the pulse device read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from dermaport.protocol.steps import Amount, StepSyntaxError

__all__ = [
    "ELECTROPORATION_EXAMPLES",
    "Electroporation",
    "ModulatedCarrier",
    "PulseSchedule",
    "PulseTrain",
    "parse_electroporation",
]

ELECTROPORATION_EXAMPLES = (
    "electroporation 100 V 1 ms pulses at 1 Hz for 5 min",
    "electroporation 80 V 2 ms x 10 pulses at 0.5 Hz cathode",
    "electroporation bipolar 100 V 1 ms x 20 pulses at 1 Hz",
    "electroporation bipolar 50 V 1.5 kHz modulated at 1 Hz for 10 min",
)

Electrode = Literal["anode", "cathode"]

_NUMBER = re.compile(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class PulseSchedule:
    """One period of a pulse step and how often it repeats.

    ``phases`` are (duration s, sign) back to back from the start of the period, sign +1
    (the stated polarity, or positive), −1 (reversed) or 0 (off). The voltage magnitude is
    ``voltage_v`` in every phase that is on; the period is ``period_s``; it repeats
    ``periods`` times.
    """

    voltage_v: float
    phases: tuple[tuple[float, int], ...]
    period_s: float
    periods: int

    @property
    def on_time_per_period_s(self) -> float:
        """Time the output is on in one period, s."""
        return sum(d for d, sign in self.phases if sign != 0)

    @property
    def signed_time_per_period_s(self) -> float:
        """Σ sign·duration over one period, s: zero for a charge-balanced waveform."""
        return sum(d * sign for d, sign in self.phases)

    @property
    def duration_s(self) -> float:
        """Whole step length, s."""
        return self.period_s * self.periods

    @property
    def exposure_dose_v_s(self) -> float:
        """Applied voltage × total on-time, V·s (the "electrical exposure dose" of Gallo et al. 1997)."""
        return self.voltage_v * self.on_time_per_period_s * self.periods


@dataclass(frozen=True)
class PulseTrain:
    """A train of square pulses, unipolar or biphasic (``bipolar``)."""

    voltage: Amount
    width: Amount
    frequency: Amount
    count: int | None = None
    duration: Amount | None = None
    bipolar: bool = False
    electrode: Electrode | None = None

    @property
    def period_s(self) -> float:
        """Pulse period, s."""
        return 1.0 / self.frequency.si

    @property
    def pulse_count(self) -> int:
        """Pulses delivered: the count given, or the whole periods that fit in the duration."""
        if self.count is not None:
            return self.count
        assert self.duration is not None
        return math.floor(self.duration.si * self.frequency.si + 1e-9)

    def schedule(self) -> PulseSchedule:
        """The phases of one period (see :class:`PulseSchedule`)."""
        width = self.width.si
        phases: tuple[tuple[float, int], ...]
        if self.bipolar:
            phases = ((width, 1), (width, -1), (self.period_s - 2 * width, 0))
        else:
            phases = ((width, 1), (self.period_s - width, 0))
        return PulseSchedule(self.voltage.si, phases, self.period_s, self.pulse_count)

    def __str__(self) -> str:
        kind = "bipolar " if self.bipolar else ""
        count = f" x {self.count}" if self.count is not None else ""
        text = f"electroporation {kind}{self.voltage} {self.width}{count} pulses at {self.frequency}"
        if self.duration is not None:
            text += f" for {self.duration}"
        if self.electrode is not None:
            text += f" {self.electrode}"
        return text


@dataclass(frozen=True)
class ModulatedCarrier:
    """A bipolar square carrier at ``carrier``, on for the first half of each ``modulation`` period."""

    voltage: Amount
    carrier: Amount
    modulation: Amount
    duration: Amount

    @property
    def period_s(self) -> float:
        """Modulation period, s."""
        return 1.0 / self.modulation.si

    @property
    def cycles_per_burst(self) -> int:
        """Whole carrier cycles in the half period the carrier is on."""
        return math.floor(0.5 * self.period_s * self.carrier.si + 1e-9)

    @property
    def burst_count(self) -> int:
        """Bursts delivered: the whole modulation periods that fit in the duration."""
        return math.floor(self.duration.si * self.modulation.si + 1e-9)

    def schedule(self) -> PulseSchedule:
        """The phases of one modulation period: whole carrier cycles (+, −), then off."""
        half = 0.5 / self.carrier.si
        n = self.cycles_per_burst
        on: tuple[tuple[float, int], ...] = ((half, 1), (half, -1)) * n
        off = (self.period_s - 2 * n * half, 0)
        return PulseSchedule(self.voltage.si, (*on, off), self.period_s, self.burst_count)

    def __str__(self) -> str:
        return (
            f"electroporation bipolar {self.voltage} {self.carrier} modulated at {self.modulation} "
            f"for {self.duration}"
        )


Electroporation = PulseTrain | ModulatedCarrier


def _fail(text: str, why: str) -> StepSyntaxError:
    return StepSyntaxError(f"cannot read step {text!r}: {why}; e.g. '{ELECTROPORATION_EXAMPLES[0]}'")


class _Words:
    """The words of a step, read left to right."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = text.split()
        self.i = 0

    def peek(self) -> str | None:
        return self.words[self.i].lower() if self.i < len(self.words) else None

    def take(self, word: str, why: str) -> None:
        if self.peek() != word:
            raise _fail(self.text, why)
        self.i += 1

    def quantity(self, what: str, kinds: tuple[str, ...]) -> Amount:
        """Read ``NUMBER UNIT`` (two words) or ``NUMBERUNIT`` (one) as one of ``kinds``."""
        if self.i >= len(self.words):
            raise _fail(self.text, f"it needs the {what}")
        word = self.words[self.i]
        if _NUMBER.fullmatch(word) and self.i + 1 < len(self.words):
            raw, self.i = f"{word} {self.words[self.i + 1]}", self.i + 2
        else:
            raw, self.i = word, self.i + 1
        try:
            return Amount.read(raw, kinds)
        except StepSyntaxError as exc:
            raise _fail(self.text, f"the {what}: {exc}") from exc


def parse_electroporation(text: str) -> Electroporation:
    """Parse one electroporation step; ``str()`` of the result prints it back."""
    w = _Words(" ".join(text.split()))
    w.take("electroporation", "an electroporation step starts with 'electroporation'")
    bipolar = w.peek() == "bipolar"
    if bipolar:
        w.i += 1
    voltage = w.quantity("voltage ('100 V')", ("voltage",))
    second = w.quantity("pulse width ('1 ms') or carrier frequency ('1.5 kHz')", ("duration", "frequency"))
    if second.kind == "frequency":
        return _carrier(w, bipolar=bipolar, voltage=voltage, carrier=second)
    return _train(w, bipolar=bipolar, voltage=voltage, width=second)


def _train(w: _Words, *, bipolar: bool, voltage: Amount, width: Amount) -> PulseTrain:
    count: int | None = None
    if w.peek() == "x":
        w.i += 1
        raw = w.words[w.i] if w.i < len(w.words) else ""
        if not re.fullmatch(r"\d+", raw) or int(raw) < 1:
            raise _fail(w.text, f"the pulse count {raw!r} must be a whole number of at least 1")
        count, w.i = int(raw), w.i + 1
    w.take("pulses", "a pulse train is written 'WIDTH [x COUNT] pulses at FREQUENCY'")
    w.take("at", "say the pulse frequency: 'pulses at 1 Hz'")
    frequency = w.quantity("pulse frequency ('1 Hz')", ("frequency",))
    duration = None
    if w.peek() == "for":
        w.i += 1
        duration = w.quantity("duration ('5 min')", ("duration",))
    electrode: Electrode | None = None
    if w.peek() in ("anode", "cathode"):
        electrode = "anode" if w.peek() == "anode" else "cathode"
        w.i += 1
    if w.i != len(w.words):
        raise _fail(w.text, f"unexpected {' '.join(w.words[w.i :])!r} at the end")
    if count is None and duration is None:
        raise _fail(w.text, "say how many pulses ('x 10 pulses') or for how long ('for 5 min')")
    if count is not None and duration is not None:
        raise _fail(w.text, "give the pulse count or the duration, not both")
    if bipolar and electrode is not None:
        raise _fail(w.text, f"a bipolar train carries no net charge: it takes no electrode ({electrode!r})")
    phases = 2 if bipolar else 1
    if not phases * width.si < 1.0 / frequency.si:
        raise _fail(
            w.text,
            f"{'two phases of ' if bipolar else 'a pulse of '}{width} do not fit in the period of "
            f"{1.0 / frequency.si:g} s at {frequency}",
        )
    train = PulseTrain(voltage, width, frequency, count, duration, bipolar, electrode)
    if train.pulse_count < 1:
        raise _fail(w.text, f"{duration} is shorter than one period ({train.period_s:g} s) at {frequency}")
    return train


def _carrier(w: _Words, *, bipolar: bool, voltage: Amount, carrier: Amount) -> ModulatedCarrier:
    if not bipolar:
        raise _fail(w.text, "a modulated carrier is bipolar: write 'electroporation bipolar 50 V 1.5 kHz …'")
    w.take("modulated", "a carrier is written 'CARRIER modulated at FREQUENCY for DURATION'")
    w.take("at", "say the modulation frequency: 'modulated at 1 Hz'")
    modulation = w.quantity("modulation frequency ('1 Hz')", ("frequency",))
    w.take("for", "a modulated carrier needs 'for DURATION'")
    duration = w.quantity("duration ('10 min')", ("duration",))
    if w.peek() in ("anode", "cathode"):
        raise _fail(w.text, "a bipolar carrier carries no net charge, so it takes no electrode")
    if w.i != len(w.words):
        raise _fail(w.text, f"unexpected {' '.join(w.words[w.i :])!r} at the end")
    if not carrier.si >= 2 * modulation.si:
        raise _fail(w.text, f"the carrier {carrier} must be at least twice the modulation {modulation}")
    step = ModulatedCarrier(voltage, carrier, modulation, duration)
    if step.burst_count < 1:
        raise _fail(w.text, f"{duration} is shorter than one modulation period ({step.period_s:g} s)")
    return step
