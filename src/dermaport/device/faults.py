"""Faults the simulated device can be told to suffer, and the ``KIND@TIME`` text that asks for one.

Each kind, and what the simulated device does from its time on:

- ``contact-loss``: the electrode leaves the skin; the load is an open circuit.
- ``intermittent-contact``: the contact opens for 0.2 s in every 0.5 s.
- ``impedance-rise``: the load impedance jumps to five times its value (a drying pad, a lifting edge).
- ``compliance``: the compliance voltage collapses to 0.2 V (a failing supply); the current
  the plan asks for can no longer be driven.
- ``comm-loss``: the device stops answering and stops hearing; its watchdog ends the output.
- ``device-reset``: the device reboots: output off, set-point and charge count cleared.
- ``regulation``: the regulator fails; the current is 60 % of the set-point.

The simulated pulse generator's kinds (:data:`PULSE_FAULT_KINDS`, described in
:mod:`dermaport.device.pulse_simulated`) are ``contact-loss``, ``arc``, ``misfire``,
``over-current``, ``comm-loss`` and ``device-reset``; :func:`parse_fault` reads both sets, and
the simulator a fault is given to refuses a kind it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from dermaport.errors import InputError
from dermaport.units import parse_si

if TYPE_CHECKING:
    from dermaport.device.session_plan import SessionPlan

__all__ = [
    "ALL_FAULT_KINDS",
    "FAULT_KINDS",
    "PULSE_FAULT_KINDS",
    "Fault",
    "FaultSyntaxError",
    "check_fault_times",
    "parse_fault",
]

FAULT_KINDS: Final = (
    "contact-loss",
    "intermittent-contact",
    "impedance-rise",
    "compliance",
    "comm-loss",
    "device-reset",
    "regulation",
)

#: The simulated pulse generator's fault kinds.
PULSE_FAULT_KINDS: Final = ("contact-loss", "arc", "misfire", "over-current", "comm-loss", "device-reset")
#: Every kind a simulator knows, each once.
ALL_FAULT_KINDS: Final = tuple(dict.fromkeys((*FAULT_KINDS, *PULSE_FAULT_KINDS)))

_EXAMPLE = "contact-loss@2 min"


class FaultSyntaxError(InputError):
    """A fault that is not ``KIND@TIME`` with a known kind and a time ≥ 0."""


@dataclass(frozen=True)
class Fault:
    """A fault of ``kind`` starting ``at_s`` seconds after the device was started."""

    kind: str
    at_s: float

    def __str__(self) -> str:
        return f"{self.kind}@{self.at_s:g} s"


def parse_fault(text: str) -> Fault:
    """Read ``KIND@TIME`` (``contact-loss@90 s``, ``regulation@2 min``; a bare number is seconds)."""
    kind, sep, when = text.partition("@")
    kind = kind.strip().lower()
    if not sep:
        raise FaultSyntaxError(f"fault {text!r} is not KIND@TIME: e.g. --fault '{_EXAMPLE}'")
    if kind not in ALL_FAULT_KINDS:
        raise FaultSyntaxError(
            f"fault kind {kind!r} is not one of {', '.join(ALL_FAULT_KINDS)}: e.g. --fault '{_EXAMPLE}'"
        )
    when = when.strip()
    try:
        at_s = float(when) if re.fullmatch(r"[-+]?\d*\.?\d+", when) else parse_si(when, "duration")
    except InputError as exc:
        raise FaultSyntaxError(f"fault time {when!r} in {text!r}: {exc}; e.g. --fault '{_EXAMPLE}'") from exc
    if not at_s >= 0:
        raise FaultSyntaxError(
            f"fault time {when!r} in {text!r} is before the start: e.g. --fault '{_EXAMPLE}'"
        )
    return Fault(kind, at_s)


def check_fault_times(faults: Iterable[Fault], plan: SessionPlan) -> None:
    """Refuse (FaultSyntaxError) a fault timed after ``plan``'s current steps end: it would never fire.

    The plan's length is its current steps' durations end to end (s); a fault at the very end
    is taken.
    """
    end_s = plan.duration_s
    for fault in faults:
        if fault.at_s > end_s + 1e-9:
            raise FaultSyntaxError(
                f"fault {fault} is after the plan's end: it lasts {end_s:g} s ({end_s / 60:.3g} min); "
                f"e.g. --fault '{_EXAMPLE}'"
            )
