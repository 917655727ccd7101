"""What the runner delivers: the current steps of a plan, checked against the hard limits.

A plan comes as step strings (``--step``) or as the JSON file ``dermaport plan --json`` writes
(its ``steps`` and ``electrode_area_cm2``). Only the current steps (iontophoresis,
desincrustation) drive the device; the others (cleanse, massage, passive, rest, mask…) are
the practitioner's and are listed as skipped.

A plan file is also held to the ceilings its plan was made under, so that editing its steps
cannot deliver more: the hard limits at its ``skin_sensitivity``, its
``density_ceiling_mA_per_cm2`` for every step, its ``current_density_mA_per_cm2`` for the
iontophoresis steps, and its ``charge_dose_mA_min`` for the session (each within
:data:`PLAN_TOLERANCE`); every iontophoresis step must deliver from the plan's ``electrode``
(the polarity physics chose); and the file must match its ``digest``
(:func:`dermaport.planning.digest.plan_digest`), so any edit at all is refused. A file that
does not record these is refused: plan files come from this same version of ``dermaport plan``.

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

from dermaport.device.pulse_plan import PulseSegment, barrier_after, pulse_segment
from dermaport.errors import InputError, SafetyError
from dermaport.physics.electroporation import BarrierState
from dermaport.planning.digest import plan_digest
from dermaport.protocol.facial import parse_any_step
from dermaport.protocol.pulses import ModulatedCarrier, PulseTrain
from dermaport.protocol.steps import Desincrustation, Iontophoresis
from dermaport.protocol.waveform import current_waveform
from dermaport.safety.limits import (
    SENSITIVITY_DENSITY_MA_PER_CM2,
    CurrentSetting,
    check_setting,
    density_ceiling,
    enforce,
)

__all__ = [
    "DESINCRUSTATION_SOLUTION",
    "MAX_ELECTRODE_AREA_CM2",
    "PLAN_TOLERANCE",
    "AnySegment",
    "PulseSegment",
    "Segment",
    "SessionPlan",
    "check_polarity",
    "plan_from_file",
    "plan_from_json",
    "plan_from_steps",
]

#: How far (relative, and absolute for the file's rounding to 6 decimals) a step may lie above
#: the density and charge its plan file records.
PLAN_TOLERANCE = 1e-6

#: Largest electrode area taken, cm²: a large body pad is about 10 × 20 cm. A bigger figure is
#: a typo (a unit or a zero too many), and the current density check would be meaningless.
MAX_ELECTRODE_AREA_CM2 = 200.0

#: What goes under the cathode for desincrustation: a saline vehicle that the cathode's water
#: electrolysis makes alkaline (OH⁻), saponifying sebum (DOMAIN.md §1).
DESINCRUSTATION_SOLUTION = "desincrustation solution (saline)"
#: The solution named for an iontophoresis step when the plan names no product.
_UNNAMED_PRODUCT = "the product (ampoule)"

_AREA_EXAMPLE = "--electrode-area '10 cm2'"
_RECREATE = "re-create it with: dermaport plan ... --json > plan.json"


@dataclass(frozen=True)
class Segment:
    """One current step: polarity, peak current (mA), duration and ramp (s), planned dose (mA·min).

    ``kind`` is the step's name (iontophoresis, desincrustation); ``solution`` what goes under
    the active electrode (the product, or the desincrustation solution).
    """

    index: int
    step: str
    polarity: Literal["anode", "cathode"]
    current_mA: float  # noqa: N815 - unit in the name
    duration_s: float
    ramp_s: float
    kind: str = "iontophoresis"
    solution: str = _UNNAMED_PRODUCT

    @property
    def modality(self) -> str:
        """The controller that runs this step (:mod:`dermaport.device.controllers`)."""
        return "galvanic"

    def needs_hold_after(self, previous: Segment | PulseSegment) -> bool:
        """Whether the skin must be wiped and the product changed between ``previous`` and this step."""
        return (self.polarity, self.solution) != (previous.polarity, previous.solution)

    def to_json(self) -> dict[str, Any]:
        """The segment as the start document carries it."""
        return {
            "index": self.index,
            "step": self.step,
            "polarity": self.polarity,
            "current_mA": self.current_mA,
            "duration_s": self.duration_s,
            "ramp_s": self.ramp_s,
            "planned_dose_mA_min": round(self.planned_dose_mA_min, 6),
            "kind": self.kind,
            "solution": self.solution,
        }

    def describe(self) -> str:
        """The step as shown to the operator: kind, polarity, solution."""
        return f"{self.kind} under the {self.polarity}, {self.solution}"

    @property
    def planned_dose_mA_min(self) -> float:  # noqa: N802
        """Charge of the trapezoid: ramp up, hold, ramp down within the duration, mA·min."""
        return self.current_mA * (self.duration_s - self.ramp_s) / 60.0


#: A step the device delivers: galvanic current or a pulse train.
AnySegment = Segment | PulseSegment


@dataclass(frozen=True)
class SessionPlan:
    """The steps as given, the segments to deliver (current and pulse steps), the electrode area (cm²)."""

    steps: tuple[str, ...]
    segments: tuple[AnySegment, ...]
    electrode_area_cm2: float
    skipped: tuple[str, ...]
    product: str | None = None

    @property
    def planned_dose_mA_min(self) -> float:  # noqa: N802
        """Charge the session is planned to deliver, mA·min."""
        return sum(s.planned_dose_mA_min for s in self.segments)

    @property
    def duration_s(self) -> float:
        """Time the current steps take, one after another, s (the skipped steps take none here)."""
        return sum(s.duration_s for s in self.segments)

    @property
    def peak_current_mA(self) -> float:  # noqa: N802
        """Highest galvanic set-point of the session, mA (0 for pulse steps alone)."""
        return max(s.current_mA for s in self.segments)

    @property
    def modalities(self) -> tuple[str, ...]:
        """The modalities of the segments, each once, in order (galvanic, electroporation)."""
        return tuple(dict.fromkeys(s.modality for s in self.segments))

    @property
    def pulse_count(self) -> int:
        """Pulses (or carrier bursts) planned over the pulse steps."""
        return sum(s.pulses for s in self.segments if isinstance(s, PulseSegment))

    def to_json(self) -> dict[str, Any]:
        """The plan as the start document carries it."""
        return {
            "steps": list(self.steps),
            "electrode_area_cm2": self.electrode_area_cm2,
            "planned_dose_mA_min": round(self.planned_dose_mA_min, 6),
            "segments": [s.to_json() for s in self.segments],
            "skipped": list(self.skipped),
            "product": self.product,
        }


def plan_from_steps(
    steps: Sequence[str],
    *,
    electrode_area_cm2: float | None,
    sensitivity: str = "normal",
    product: str | None = None,
    electrode: Literal["anode", "cathode"] | None = None,
) -> SessionPlan:
    """Read the steps; refuse (SafetyError) a plan over a hard limit, (InputError) bad input.

    The hard limits are those for skin of ``sensitivity`` (normal, sensitive, very_sensitive)
    for current steps, :mod:`dermaport.safety.pulse_limits` for pulse steps
    (:func:`~dermaport.device.pulse_plan.pulse_segment`). ``product`` names what goes under the
    electrode in the delivery steps; ``electrode`` is the plan's (a unipolar pulse train that
    names none is delivered from it).
    """
    if sensitivity not in SENSITIVITY_DENSITY_MA_PER_CM2:
        raise InputError(
            f"skin sensitivity {sensitivity!r} is not one of {', '.join(SENSITIVITY_DENSITY_MA_PER_CM2)}: "
            "e.g. sensitive"
        )
    if not steps:
        raise InputError(
            "no steps: give --plan FILE or --step, e.g. --step 'iontophoresis anode 2 mA for 10 min'"
        )
    parsed = [(text, parse_any_step(text)) for text in steps]
    current = [(t, s) for t, s in parsed if _delivered(s)]
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
    if not math.isfinite(electrode_area_cm2):
        raise InputError(
            f"electrode area {electrode_area_cm2:g} cm² is not a finite number: e.g. {_AREA_EXAMPLE}"
        )
    if not electrode_area_cm2 > 0:
        raise InputError(
            f"electrode area {electrode_area_cm2:.6g} cm² must be above zero: e.g. {_AREA_EXAMPLE}"
        )
    if electrode_area_cm2 > MAX_ELECTRODE_AREA_CM2:
        raise InputError(
            f"electrode area {electrode_area_cm2:.6g} cm² is larger than the largest pad, "
            f"{MAX_ELECTRODE_AREA_CM2:g} cm²: e.g. {_AREA_EXAMPLE}"
        )
    segments: list[AnySegment] = []
    barrier: BarrierState | None = None  # what the pulse steps before leave (intact at first)
    for index, (text, step) in enumerate(current):
        if isinstance(step, PulseTrain | ModulatedCarrier):
            segments.append(
                pulse_segment(
                    index,
                    text,
                    step,
                    electrode_area_cm2=electrode_area_cm2,
                    electrode=electrode,
                    product=product,
                    start=barrier,
                )
            )
            barrier = barrier_after(step.schedule(), barrier)
            continue
        assert isinstance(step, Iontophoresis | Desincrustation)
        wave = current_waveform(step, electrode_area_m2=electrode_area_cm2 * 1e-4)
        segments.append(
            Segment(
                index=index,
                step=text,
                polarity=wave.polarity,
                current_mA=wave.peak_current_mA(electrode_area_cm2),
                duration_s=wave.duration_s,
                ramp_s=wave.ramp_s,
                kind="desincrustation" if isinstance(step, Desincrustation) else "iontophoresis",
                solution=(
                    DESINCRUSTATION_SOLUTION
                    if isinstance(step, Desincrustation)
                    else (product or _UNNAMED_PRODUCT)
                ),
            )
        )
    settings = tuple(
        CurrentSetting(s.current_mA / electrode_area_cm2, electrode_area_cm2, s.duration_s, s.ramp_s)
        for s in segments
        if isinstance(s, Segment)
    )
    if settings:
        enforce(check_setting(settings, sensitivity=sensitivity))
    return SessionPlan(
        steps=tuple(steps),
        segments=tuple(segments),
        electrode_area_cm2=electrode_area_cm2,
        skipped=tuple(t for t, s in parsed if not _delivered(s)),
        product=product,
    )


def _delivered(step: object) -> bool:
    """Whether the device delivers ``step`` (current and pulse steps; the others are the practitioner's)."""
    return isinstance(step, Iontophoresis | Desincrustation | PulseTrain | ModulatedCarrier)


def plan_from_file(path: Path, *, electrode_area_cm2: float | None = None) -> SessionPlan:
    """Read a plan JSON file (``dermaport plan --json``), as :func:`plan_from_json` does."""
    example = "write one with: dermaport plan ... --json > plan.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"plan file {str(path)!r} cannot be read ({exc.strerror}): {example}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"plan file {str(path)!r} is not JSON (line {exc.lineno}): {example}") from exc
    return plan_from_json(data, source=str(path), electrode_area_cm2=electrode_area_cm2)


def _recorded(data: dict[str, Any], key: str, source: str) -> float:
    """The number the plan file records under ``key``; refuses a missing or unreadable one."""
    if key not in data:
        raise InputError(f"plan file {source!r} does not record {key!r}: {_RECREATE}")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"plan file {source!r}: {key} {value!r} is not a number: {_RECREATE}")
    return float(value)


def _above(value: float, recorded: float) -> bool:
    return value > recorded * (1 + PLAN_TOLERANCE) + PLAN_TOLERANCE


def plan_from_json(data: object, *, source: str, electrode_area_cm2: float | None = None) -> SessionPlan:
    """The session plan in a decoded plan file (``source`` names it in errors).

    Its ``steps`` and ``electrode_area_cm2``, checked against the hard limits for its
    ``skin_sensitivity`` and held to the ceilings it records (see the module text). Raises
    InputError for a file that is not a plan, SafetyError for steps beyond its ceilings.
    """
    steps = data.get("steps") if isinstance(data, dict) else None
    if not (
        isinstance(data, dict)
        and isinstance(steps, list)
        and steps
        and all(isinstance(s, str) for s in steps)
    ):
        raise InputError(
            f"plan file {source!r} has no 'steps' list of strings: e.g. "
            '{"steps": ["iontophoresis anode 0.2 mA/cm2 for 10 min ramp 30 s"], "electrode_area_cm2": 10}'
        )
    area = data.get("electrode_area_cm2")
    if area is not None and not (isinstance(area, int | float) and not isinstance(area, bool)):
        raise InputError(f"plan file {source!r}: electrode_area_cm2 {area!r} is not a number: e.g. 10")
    if electrode_area_cm2 is not None and area is not None and not math.isclose(electrode_area_cm2, area):
        raise InputError(
            f"--electrode-area {electrode_area_cm2:.6g} cm² differs from the plan's {area:.6g} cm²: "
            "leave the option out to use the plan's"
        )
    if "skin_sensitivity" not in data:
        raise InputError(f"plan file {source!r} does not record 'skin_sensitivity': {_RECREATE}")
    sensitivity = data["skin_sensitivity"]
    if sensitivity not in SENSITIVITY_DENSITY_MA_PER_CM2:
        raise InputError(
            f"plan file {source!r}: skin_sensitivity {sensitivity!r} is not one of "
            f"{', '.join(SENSITIVITY_DENSITY_MA_PER_CM2)}: {_RECREATE}"
        )
    ceiling = _recorded(data, "density_ceiling_mA_per_cm2", source)
    density = _recorded(data, "current_density_mA_per_cm2", source)
    charge = _recorded(data, "charge_dose_mA_min", source)
    product = data.get("product")
    name = product.get("name") if isinstance(product, dict) else product
    plan = plan_from_steps(
        steps,
        electrode_area_cm2=electrode_area_cm2 if area is None else float(area),
        sensitivity=sensitivity,
        product=name if isinstance(name, str) and name.strip() else None,
        electrode=data["electrode"] if data.get("electrode") in ("anode", "cathode") else None,
    )
    ceiling = min(ceiling, density_ceiling(sensitivity))
    for segment in plan.segments:
        step_density = segment.current_mA / plan.electrode_area_cm2
        if _above(step_density, ceiling):
            raise SafetyError(
                f"refused: step {segment.step!r} at {step_density:.4g} mA/cm² is above the plan's density "
                f"ceiling {ceiling:g} mA/cm²: {_RECREATE}"
            )
        delivery = isinstance(parse_any_step(segment.step), Iontophoresis)
        if delivery and _above(step_density, density):
            raise SafetyError(
                f"refused: step {segment.step!r} at {step_density:.4g} mA/cm² is above the plan's current "
                f"density {density:g} mA/cm²: {_RECREATE}"
            )
    # the plan's bound: peak current for the whole of each step, as dermaport plan counts it
    bound = sum(s.current_mA * s.duration_s / 60.0 for s in plan.segments if isinstance(s, Segment))
    if _above(bound, charge):
        raise SafetyError(
            f"refused: the steps' charge dose {bound:.4g} mA·min is above the plan's {charge:g} mA·min: "
            f"{_RECREATE}"
        )
    check_polarity(plan, data.get("electrode"), source=source)
    if not isinstance(data.get("digest"), str):
        raise InputError(f"plan file {source!r} does not record its 'digest': {_RECREATE}")
    if plan_digest(data) != data["digest"]:
        raise SafetyError(
            f"refused: plan file {source!r} was edited after dermaport plan wrote it (its content no "
            f"longer matches its digest {data['digest'][:12]}…): {_RECREATE}"
        )
    return plan


def check_polarity(plan: SessionPlan, electrode: object, *, source: str) -> None:
    """Refuse (SafetyError) an iontophoresis step whose polarity is not the plan's ``electrode``.

    The electrode is where physics puts the product (``anode`` or ``cathode``); a plan without
    one (``None``: no current may flow) refuses every iontophoresis step. Desincrustation
    steps keep their own polarity: they carry no product.
    """
    for segment in plan.segments:
        if isinstance(segment, PulseSegment):
            if segment.polarity is not None and segment.polarity != electrode:
                raise SafetyError(
                    f"refused: pulse step {segment.step!r} drives from the {segment.polarity}, but plan "
                    f"{source} puts the product under the {electrode or 'no electrode (no current)'}: "
                    f"{_RECREATE}"
                )
            continue
        if not isinstance(parse_any_step(segment.step), Iontophoresis):
            continue
        if segment.polarity != electrode:
            raise SafetyError(
                f"refused: step {segment.step!r} delivers from the {segment.polarity}, but plan "
                f"{source} puts the product under the {electrode or 'no electrode (no current)'}: "
                f"{_RECREATE}"
            )
