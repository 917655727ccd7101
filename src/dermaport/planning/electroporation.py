"""The delivery step of an electroporation plan: polarity, pulse train and time within the hard limits.

:func:`plan_pulses` is what :func:`dermaport.planning.plan.make_plan` calls for
``modality="electroporation"``. In order:

1. the active must be soluble (the vehicle carries it) and small enough for a pathway the pulses
   open: where the barrier model's widest pathway (local transport regions, 20 nm) does not admit
   it (hindrance 0: 1 MDa hyaluronic acid, native collagen), the plan is refused with its size
   against the pathways and the engine's predicted delivery for the default train;
2. the electrode by physics (:func:`~dermaport.planning.pulses.pulse_electrode`), or a bipolar
   train for an active with no charge to drive;
3. the train: the one asked for (``pulses=``, clipped to the limits or refused,
   :func:`~dermaport.planning.pulses.clip_train`), the gentlest that meets a target
   (:func:`~dermaport.planning.pulse_target.seek_pulses`), or the default research train;
4. the engine's prediction; where the vehicle pH would leave 4–8 the train is shortened to the
   longest that keeps it (a warning names the remedy), or the plan is refused;
5. last, whatever produced the train: the device's own pre-output check
   (:func:`dermaport.device.pulse_plan.pulse_segment`) and the skin's density ceiling
   (:func:`~dermaport.planning.pulses.check_train`), and the engine's temperature rise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError, SafetyError
from dermaport.library import Active, DeliveryAssessment
from dermaport.planning.predictor import Prediction
from dermaport.planning.pulse_target import longest_pulse_within_ph, seek_pulses
from dermaport.planning.pulses import (
    DEFAULT_VOLTAGE_V,
    DEFAULT_WIDTH_S,
    PULSE_ELECTRODE_AREA_CM2,
    VOLTAGE_LEVELS_V,
    Pathway,
    PulseCheck,
    PulseLevel,
    check_train,
    clip_train,
    default_pulse_duration,
    level_frequency,
    levels,
    longest_passing,
    pathway_for,
    prediction_breaches,
    pulse_electrode,
    requested_train,
)
from dermaport.planning.settings import format_duration
from dermaport.planning.target import Target
from dermaport.protocol.pulses import PulseTrain
from dermaport.safety.limits import check_vehicle_ph, enforce
from dermaport.safety.pulse_limits import PulseLimitError

__all__ = ["PulsePlan", "plan_pulses"]

logger = logging.getLogger(__name__)

#: Lombry 2000: FITC-dextrans up to ~40 kDa crossed electroporated skin, less as they grew.
LOMBRY_KDA = 40.0


@dataclass(frozen=True)
class PulsePlan:
    """The pulse step planned: its check (bounds), prediction, pathway, electrode, calls, words."""

    check: PulseCheck
    prediction: Prediction
    pathway: Pathway
    electrode: str | None
    calls: int
    polarity_reason: str
    warnings: tuple[str, ...]


def _amount(value: float) -> str:
    """An amount in µg/cm² as the refusal prints it: ``6.6e-06``, or ``less than 1e-09``."""
    return f"{value:.2g}" if value >= 1e-9 else "less than 1e-09"


def _refuse_no_pathway(
    active: Active,
    pathway: Pathway,
    predict: Callable[[str], Prediction],
    electrode: Literal["anode", "cathode"] | None,
    sensitivity: str,
) -> SafetyError:
    """The refusal for an active no pathway admits, with the engine's figure for the default train."""
    text, figure = "", ""
    found = _default_train(electrode, sensitivity)
    if found is not None:
        text = found.text
        p = predict(text)
        figure = (
            f"; the engine predicts {_amount(p.reached('viable_epidermis'))} µg/cm² into the viable "
            f"epidermis and {_amount(p.total_ug_per_cm2)} µg/cm² in all (the surface layers, as passive "
            "application) "
            f"for '{text}'"
        )
    return SafetyError(
        f"refused: {active.display_name} ({active.mw_g_per_mol / 1000:.0f} kDa) will not cross by "
        f"electroporation: its {pathway.describe()}: it is larger than the widest pathway the pulses open"
        f"{figure}; no pulse train within the limits changes that (the texts' 'molecules of any size' is "
        "not what this physics allows): apply it as a surface product, or choose a smaller active"
    )


def _default_train(electrode: Literal["anode", "cathode"] | None, sensitivity: str) -> PulseCheck | None:
    """The default train, or None when no voltage keeps the limits.

    The research train's 1 ms pulses at 100 V, or the highest voltage below it that keeps every
    limit, at its highest allowed frequency, for the default time.
    """
    for voltage in sorted((v for v in VOLTAGE_LEVELS_V if v <= DEFAULT_VOLTAGE_V), reverse=True):
        level = level_frequency(voltage, DEFAULT_WIDTH_S, electrode, sensitivity=sensitivity)
        if level is None:
            continue
        found = longest_passing(level, sensitivity=sensitivity, at_most_s=default_pulse_duration(sensitivity))
        if found is not None:
            return found
    return None


def plan_pulses(
    active: Active,
    assessment: DeliveryAssessment,
    *,
    ph: float,
    sensitivity: str,
    predict: Callable[[str], Prediction],
    target: Target | None,
    pulses: str | None,
    ph_remedy: Callable[[str | None], str],
) -> PulsePlan:
    """Plan the pulse step for ``active`` (see the module text); SafetyError with the reason when refused.

    ``predict`` maps a step text to the engine's prediction on the pulse electrode;
    ``ph_remedy(electrode)`` says what would keep the vehicle pH.
    """
    if assessment.verdict == "insoluble":
        raise SafetyError(f"refused: {active.display_name} cannot be delivered: {assessment.reason}")
    pathway = pathway_for(active)
    electrode = pulse_electrode(active, ph, assessment)
    if not pathway.crosses:
        raise _refuse_no_pathway(active, pathway, predict, electrode, sensitivity)
    warnings: list[str] = []
    if assessment.verdict == "too large":
        warnings.append(
            f"{active.display_name} ({active.mw_g_per_mol / 1000:.0f} kDa) is above what iontophoresis "
            f"has been shown to deliver; electroporated skin passed FITC-dextrans up to about "
            f"{LOMBRY_KDA:g} kDa, less as they grew (Lombry 2000): expect little ({pathway.describe()})"
        )
    if electrode is None:
        reason = (
            f"{active.display_name} carries no net charge at pH {ph:g}: a bipolar (charge-balanced) train "
            "porates the barrier without driving the vehicle pH"
        )
    else:
        why = assessment.reason if assessment.electrode else f"by its charge at pH {ph:g}"
        how = (
            "their net charge drives the electroosmotic flow it rides"
            if assessment.mechanism == "electroosmosis"
            else "they drive it by electrophoresis"
        )
        reason = f"{why}; unipolar pulses from the {electrode}: {how}"
    calls = 0
    if target is not None and pulses is not None:
        raise InputError("give --target or --pulses, not both: the target search chooses the pulses")
    if pulses is not None:
        check, clipped = clip_train(requested_train(pulses, electrode), sensitivity=sensitivity)
        warnings += clipped
        if isinstance(check.step, PulseTrain) and not check.step.bipolar:
            electrode = check.step.electrode
        elif electrode is not None:
            warnings.append(
                f"a bipolar train drives {active.display_name} nowhere (no net charge): it only porates; "
                f"a unipolar train under the {electrode} also drives it"
            )
            electrode = None
    elif target is not None:
        found = seek_pulses(
            target, levels(electrode, sensitivity=sensitivity), predict, sensitivity=sensitivity
        )
        check, calls = found.trial.check, found.calls
    else:
        found_check = _default_train(electrode, sensitivity)
        if found_check is None:
            raise SafetyError(
                f"refused: no voltage from {DEFAULT_VOLTAGE_V:g} V down to {VOLTAGE_LEVELS_V[0]:g} V keeps a "
                f"{DEFAULT_WIDTH_S * 1e3:g} ms train within the hard limits on {sensitivity} skin"
            )
        if found_check.step.schedule().voltage_v < DEFAULT_VOLTAGE_V:
            warnings.append(
                f"{DEFAULT_VOLTAGE_V:g} V breaks a hard limit for this train: planned at "
                f"{found_check.step.schedule().voltage_v:g} V, the highest that keeps every limit"
            )
        check = found_check
    prediction = predict(check.text)
    calls += 1
    ph_range = (prediction.vehicle_ph_min, prediction.vehicle_ph_max)
    if check_vehicle_ph(*ph_range) and target is None and isinstance(check.step, PulseTrain):
        step = check.step
        level = PulseLevel(
            step.voltage.si, step.width.si, step.frequency.si, None if step.bipolar else step.electrode
        )
        kept, more = longest_pulse_within_ph(
            level, predict, sensitivity=sensitivity, at_most_s=check.duration_s - 15.0
        )
        calls += more
        if kept is not None:
            drift = f"{max(ph_range):.1f}" if max(ph_range) > 8 else f"{min(ph_range):.1f}"
            warnings.append(
                f"shortened from {format_duration(check.duration_s)} to "
                f"{format_duration(kept.check.duration_s)}: "
                f"over the full train the vehicle pH would reach {drift}, outside 4–8; "
                f"{ph_remedy(electrode)} allows longer"
            )
            check, prediction = kept.check, kept.prediction
    enforce(
        check_vehicle_ph(prediction.vehicle_ph_min, prediction.vehicle_ph_max),
        remedy=f"even the shortest train leaves it; {ph_remedy(electrode)} keeps the pH",
    )
    _final_check(check, sensitivity, prediction)
    logger.info("pulse plan %s (%d engine calls)", check.text, calls)
    return PulsePlan(check, prediction, pathway, electrode, calls, reason, tuple(warnings))


def _final_check(check: PulseCheck, sensitivity: str, prediction: Prediction) -> None:
    """Whatever produced the train: the runner's own check, the skin's ceiling, the engine's heat."""
    from dermaport.device.pulse_plan import pulse_segment

    again = check_train(check.text, sensitivity=sensitivity, area_cm2=PULSE_ELECTRODE_AREA_CM2)
    breaches = (*again.breaches, *prediction_breaches(prediction))
    if breaches:
        raise PulseLimitError(breaches)
    step = check.step
    electrode = step.electrode if isinstance(step, PulseTrain) else None
    pulse_segment(
        0, check.text, step, electrode_area_cm2=PULSE_ELECTRODE_AREA_CM2, electrode=electrode, product=None
    )
