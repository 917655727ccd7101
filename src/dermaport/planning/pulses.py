"""Electroporation settings for a plan: pulse levels, their hard-limit check, the pathway an active needs.

A plan's pulse step is a unipolar train under the electrode physics gives the active (an anion
under the cathode, a cation under the anode: :func:`dermaport.library.assess`), or a bipolar
(charge-balanced) train for an active without a charge to drive. It is written as a step of
:mod:`dermaport.protocol.pulses` (``electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min
cathode``) and checked by :func:`check_train` against:

- the hard limits of :mod:`dermaport.safety.pulse_limits` (IEC 60601-2-10 output limits, per-pulse
  charge and energy, r.m.s. current, temperature rise, dermaport's ceilings: module constants),
  on the bounds the device computes before any output
  (:func:`dermaport.device.pulse_plan.pulse_bounds`), so ``dermaport run --plan`` accepts what
  the planner plans;
- the skin's galvanic density ceiling (:func:`dermaport.safety.limits.density_ceiling`: 0.5,
  sensitive 0.2, very sensitive 0.1 mA/cm²) for a unipolar train's d.c. component, which only
  lowers the 0.5 mA/cm² of the pulse limits;
- the engine's own peak temperature rise in the local transport regions, where a prediction has
  one (:func:`prediction_breaches`).

Nothing here takes a limit as an argument: every bound is read from the safety modules.

Defaults (dermaport's choices, within the limits): the research train of the issue and of
Prausnitz 1996 (100 V, 1 ms; about 100 V across the skin), 5 min, at the highest of 1, 0.5, 0.2,
0.1 Hz whose d.c. part keeps the skin's density ceiling (0.5 Hz on normal skin: porated skin
draws about 0.78 A/cm² at 100 V, so 1 Hz would leave 0.78 mA/cm²); sensitive skin two thirds of
the time, very sensitive half, as for current (000: "less time"). The pulse electrode is 2 cm²
(:data:`PULSE_ELECTRODE_AREA_CM2`): IEC's 300 mJ a pulse and 80 mA r.m.s. scale with the porated
area under it (the reference train draws 72 mJ a pulse per cm²), so a 10 cm² galvanic pad cannot
carry a research train.

The physics is reached lazily (the barrier model's pathway radii and hindrance, the device's
bounds), as the predictor reaches the engine.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from dermaport.errors import InputError, SafetyError
from dermaport.library import Active, DeliveryAssessment
from dermaport.protocol.pulses import Electroporation, ModulatedCarrier, PulseTrain, parse_electroporation
from dermaport.safety.limits import MAX_CURRENT_DENSITY_MA_PER_CM2, MAX_CURRENT_STEP_S, density_ceiling
from dermaport.safety.pulse_limits import (
    IEC_MAX_OPEN_CIRCUIT_V,
    IEC_MAX_PULSE_ENERGY_MJ,
    MAX_EXPOSURE_DOSE_V_S,
    MAX_PULSE_VOLTAGE_V,
    MAX_PULSE_WIDTH_S,
    MAX_PULSES,
    MAX_TEMPERATURE_RISE_K,
    PULSE_LIMIT_SOURCES,
    PulseBreach,
    check_pulse_setting,
)

if TYPE_CHECKING:
    from dermaport.device.pulse_plan import PulseBounds
    from dermaport.planning.predictor import Prediction

__all__ = [
    "DEFAULT_VOLTAGE_V",
    "DEFAULT_WIDTH_S",
    "FREQUENCY_LEVELS_HZ",
    "PULSE_ELECTRODE_AREA_CM2",
    "PULSE_TIME_STEP_S",
    "VOLTAGE_LEVELS_V",
    "WIDTH_LEVELS_S",
    "Pathway",
    "PulseCheck",
    "PulseLevel",
    "check_train",
    "default_pulse_duration",
    "pathway_for",
    "prediction_breaches",
    "pulse_electrode",
    "pulse_limits_json",
]

logger = logging.getLogger(__name__)

#: The pulse electrode's area (cm²): dermaport's choice (see the module text).
PULSE_ELECTRODE_AREA_CM2 = 2.0
#: The research train's voltage and pulse length (Prausnitz 1996: about 100 V, 1 ms).
DEFAULT_VOLTAGE_V = 100.0
DEFAULT_WIDTH_S = 1e-3
DEFAULT_DURATION_S = 5 * 60.0
#: Levels the planner tries, lowest first; only those within the hard limits are used.
VOLTAGE_LEVELS_V = (50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 120.0, 150.0)
WIDTH_LEVELS_S = (1e-3, 2e-3, 5e-3, 10e-3)
FREQUENCY_LEVELS_HZ = (1.0, 0.5, 0.2, 0.1)
#: The time grid of pulse steps (s) and the shortest step the planner makes.
PULSE_TIME_STEP_S = 15.0
SHORTEST_PULSE_STEP_S = 60.0
_SENSITIVE_TIME = {"normal": 1.0, "sensitive": 2 / 3, "very_sensitive": 0.5}


@dataclass(frozen=True)
class PulseLevel:
    """A train's shape without its length: voltage (V), pulse width (s), frequency (Hz), electrode.

    ``electrode`` None is a bipolar (biphasic, charge-balanced) train.
    """

    voltage_v: float
    width_s: float
    frequency_hz: float
    electrode: Literal["anode", "cathode"] | None

    def step(self, duration_s: float) -> str:
        """The step text for ``duration_s`` (prints back the same when parsed)."""
        kind = "bipolar " if self.electrode is None else ""
        tail = f" {self.electrode}" if self.electrode is not None else ""
        return (
            f"electroporation {kind}{self.voltage_v:g} V {self.width_s * 1e3:g} ms pulses at "
            f"{self.frequency_hz:g} Hz for {_duration_text(duration_s)}{tail}"
        )

    def describe(self) -> str:
        """``100 V 1 ms at 0.5 Hz under the cathode``."""
        where = f"under the {self.electrode}" if self.electrode else "bipolar"
        return f"{self.voltage_v:g} V {self.width_s * 1e3:g} ms at {self.frequency_hz:g} Hz {where}"


def _duration_text(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds % 60 == 0 else f"{seconds:g} s"


@dataclass(frozen=True)
class PulseCheck:
    """One pulse step checked: its text, typed step, the device's bounds and every breach."""

    text: str
    step: Electroporation
    bounds: PulseBounds
    breaches: tuple[PulseBreach, ...]
    electrode_area_cm2: float

    @property
    def ok(self) -> bool:
        """True when no limit is broken."""
        return not self.breaches

    @property
    def pulses(self) -> int:
        """Pulses (or carrier bursts) of the step."""
        return self.step.schedule().periods

    @property
    def duration_s(self) -> float:
        """The step's length as written (``for 225 s``), or its pulses' periods, s."""
        step = self.step
        if step.duration is not None:
            return step.duration.si
        return step.schedule().duration_s

    def to_json(self) -> dict[str, Any]:
        """The plan's ``pulses`` object (without the prediction)."""
        s = self.step
        schedule = s.schedule()
        train = s if isinstance(s, PulseTrain) else None
        return {
            "step": self.text,
            "voltage_V": schedule.voltage_v,
            "pulse_width_ms": round(train.width.si * 1e3, 6) if train else None,
            "frequency_Hz": train.frequency.si if train else None,
            "carrier_Hz": s.carrier.si if isinstance(s, ModulatedCarrier) else None,
            "modulation_Hz": s.modulation.si if isinstance(s, ModulatedCarrier) else None,
            "pulse_count": schedule.periods,
            "duration_s": schedule.duration_s,
            "bipolar": train is None or train.bipolar,
            "electrode": train.electrode if train else None,
            "exposure_dose_V_s": round(schedule.exposure_dose_v_s, 6),
            "electrode_area_cm2": self.electrode_area_cm2,
            "bounds": self.bounds.to_json(),
            "limits": pulse_limits_json(),
        }


def pulse_limits_json() -> dict[str, Any]:
    """The hard limits a pulse step is held to, with their sources (for the plan file)."""
    return {
        "open_circuit_V": IEC_MAX_OPEN_CIRCUIT_V,
        "pulse_voltage_V": MAX_PULSE_VOLTAGE_V,
        "pulse_width_ms": MAX_PULSE_WIDTH_S * 1e3,
        "pulse_count": MAX_PULSES,
        "exposure_dose_V_s": MAX_EXPOSURE_DOSE_V_S,
        "pulse_energy_mJ": IEC_MAX_PULSE_ENERGY_MJ,
        "temperature_rise_K": MAX_TEMPERATURE_RISE_K,
        "treatment_time_min": MAX_CURRENT_STEP_S / 60,
        "sources": dict(PULSE_LIMIT_SOURCES),
    }


def check_train(
    text: str, *, sensitivity: str | None, area_cm2: float = PULSE_ELECTRODE_AREA_CM2
) -> PulseCheck:
    """Every hard limit the pulse step ``text`` breaks on ``area_cm2`` for skin of ``sensitivity``.

    The device's bounds (the barrier model on intact skin, what ``run`` checks before output)
    through :func:`~dermaport.safety.pulse_limits.check_pulse_setting`, and a unipolar train's
    d.c. part against the skin's galvanic density ceiling. Raises InputError for a step that is
    not an electroporation step.
    """
    from dermaport.device.pulse_plan import pulse_bounds, pulse_setting  # the device's own check

    step = parse_electroporation(text)
    bounds = pulse_bounds(step.schedule(), area_cm2)
    setting = pulse_setting(step, bounds, area_cm2)
    breaches = list(check_pulse_setting(setting))
    ceiling = density_ceiling(sensitivity)
    mean = setting.mean_current_density_ma_per_cm2
    if ceiling < MAX_CURRENT_DENSITY_MA_PER_CM2 and not mean <= ceiling * (1 + 1e-12):
        breaches.append(
            PulseBreach(
                "mean current density", f"{mean:.3g} mA/cm²", f"{ceiling:g} mA/cm² for {sensitivity} skin"
            )
        )
    return PulseCheck(str(step), step, bounds, tuple(dict.fromkeys(breaches)), area_cm2)


def prediction_breaches(prediction: Prediction) -> tuple[PulseBreach, ...]:
    """The engine's own peak LTR temperature rise against its limit (none without the engine)."""
    sim = prediction.simulation
    summary = getattr(sim, "electroporation", None) if sim is not None else None
    if summary is None:
        return ()
    rise = float(summary.peak_temperature_rise_k)
    if math.isfinite(rise) and rise <= MAX_TEMPERATURE_RISE_K:
        return ()
    return (PulseBreach("temperature rise", f"{rise:.3g} K (engine)", f"{MAX_TEMPERATURE_RISE_K:g} K"),)


def default_pulse_duration(sensitivity: str | None) -> float:
    """The default pulse step length (s) for ``sensitivity``: 5 min, less for sensitive skin."""
    factor = _SENSITIVE_TIME.get(sensitivity or "", _SENSITIVE_TIME["very_sensitive"])
    return max(
        round(DEFAULT_DURATION_S * factor / PULSE_TIME_STEP_S) * PULSE_TIME_STEP_S, SHORTEST_PULSE_STEP_S
    )


def pulse_electrode(
    active: Active, ph: float, assessment: DeliveryAssessment
) -> Literal["anode", "cathode"] | None:
    """Where the product goes for a unipolar train; None for a bipolar one (nothing to drive).

    The physics rule's electrode where the active is deliverable by current; otherwise (too
    large for iontophoresis, yet small enough for the pores electroporation opens) by its
    predominant charge: an anion under the cathode, a cation under the anode.
    """
    if assessment.electrode is not None:
        return assessment.electrode
    charge = active.mean_charge(ph)
    if charge <= -0.5:
        return "cathode"
    if charge >= 0.5:
        return "anode"
    return None


@dataclass(frozen=True)
class Pathway:
    """The active's size against the pathways electroporation opens (radii nm, hindrance 0–1)."""

    solute_radius_nm: float
    pore_radius_nm: float
    pore_hindrance: float
    ltr_radius_nm: float
    ltr_hindrance: float

    @property
    def crosses(self) -> bool:
        """False when the active is as large as the widest pathway (no pathway admits it)."""
        return self.pore_hindrance > 0 or self.ltr_hindrance > 0

    def describe(self) -> str:
        """One line on the active's size against the pathways."""
        return (
            f"hydrodynamic radius {self.solute_radius_nm:.3g} nm against pores of {self.pore_radius_nm:g} nm "
            f"(hindrance {self.pore_hindrance:.2g}) and local transport regions of {self.ltr_radius_nm:g} nm "
            f"(hindrance {self.ltr_hindrance:.2g}; Dechadilok & Deen 2006)"
        )

    def to_json(self) -> dict[str, float]:
        """The plan's ``pulses.pathway`` object."""
        return {k: round(v, 6) for k, v in self.__dict__.items()}


def pathway_for(active: Active) -> Pathway:
    """The barrier model's pathway radii and the hindrance of ``active``'s radius in each."""
    from dermaport.physics.electroporation import PoreKinetics, SkinBarrier, diffusive_hindrance

    radius = active.hydrodynamic_radius_m
    pore, ltr = PoreKinetics().pore_radius_m, SkinBarrier().ltr_pathway_radius_m
    return Pathway(
        solute_radius_nm=radius * 1e9,
        pore_radius_nm=pore * 1e9,
        pore_hindrance=diffusive_hindrance(radius, pore),
        ltr_radius_nm=ltr * 1e9,
        ltr_hindrance=diffusive_hindrance(radius, ltr),
    )


def requested_train(text: str, electrode: Literal["anode", "cathode"] | None) -> str:
    """A pulse step asked for (``--pulses``), with the product's electrode for a unipolar train.

    Refuses (SafetyError) a unipolar train that names the other electrode than physics gives, and
    one under any electrode for an active with nothing to drive; InputError for a step that is
    not an electroporation step.
    """
    if not text.strip().lower().startswith("electroporation"):
        raise InputError(
            f"--pulses {text!r} is not an electroporation step: e.g. "
            "--pulses 'electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min'"
        )
    step = parse_electroporation(text)
    if isinstance(step, PulseTrain) and not step.bipolar:
        if electrode is None:
            raise SafetyError(
                f"refused: {text!r} drives one way, but the active has no net charge to drive: "
                "use a bipolar train, e.g. 'electroporation bipolar 100 V 1 ms pulses at 0.5 Hz for 5 min'"
            )
        if step.electrode is not None and step.electrode != electrode:
            raise SafetyError(
                f"refused: {text!r} puts the product under the {step.electrode}, but physics puts it under "
                f"the {electrode} (an anion under the cathode, a cation under the anode)"
            )
        if step.electrode is None:
            step = parse_electroporation(f"{step} {electrode}")
    return str(step)


def clip_train(text: str, *, sensitivity: str | None) -> tuple[PulseCheck, tuple[str, ...]]:
    """``text`` within the limits: as asked, or at a lower frequency and/or for less time.

    A train that breaks only limits a lower rate or fewer pulses relieve (the d.c. part, r.m.s.
    current, pulse count, exposure dose, treatment time; per-pulse energy and heat where the
    barrier's poration over the train drives them) is lowered to the highest frequency of
    :data:`FREQUENCY_LEVELS_HZ` at or below the one asked and the longest time on the 15-s grid,
    up to the one asked, that passes every limit; warnings say what changed and why. Anything
    else (voltage, pulse width, a modulated carrier over a limit) is refused (PulseLimitError
    naming every breach).
    """
    from dermaport.safety.pulse_limits import PulseLimitError

    step = parse_electroporation(text)
    static = _static_breaches(step)  # before the barrier model runs a train of any length
    fixed = {"pulse voltage", "open-circuit voltage", "pulse width"}
    if {b.limit for b in static} & fixed:
        raise PulseLimitError(static)
    breaches = static
    if not static:
        asked = check_train(text, sensitivity=sensitivity)
        if asked.ok:
            return asked, ()
        breaches = asked.breaches
    if isinstance(step, ModulatedCarrier):
        raise PulseLimitError(breaches)
    rates = [f for f in FREQUENCY_LEVELS_HZ if f <= step.frequency.si * (1 + 1e-12)]
    if not rates or rates[0] < step.frequency.si * (1 - 1e-12):
        rates.insert(0, step.frequency.si)
    electrode = None if step.bipolar else (step.electrode or "anode")
    asked_s = min(step.schedule().duration_s, MAX_CURRENT_STEP_S)
    for rate in rates:
        level = PulseLevel(step.voltage.si, step.width.si, rate, electrode)
        found = longest_passing(level, sensitivity=sensitivity, at_most_s=asked_s)
        if found is not None:
            why = "; ".join(str(b) for b in breaches)
            warning = f"{str(step)!r} lowered to {found.text!r} to stay within the hard limits ({why})"
            logger.info(warning)
            return found, (warning,)
    raise PulseLimitError(breaches)


def _static_breaches(step: Electroporation) -> tuple[PulseBreach, ...]:
    """The limits a step breaks by its numbers alone (voltage, width, count, exposure, time)."""
    s = step.schedule()
    out = []
    checks = [
        ("open-circuit voltage", s.voltage_v, IEC_MAX_OPEN_CIRCUIT_V, "V", 1.0),
        ("pulse voltage", s.voltage_v, MAX_PULSE_VOLTAGE_V, "V", 1.0),
        ("pulse count", float(s.periods), float(MAX_PULSES), "pulses", 1.0),
        ("exposure dose", s.exposure_dose_v_s, MAX_EXPOSURE_DOSE_V_S, "V·s", 1.0),
        ("treatment time", s.duration_s, MAX_CURRENT_STEP_S, "min", 1 / 60),
    ]
    if isinstance(step, PulseTrain):
        checks.append(("pulse width", step.width.si, MAX_PULSE_WIDTH_S, "ms", 1e3))
    for limit, value, bound, unit, scale in checks:
        if not value <= bound * (1 + 1e-12):
            out.append(PulseBreach(limit, f"{value * scale:.3g} {unit}", f"{bound * scale:g} {unit}"))
    return tuple(out)


def longest_s(level: PulseLevel) -> float:
    """The longest step at ``level`` the count, exposure and time limits allow, on the 15-s grid."""
    phases = 1 if level.electrode is not None else 2
    by_count = MAX_PULSES / level.frequency_hz
    by_dose = MAX_EXPOSURE_DOSE_V_S / (level.voltage_v * level.width_s * phases) / level.frequency_hz
    top = min(MAX_CURRENT_STEP_S, by_count, by_dose)
    return math.floor(top / PULSE_TIME_STEP_S + 1e-9) * PULSE_TIME_STEP_S


def longest_passing(
    level: PulseLevel, *, sensitivity: str | None, at_most_s: float = math.inf
) -> PulseCheck | None:
    """The longest step at ``level`` (up to ``at_most_s``) that passes every limit; None if none does.

    Bisection on the 15-s grid from the shortest step: a longer train porates the barrier more,
    so its lowest load, and with it the per-pulse energy and heat, only grow with its length.
    """
    step = PULSE_TIME_STEP_S
    lo = math.ceil(SHORTEST_PULSE_STEP_S / step)
    hi = int(min(longest_s(level), at_most_s) / step + 1e-9)
    if hi < lo:
        return None
    top = check_train(level.step(hi * step), sensitivity=sensitivity)
    if top.ok:
        return top
    if not check_train(level.step(lo * step), sensitivity=sensitivity).ok:
        return None
    while lo < hi - 1:
        mid = (lo + hi) // 2
        if check_train(level.step(mid * step), sensitivity=sensitivity).ok:
            lo = mid
        else:
            hi = mid
    return check_train(level.step(lo * step), sensitivity=sensitivity)


def level_frequency(
    voltage_v: float,
    width_s: float,
    electrode: Literal["anode", "cathode"] | None,
    *,
    sensitivity: str | None,
) -> PulseLevel | None:
    """The level at the highest frequency of :data:`FREQUENCY_LEVELS_HZ` whose shortest step passes."""
    for rate in FREQUENCY_LEVELS_HZ:
        level = PulseLevel(voltage_v, width_s, rate, electrode)
        if longest_s(level) < SHORTEST_PULSE_STEP_S:
            continue
        if check_train(level.step(SHORTEST_PULSE_STEP_S), sensitivity=sensitivity).ok:
            return level
    return None


def levels(electrode: Literal["anode", "cathode"] | None, *, sensitivity: str | None) -> list[PulseLevel]:
    """Every (voltage, width) level, lowest voltage first then shortest pulse, at its frequency.

    Only levels whose shortest step (1 min) passes every limit are listed.
    """
    out = []
    for voltage in VOLTAGE_LEVELS_V:
        for width in WIDTH_LEVELS_S:
            level = level_frequency(voltage, width, electrode, sensitivity=sensitivity)
            if level is not None:
                out.append(level)
    return out
