"""Treatment steps parsed from text that prints back the same.

Grammar (case-insensitive keywords; quantities as :mod:`dermaport.units` reads them)::

    passive for DURATION
    rest for DURATION
    iontophoresis (anode|cathode) CURRENT for DURATION [ramp DURATION]
    desincrustation CURRENT for DURATION [ramp DURATION]

CURRENT is a current (``2 mA``) or a current density (``0.3 mA/cm2``). Desincrustation is
galvanic work under the cathode (DOMAIN.md §1), so it takes no polarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError
from dermaport.units import parse_si

__all__ = ["Amount", "Desincrustation", "Iontophoresis", "Passive", "Rest", "Step", "parse_step"]

EXAMPLES = (
    "passive for 30 min",
    "iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s",
    "iontophoresis anode 2 mA for 10 min",
    "desincrustation 0.2 mA/cm2 for 3 min",
    "rest for 1 h",
)


class StepSyntaxError(InputError):
    """A step string that does not follow the grammar."""


@dataclass(frozen=True)
class Amount:
    """A quantity as typed (``magnitude`` in ``unit``) and its SI value."""

    magnitude: float
    unit: str
    kind: str
    si: float

    @classmethod
    def read(cls, text: str, kinds: tuple[str, ...]) -> Amount:
        """Read ``text`` as the first of ``kinds`` it fits; keep the unit as typed."""
        match = re.fullmatch(r"\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(.+?)\s*", text)
        if match is None:
            raise StepSyntaxError(f"{text!r} is not a number with a unit, such as '6 min' or '2 mA'")
        errors = []
        for kind in kinds:
            try:
                si = parse_si(text, kind)
            except InputError as exc:
                errors.append(str(exc))
                continue
            if si <= 0:
                raise StepSyntaxError(f"{text!r} must be above zero")
            return cls(float(match.group(1)), match.group(2), kind, si)
        raise StepSyntaxError(errors[-1])

    def __str__(self) -> str:
        return f"{self.magnitude:g} {self.unit}"


@dataclass(frozen=True)
class Passive:
    """Product on the skin, no current."""

    duration: Amount

    def __str__(self) -> str:
        return f"passive for {self.duration}"


@dataclass(frozen=True)
class Rest:
    """Nothing applied (product removed or a pause between steps)."""

    duration: Amount

    def __str__(self) -> str:
        return f"rest for {self.duration}"


@dataclass(frozen=True)
class Iontophoresis:
    """Direct current with the product under ``electrode``."""

    electrode: Literal["anode", "cathode"]
    current: Amount  # kind "current" (A) or "current density" (A/m²)
    duration: Amount
    ramp: Amount | None = None

    def __str__(self) -> str:
        ramp = f" ramp {self.ramp}" if self.ramp is not None else ""
        return f"iontophoresis {self.electrode} {self.current} for {self.duration}{ramp}"


@dataclass(frozen=True)
class Desincrustation:
    """Galvanic cleansing under the cathode: the alkaline step before iontophoresis."""

    current: Amount
    duration: Amount
    ramp: Amount | None = None

    def __str__(self) -> str:
        ramp = f" ramp {self.ramp}" if self.ramp is not None else ""
        return f"desincrustation {self.current} for {self.duration}{ramp}"


Step = Passive | Rest | Iontophoresis | Desincrustation

_CURRENT = ("current density", "current")
_DURATION = ("duration",)
_TIMED = re.compile(r"(?P<head>.*?)\s+for\s+(?P<duration>.+?)(?:\s+ramp\s+(?P<ramp>.+))?", re.IGNORECASE)


def _fail(text: str, why: str) -> StepSyntaxError:
    return StepSyntaxError(f"cannot read step {text!r}: {why}; e.g. '{EXAMPLES[1]}'")


def parse_step(text: str) -> Step:
    """Parse one step string; ``str()`` of the result prints it back."""
    timed = _TIMED.fullmatch(text.strip())
    if timed is None:
        raise _fail(text, "it needs 'for DURATION'")
    words = timed["head"].split()
    if not words:
        raise _fail(text, "it needs a step name (passive, rest, iontophoresis, desincrustation)")
    name, rest = words[0].lower(), words[1:]
    try:
        duration = Amount.read(timed["duration"], _DURATION)
        ramp = Amount.read(timed["ramp"], _DURATION) if timed["ramp"] else None
        if name in ("passive", "rest"):
            if rest or ramp is not None:
                raise _fail(text, f"'{name}' takes only 'for DURATION'")
            return Passive(duration) if name == "passive" else Rest(duration)
        if name == "iontophoresis":
            if not rest or rest[0].lower() not in ("anode", "cathode"):
                raise _fail(text, "iontophoresis needs the product's electrode, anode or cathode")
            electrode: Literal["anode", "cathode"] = "anode" if rest[0].lower() == "anode" else "cathode"
            return Iontophoresis(electrode, Amount.read(" ".join(rest[1:]), _CURRENT), duration, ramp)
        if name == "desincrustation":
            return Desincrustation(Amount.read(" ".join(rest), _CURRENT), duration, ramp)
    except StepSyntaxError as exc:
        if str(exc).startswith("cannot read step"):
            raise
        raise _fail(text, str(exc)) from exc
    raise _fail(text, f"unknown step {name!r} (passive, rest, iontophoresis, desincrustation)")
