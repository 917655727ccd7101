"""The non-electrical steps of a needle-free facial, parsed from text that prints back the same.

Grammar (case-insensitive keywords; durations as :mod:`dermaport.units` reads them)::

    cleanse for DURATION
    massage with (water-soluble|oil-based) cream for DURATION
    ultrasound for DURATION
    high frequency for DURATION
    mask for DURATION
    finish

The procedure is that of the NNM facial (source text 000: thorough cleansing, optional
massage with a water-soluble cream, the ampoule under current, aftercare), with ultrasound
and high frequency as the other devices it names. An oil-based cream parses, so that a plan
can refuse it by name: it leaves a film that blocks penetration (000).
:func:`parse_any_step` reads these, the electrical steps of :mod:`dermaport.protocol.steps` and the
electroporation steps of :mod:`dermaport.protocol.pulses`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dermaport.protocol.pulses import Electroporation, parse_electroporation
from dermaport.protocol.steps import Amount, Step, StepSyntaxError, parse_step

__all__ = [
    "FACIAL_EXAMPLES",
    "AnyStep",
    "Cleanse",
    "FacialStep",
    "Finish",
    "HighFrequency",
    "Mask",
    "Massage",
    "Ultrasound",
    "parse_any_step",
    "parse_facial_step",
]

FACIAL_EXAMPLES = (
    "cleanse for 3 min",
    "massage with water-soluble cream for 5 min",
    "ultrasound for 5 min",
    "high frequency for 3 min",
    "mask for 15 min",
    "finish",
)

CreamVehicle = Literal["water-soluble", "oil-based"]


@dataclass(frozen=True)
class Cleanse:
    """Thorough cleansing of the area."""

    duration: Amount

    def __str__(self) -> str:
        return f"cleanse for {self.duration}"


@dataclass(frozen=True)
class Massage:
    """Massage with a cream; only a water-soluble cream may precede current (000)."""

    cream: CreamVehicle
    duration: Amount

    def __str__(self) -> str:
        return f"massage with {self.cream} cream for {self.duration}"


@dataclass(frozen=True)
class Ultrasound:
    """Ultrasound (sonophoresis); 000: better on dissolving fat."""

    duration: Amount

    def __str__(self) -> str:
        return f"ultrasound for {self.duration}"


@dataclass(frozen=True)
class HighFrequency:
    """High frequency, a skin-surface treatment; 000: better on acne."""

    duration: Amount

    def __str__(self) -> str:
        return f"high frequency for {self.duration}"


@dataclass(frozen=True)
class Mask:
    """A mask left on the skin."""

    duration: Amount

    def __str__(self) -> str:
        return f"mask for {self.duration}"


@dataclass(frozen=True)
class Finish:
    """Finish: toner, a light moisturiser and sun protection."""

    def __str__(self) -> str:
        return "finish"


FacialStep = Cleanse | Massage | Ultrasound | HighFrequency | Mask | Finish
AnyStep = FacialStep | Step | Electroporation

_TIMED = re.compile(r"(?P<head>.*?)\s+for\s+(?P<duration>.+)", re.IGNORECASE)
_NAMES = "cleanse, massage, ultrasound, high frequency, mask, finish"


def _fail(text: str, why: str) -> StepSyntaxError:
    return StepSyntaxError(f"cannot read step {text!r}: {why}; e.g. '{FACIAL_EXAMPLES[1]}'")


def parse_facial_step(text: str) -> FacialStep:
    """Parse one non-electrical step; ``str()`` of the result prints it back."""
    raw = " ".join(text.split())
    if raw.lower() == "finish":
        return Finish()
    timed = _TIMED.fullmatch(raw)
    if timed is None:
        raise _fail(text, "it needs 'for DURATION'")
    head = timed["head"].lower()
    try:
        duration = Amount.read(timed["duration"], ("duration",))
    except StepSyntaxError as exc:
        raise _fail(text, str(exc)) from exc
    simple: dict[str, type[Cleanse | Ultrasound | HighFrequency | Mask]] = {
        "cleanse": Cleanse,
        "ultrasound": Ultrasound,
        "high frequency": HighFrequency,
        "mask": Mask,
    }
    if head in simple:
        return simple[head](duration)
    massage = re.fullmatch(r"massage with (water-soluble|oil-based) cream", head)
    if massage is not None:
        cream: CreamVehicle = "water-soluble" if massage.group(1) == "water-soluble" else "oil-based"
        return Massage(cream, duration)
    if head.startswith("massage"):
        raise _fail(
            text, "say the cream: 'massage with water-soluble cream' or 'massage with oil-based cream'"
        )
    raise _fail(text, f"unknown step {head!r} ({_NAMES})")


def parse_any_step(text: str) -> AnyStep:
    """Parse a facial step, an electrical one (passive, rest, iontophoresis…) or electroporation."""
    first = text.strip().split(" ", 1)[0].lower()
    if first == "electroporation":
        return parse_electroporation(text)
    if first in ("passive", "rest", "iontophoresis", "desincrustation"):
        return parse_step(text)
    return parse_facial_step(text)
