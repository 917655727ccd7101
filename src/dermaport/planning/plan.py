"""One session plan: protocol steps, the product's electrode by physics, settings within the hard limits.

:func:`make_plan` is the facade the CLI and, later, the web app call. It refuses
(:class:`~dermaport.errors.SafetyError`, naming the reason or the limit) when screening does
not allow treatment today, when the product or the cream is refused, when the placement
would cross a keep-out site, when the active cannot be delivered, or when a setting or the
predicted vehicle pH would break a hard limit. Every plan passes
:func:`dermaport.safety.limits.check_setting` last, whatever produced its settings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dermaport.errors import InputError, SafetyError
from dermaport.library import Active, assess, load_actives, load_skin
from dermaport.planning.electroporation import PulsePlan, plan_pulses
from dermaport.planning.predictor import Prediction, PredictionRequest, Predictor, vehicle_ph_range
from dermaport.planning.products import (
    Product,
    check_cream,
    check_product,
    stronger_buffer,
    suggest_buffer,
    with_buffer,
)
from dermaport.planning.pulses import PULSE_ELECTRODE_AREA_CM2
from dermaport.planning.settings import (
    AREA_SETTINGS,
    DESINCRUSTATION_DENSITY_MA_PER_CM2,
    DESINCRUSTATION_S,
    current_setting,
    current_step,
    default_setting,
    format_duration,
    skin_for_area,
)
from dermaport.planning.target import (
    Evaluate,
    SearchSpace,
    Target,
    TargetUnreachableError,
    longest_within_ph,
    seek,
)
from dermaport.protocol.library import Protocol, find_protocol, fold_name
from dermaport.protocol.steps import Desincrustation, Iontophoresis
from dermaport.protocol.waveform import current_waveform
from dermaport.safety.keep_out import check_path, placement_for
from dermaport.safety.limits import (
    VEHICLE_PH_MAX,
    check_setting,
    check_vehicle_ph,
    density_ceiling,
    enforce,
)
from dermaport.safety.patch_test import PatchTest, patch_test_status
from dermaport.safety.screening import ScreeningResult, require_for_steps

__all__ = ["MODALITIES", "Plan", "make_plan"]

#: What a plan delivers with: current (iontophoresis) or high-voltage pulses (electroporation).
MODALITIES = ("iontophoresis", "electroporation")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """A session plan. Current density mA/cm², current mA, time s, dose mA·min (whole session)."""

    protocol: Protocol
    area: str
    product: Product
    steps: tuple[str, ...]
    electrode: str | None
    density_ma_per_cm2: float
    electrode_area_cm2: float
    duration_s: float
    charge_dose_ma_min: float
    predicted: Prediction | None
    warnings: tuple[str, ...]
    requirements: tuple[str, ...]
    polarity_reason: str
    placement: str
    verdict: str
    #: The screening's skin sensitivity answer the plan's ceilings were chosen for.
    skin_sensitivity: str
    target: Target | None = None
    target_delivered_ug_per_cm2: float | None = None
    engine_calls: int = 0
    electrode_material: str = "inert"
    concern: str = ""
    #: Whether the library lists the product's active for the concern.
    concern_served: bool = True
    #: The charge the current steps deliver, ramps counted (the waveform's trapezoid), mA·min.
    expected_dose_ma_min: float = 0.0
    #: ``iontophoresis`` (current) or ``electroporation`` (a pulse train).
    modality: str = "iontophoresis"
    #: The pulse step planned (electroporation only).
    pulse: PulsePlan | None = None

    @property
    def current_ma(self) -> float:
        """Peak current of the delivery step, mA."""
        return self.density_ma_per_cm2 * self.electrode_area_cm2

    @property
    def density_ceiling_ma_per_cm2(self) -> float:
        """The current density ceiling for the plan's skin sensitivity, mA/cm²."""
        return density_ceiling(self.skin_sensitivity)

    def to_json(self) -> dict[str, Any]:
        """The contract object of ``dermaport plan --json`` (and a few more keys).

        ``skin_sensitivity`` and ``density_ceiling_mA_per_cm2`` go with the plan so that
        ``dermaport run --plan`` holds the plan file to the ceilings it was made under.
        """
        return {
            "steps": list(self.steps),
            "electrode": self.electrode,
            "current_density_mA_per_cm2": round(self.density_ma_per_cm2, 6),
            "current_mA": round(self.current_ma, 6),
            "duration_s": self.duration_s,
            "charge_dose_mA_min": round(self.charge_dose_ma_min, 6),
            "predicted": self.predicted.to_json() if self.predicted is not None else None,
            "warnings": list(self.warnings),
            "requirements": list(self.requirements),
            "protocol": self.protocol.name,
            "area": self.area,
            "product": self.product.to_json(),
            "electrode_area_cm2": self.electrode_area_cm2,
            "polarity_reason": self.polarity_reason,
            "placement": self.placement,
            "screening_verdict": self.verdict,
            "skin_sensitivity": self.skin_sensitivity,
            "density_ceiling_mA_per_cm2": round(self.density_ceiling_ma_per_cm2, 6),
            "electrode_material": self.electrode_material,
            "concern": self.concern,
            "concern_served": self.concern_served,
            "expected_dose_mA_min": round(self.expected_dose_ma_min, 6),
            "modality": self.modality,
            "pulses": _pulse_json(self.pulse),
            "target": (
                {
                    "amount_ug_per_cm2": self.target.amount_ug_per_cm2,
                    "layer": self.target.layer,
                    "predicted_ug_per_cm2": self.target_delivered_ug_per_cm2,
                    "engine_calls": self.engine_calls,
                }
                if self.target is not None
                else None
            ),
        }


def _pulse_json(pulse: PulsePlan | None) -> dict[str, Any] | None:
    if pulse is None:
        return None
    return {
        **pulse.check.to_json(),
        "pathway": pulse.pathway.to_json(),
        "polarity_reason": pulse.polarity_reason,
    }


def _ion_step(electrode: str, density: float, seconds: float) -> str:
    return str(current_step("anode" if electrode == "anode" else "cathode", density, seconds))


def _concern_note(active: Active, concern: str) -> str | None:
    """None when the library lists ``active`` for ``concern``; otherwise what the plan says."""
    served = {c.value for c in active.entry.concerns}
    if concern in served:
        return None
    others = sorted(a.name for a in load_actives() if concern in {c.value for c in a.entry.concerns})
    listed = f"it is listed for {', '.join(sorted(served))}" if served else "it is listed for no concern"
    return (
        f"{active.display_name} does not serve {concern} in the library ({listed}); actives that do: "
        f"{', '.join(others[:6])}{' …' if len(others) > 6 else ''} "
        f"(dermaport actives list --concern {concern})"
    )


def _ph_remedy(product: Product, electrode: str | None, material: str) -> str:
    """What would keep the vehicle pH, as options ``dermaport plan`` takes, for this run."""
    remedies = []
    if material != "ag-agcl":
        remedies.append("a Ag/AgCl electrode (--electrode-material ag-agcl)")
    if electrode is not None:
        suggested = suggest_buffer(product.ph, electrode)
        if product.buffer is None:
            remedies.append(f"a buffered product (--buffer '{suggested}')")
        else:
            stronger = stronger_buffer(product.buffer)
            if stronger is not None:
                remedies.append(f"a stronger buffer than {product.buffer} (--buffer '{stronger}')")
    return " or ".join(remedies) if remedies else "a product that holds its pH"


def _screened(screening: ScreeningResult, area: str) -> None:
    if not screening.may_treat:
        raise SafetyError(f"refused: screening says {screening.summary()}")
    screened_area = screening.answers.get("area")
    if screened_area != area:
        raise SafetyError(
            f"refused: the client was screened for the {screened_area}, not the {area}: screen again for it"
        )


def make_plan(
    screening: ScreeningResult,
    *,
    concern: str,
    area: str,
    product: Product,
    predictor: Predictor,
    target: Target | None = None,
    electrode_material: str = "inert",
    cream: str = "water-soluble",
    patch_tests: Iterable[PatchTest] = (),
    session_at: dt.datetime | None = None,
    buffer: str | None = None,
    modality: str = "iontophoresis",
    pulses: str | None = None,
) -> Plan:
    """Plan one session for a screened client; raises SafetyError with the reason when refused.

    ``buffer`` (``"citrate 50 mM"``) replaces the product's own buffer for this plan;
    ``electrode_material`` is ``inert`` or ``ag-agcl``. ``product.active`` may be a library
    name or the path of an active's data file. ``modality`` ``electroporation`` plans a pulse
    train instead of current (:mod:`dermaport.planning.electroporation`); ``pulses`` is a pulse
    step asked for (``"electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min"``), held to the
    hard limits (clipped or refused), and implies that modality.
    """
    if pulses is not None and modality == "iontophoresis":
        modality = "electroporation"
    if modality not in MODALITIES:
        raise InputError(
            f"modality {modality!r} is not one of {', '.join(MODALITIES)}: e.g. --modality electroporation"
        )
    protocol = find_protocol(concern, area)
    area, concern = fold_name(area), fold_name(concern)
    _screened(screening, area)
    product = with_buffer(product, buffer)
    warnings = list(screening.adjustments)
    warnings += check_product(product, today=screening.today)
    if any(step.startswith("massage") for step in protocol.before):
        check_cream(cream)
    enforce(check_vehicle_ph(product.ph, product.ph))
    active = load_actives().resolve(product.active)
    from_file = product.active.endswith(".toml") or Path(product.active).is_file()
    note = _concern_note(active, concern)
    if note is not None:
        warnings.append(note)
    sensitivity = str(screening.answers.get("skin_sensitivity", ""))
    placement = placement_for(area)
    setting = AREA_SETTINGS[area]
    skin = load_skin().get(skin_for_area(area))
    assessment = assess(
        active,
        product.ph,
        skin_isoelectric_point=skin.isoelectric_point,
        skin_pi_source=skin.entry.isoelectric_point.source,
    )
    if not assessment.suitable and modality == "iontophoresis":
        raise SafetyError(f"refused: {active.display_name} cannot be delivered: {assessment.reason}")
    if assessment.electromigration_negligible and modality == "iontophoresis":
        warnings.append(
            "the active is too large to migrate: expect mostly passive and electroosmotic delivery"
        )

    def request(step: str) -> PredictionRequest:
        return PredictionRequest(
            active=product.active if from_file else active.name,
            concentration=product.concentration,
            steps=(step,),
            vehicle_ph=product.ph,
            skin=skin.name,
            electrode=electrode_material,
            electrode_area_m2=setting.electrode_area_cm2 * 1e-4,
            buffer=product.buffer,
        )

    before = [s.replace("water-soluble", cream) if s.startswith("massage") else s for s in protocol.before]
    if modality == "electroporation":
        if protocol.delivery == "passive":
            raise SafetyError(
                f"refused: no pulses on the {area}: {placement.note}; its protocol applies the product "
                "without current or pulses"
            )
        check_path(placement)
        require_for_steps(screening, ("electroporation",))  # the high-voltage contraindications, first
        if protocol.desincrustation:
            warnings.append(
                "desincrustation left out: a pulse session runs on the pulse generator alone "
                "(desincrustation is galvanic: give it as a session of its own)"
            )

        def predict(step: str) -> Prediction:
            return predictor(replace(request(step), electrode_area_m2=PULSE_ELECTRODE_AREA_CM2 * 1e-4))

        pulse = plan_pulses(
            active,
            assessment,
            ph=product.ph,
            sensitivity=sensitivity,
            predict=predict,
            target=target,
            pulses=pulses,
            ph_remedy=lambda e: _ph_remedy(product, e, electrode_material),
        )
        at = session_at or dt.datetime.combine(screening.today, dt.time())
        status = patch_test_status(patch_tests, product=product.name, at=at)
        predicted = pulse.prediction
        plan = Plan(
            protocol=protocol,
            area=area,
            product=product,
            steps=(*before, pulse.check.text, *protocol.after),
            electrode=pulse.electrode,
            density_ma_per_cm2=0.0,
            electrode_area_cm2=PULSE_ELECTRODE_AREA_CM2,
            duration_s=pulse.check.duration_s,
            charge_dose_ma_min=0.0,
            predicted=predicted,
            warnings=(*warnings, *pulse.warnings, placement.note),
            requirements=() if status.may_start else (status.reason,),
            polarity_reason=pulse.polarity_reason,
            placement=placement.note,
            verdict=screening.verdict.value,
            skin_sensitivity=sensitivity,
            target=target,
            target_delivered_ug_per_cm2=predicted.reached(target.layer) if target else None,
            engine_calls=pulse.calls,
            electrode_material=electrode_material,
            concern=concern,
            concern_served=note is None,
            modality=modality,
            pulse=pulse,
        )
        require_for_steps(screening, plan.steps)
        logger.info("plan %s on %s: %s", protocol.name, area, pulse.check.text)
        return plan
    current_steps: list[Iontophoresis | Desincrustation] = []
    area_cm2 = setting.electrode_area_cm2
    if protocol.delivery == "passive":
        electrode, density, duration = None, 0.0, setting.duration_s
        delivery = f"passive for {format_duration(duration)}"
        predicted, calls = predictor(request(delivery)), 1
        if target is not None and predicted.reached(target.layer) < target.amount_ug_per_cm2:
            raise TargetUnreachableError(
                f"refused: no plan delivers {target.amount_ug_per_cm2:g} µg/cm² into {target.layer} on the "
                f"{area}: no current may flow there ({placement.note}), and the ampoule alone gives "
                f"{predicted.reached(target.layer):.3g} µg/cm²; binding: keep-out chest",
                best=None,
                binding=("keep-out: chest",),
            )
        polarity = f"no current: {placement.note}"
    else:
        check_path(placement)
        if protocol.desincrustation:
            _desincrustation(sensitivity, before, current_steps, warnings)
        electrodes: tuple[str, ...] = (assessment.electrode,) if assessment.electrode else ()
        if assessment.ionic_form == "neutral":
            electrodes = ("anode", "cathode")  # electroosmosis only: let the prediction choose
        if target is not None:
            space = SearchSpace(
                electrodes,
                density_ceiling(sensitivity),
                setting.electrode_area_cm2,
                dose_used_ma_min=sum(current_setting(s, area_cm2).charge_dose_ma_min for s in current_steps),
            )
            found = seek(target, space, lambda e, d, t: predictor(request(_ion_step(e, d, t))))
            trial = found.trial
            electrode, density, duration = trial.electrode, trial.density_ma_per_cm2, trial.duration_s
            predicted, calls = trial.prediction, found.calls
        else:
            electrode = assessment.electrode or "anode"
            density, duration = default_setting(area, sensitivity)
            predicted, calls = predictor(request(_ion_step(electrode, density, duration))), 1
            if check_vehicle_ph(*vehicle_ph_range(predicted)):
                predicted, duration, calls = _within_ph(
                    electrode,
                    density,
                    duration,
                    setting.electrode_area_cm2,
                    predicted,
                    lambda e, d, t: predictor(request(_ion_step(e, d, t))),
                    warnings,
                    _ph_remedy(product, electrode, electrode_material),
                )
        step = current_step("anode" if electrode == "anode" else "cathode", density, duration)
        delivery = str(step)
        current_steps.append(step)
        polarity = assessment.reason
        if electrode != assessment.electrode:
            polarity += f"; both electrodes were tried, and the prediction delivers more from the {electrode}"
    currents = tuple(current_setting(s, area_cm2) for s in current_steps)
    enforce(check_setting(currents, sensitivity=sensitivity))
    enforce(
        check_vehicle_ph(*vehicle_ph_range(predicted)),
        remedy=""
        if protocol.delivery == "passive"
        else f"even the shortest step leaves it; {_ph_remedy(product, electrode, electrode_material)} "
        "keeps the pH",
    )
    at = session_at or dt.datetime.combine(screening.today, dt.time())
    status = patch_test_status(patch_tests, product=product.name, at=at)
    plan = Plan(
        protocol=protocol,
        area=area,
        product=product,
        steps=(*before, delivery, *protocol.after),
        electrode=electrode,
        density_ma_per_cm2=density,
        electrode_area_cm2=setting.electrode_area_cm2,
        duration_s=duration,
        charge_dose_ma_min=sum(c.charge_dose_ma_min for c in currents),
        predicted=predicted,
        warnings=(*warnings, placement.note),
        requirements=() if status.may_start else (status.reason,),
        polarity_reason=polarity,
        placement=placement.note,
        verdict=screening.verdict.value,
        skin_sensitivity=sensitivity,
        target=target,
        target_delivered_ug_per_cm2=predicted.reached(target.layer) if target else None,
        engine_calls=calls,
        electrode_material=electrode_material,
        concern=concern,
        concern_served=note is None,
        expected_dose_ma_min=sum(
            current_waveform(s, electrode_area_m2=area_cm2 * 1e-4).dose_mA_min(area_cm2)
            for s in current_steps
        ),
    )
    require_for_steps(screening, plan.steps)  # a pulse step: the high-voltage contraindications too
    logger.info("plan %s on %s: %s", protocol.name, area, delivery)
    return plan


def _within_ph(
    electrode: str,
    density: float,
    duration: float,
    area_cm2: float,
    predicted: Prediction,
    evaluate: Evaluate,
    warnings: list[str],
    remedy: str,
) -> tuple[Prediction, float, int]:
    """Shorten a default step whose predicted vehicle pH leaves 4–8 to the longest that keeps it.

    Returns the new prediction, the duration (s) and the engine calls made. When even the
    shortest step breaks the limit, the prediction is returned unchanged for the limit check
    to refuse.
    """
    calls = 0

    def counted(e: str, d: float, t: float) -> Prediction:
        nonlocal calls
        calls += 1
        return evaluate(e, d, t)

    space = SearchSpace((electrode,), density, area_cm2)
    trial = longest_within_ph(space, counted, electrode, density, at_most_s=duration - space.time_step_s)
    if trial is None:
        return predicted, duration, 1 + calls
    low, high = vehicle_ph_range(predicted)
    drift = f"{high:.1f}" if high > VEHICLE_PH_MAX else f"{low:.1f}"
    warnings.append(
        f"shortened from {format_duration(duration)} to {format_duration(trial.duration_s)}: over the full "
        f"time the vehicle pH would reach {drift} under the {electrode}, outside 4–8; {remedy} allows longer"
    )
    return trial.prediction, trial.duration_s, 1 + calls


def _desincrustation(
    sensitivity: str,
    before: list[str],
    current_steps: list[Iontophoresis | Desincrustation],
    warnings: list[str],
) -> None:
    if sensitivity != "normal":
        warnings.append("desincrustation left out: it is too harsh for sensitive skin")
        return
    step = current_step(
        None, min(DESINCRUSTATION_DENSITY_MA_PER_CM2, density_ceiling(sensitivity)), DESINCRUSTATION_S
    )
    before.append(str(step))
    current_steps.append(step)
