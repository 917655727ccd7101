"""What the runner delivers: the current steps of a plan, checked against the hard limits.

A plan comes as step strings (``--step``) or as the JSON file ``dermaport plan --json`` writes
(its ``steps`` and ``electrode_area_cm2``). Only the current steps (iontophoresis,
desincrustation) drive the device; the others (cleanse, massage, passive, rest, mask…) are
the practitioner's and are listed as skipped.

Each current step ramps up, holds, and ramps down *within* its duration, so the charge it is
planned to deliver is I·(T − ramp) mA·min: the trapezoid, not the peak-times-duration upper
bound that ``dermaport plan`` reports as ``charge_dose_mA_min`` and checks against the limits.
The limits are checked here too, on that upper bound, with
:func:`dermaport.safety.limits.check_setting` (nothing here can raise them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dermaport.errors import InputError
from dermaport.protocol.facial import parse_any_step
from dermaport.protocol.steps import Amount, Desincrustation, Iontophoresis
from dermaport.safety.limits import MIN_RAMP_S, CurrentSetting, check_setting, enforce

__all__ = ["Segment", "SessionPlan", "plan_from_file", "plan_from_steps"]

_AREA_EXAMPLE = "--electrode-area '10 cm2'"


@dataclass(frozen=True)
class Segment:
    """One current step: polarity, peak current (mA), duration and ramp (s), planned dose (mA·min)."""

    index: int
    step: str
    polarity: Literal["anode", "cathode"]
    current_mA: float  # noqa: N815 - unit in the name
    duration_s: float
    ramp_s: float

    @property
    def planned_dose_mA_min(self) -> float:  # noqa: N802
        """Charge of the trapezoid: ramp up, hold, ramp down within the duration, mA·min."""
        return self.current_mA * (self.duration_s - self.ramp_s) / 60.0


@dataclass(frozen=True)
class SessionPlan:
    """The steps as given, the current segments to deliver, and the electrode area (cm²)."""

    steps: tuple[str, ...]
    segments: tuple[Segment, ...]
    electrode_area_cm2: float
    skipped: tuple[str, ...]

    @property
    def planned_dose_mA_min(self) -> float:  # noqa: N802
        """Charge the session is planned to deliver, mA·min."""
        return sum(s.planned_dose_mA_min for s in self.segments)

    @property
    def peak_current_mA(self) -> float:  # noqa: N802
        """Highest set-point of the session, mA."""
        return max(s.current_mA for s in self.segments)

    def to_json(self) -> dict[str, Any]:
        """The plan as the start document carries it."""
        return {
            "steps": list(self.steps),
            "electrode_area_cm2": self.electrode_area_cm2,
            "planned_dose_mA_min": round(self.planned_dose_mA_min, 6),
            "segments": [
                {
                    "step": s.step,
                    "polarity": s.polarity,
                    "current_mA": s.current_mA,
                    "duration_s": s.duration_s,
                    "ramp_s": s.ramp_s,
                    "planned_dose_mA_min": round(s.planned_dose_mA_min, 6),
                }
                for s in self.segments
            ],
            "skipped": list(self.skipped),
        }


def _current_mA(amount: Amount, area_cm2: float) -> float:  # noqa: N802
    if amount.kind == "current":
        return amount.si * 1e3
    return amount.si * 0.1 * area_cm2  # A/m² → mA/cm² is ×0.1


def plan_from_steps(steps: Sequence[str], *, electrode_area_cm2: float | None) -> SessionPlan:
    """Read the steps; refuse (SafetyError) a plan over a hard limit, (InputError) bad input."""
    if not steps:
        raise InputError(
            "no steps: give --plan FILE or --step, e.g. --step 'iontophoresis anode 2 mA for 10 min'"
        )
    parsed = [(text, parse_any_step(text)) for text in steps]
    current = [(t, s) for t, s in parsed if isinstance(s, Iontophoresis | Desincrustation)]
    if not current:
        raise InputError(
            f"no current step among {list(steps)!r}: nothing for the device to deliver; "
            "e.g. --step 'iontophoresis anode 2 mA for 10 min'"
        )
    if electrode_area_cm2 is None:
        raise InputError(
            f"step {current[0][0]!r} needs the electrode area to check the current density: "
            f"e.g. {_AREA_EXAMPLE}"
        )
    if not (math.isfinite(electrode_area_cm2) and electrode_area_cm2 > 0):
        raise InputError(
            f"electrode area {electrode_area_cm2!r} cm² must be above zero: e.g. {_AREA_EXAMPLE}"
        )
    segments = []
    for index, (text, step) in enumerate(current):
        assert isinstance(step, Iontophoresis | Desincrustation)
        polarity: Literal["anode", "cathode"] = (
            step.electrode if isinstance(step, Iontophoresis) else "cathode"
        )
        ramp_s = step.ramp.si if step.ramp is not None else MIN_RAMP_S
        segments.append(
            Segment(
                index=index,
                step=text,
                polarity=polarity,
                current_mA=_current_mA(step.current, electrode_area_cm2),
                duration_s=step.duration.si,
                ramp_s=ramp_s,
            )
        )
    settings = tuple(
        CurrentSetting(s.current_mA / electrode_area_cm2, electrode_area_cm2, s.duration_s, s.ramp_s)
        for s in segments
    )
    enforce(check_setting(settings, sensitivity="normal"))
    return SessionPlan(
        steps=tuple(steps),
        segments=tuple(segments),
        electrode_area_cm2=electrode_area_cm2,
        skipped=tuple(t for t, s in parsed if not isinstance(s, Iontophoresis | Desincrustation)),
    )


def plan_from_file(path: Path, *, electrode_area_cm2: float | None = None) -> SessionPlan:
    """Read a plan JSON file (``dermaport plan --json``): its ``steps`` and ``electrode_area_cm2``."""
    example = "write one with: dermaport plan ... --json > plan.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"plan file {str(path)!r} cannot be read ({exc.strerror}): {example}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"plan file {str(path)!r} is not JSON (line {exc.lineno}): {example}") from exc
    steps = data.get("steps") if isinstance(data, dict) else None
    if not (isinstance(steps, list) and steps and all(isinstance(s, str) for s in steps)):
        raise InputError(
            f"plan file {str(path)!r} has no 'steps' list of strings: e.g. "
            '{"steps": ["iontophoresis anode 0.2 mA/cm2 for 10 min ramp 30 s"], "electrode_area_cm2": 10}'
        )
    area = data.get("electrode_area_cm2")
    if area is not None and not (isinstance(area, int | float) and not isinstance(area, bool)):
        raise InputError(f"plan file {str(path)!r}: electrode_area_cm2 {area!r} is not a number: e.g. 10")
    if electrode_area_cm2 is not None and area is not None and not math.isclose(electrode_area_cm2, area):
        raise InputError(
            f"--electrode-area {electrode_area_cm2:g} cm² differs from the plan's {area:g} cm²: "
            "leave the option out to use the plan's"
        )
    return plan_from_steps(steps, electrode_area_cm2=electrode_area_cm2 if area is None else float(area))
