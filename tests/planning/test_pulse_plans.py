"""Electroporation plans on the real transport engine: polarity, limits, pH, targets, no pathway.

The engine's figures will move as its physics is refined, so these tests check behaviour: the
planned pulse step is within every hard limit (the device's own pre-output check and the
skin's density ceiling), the vehicle pH stays within 4–8, a target that is met is met again on
re-simulation, and a molecule no pathway admits is refused with its size and the engine's
figure. The property test counts the plans it made, so it cannot pass by refusing everything.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dermaport.device.pulse_plan import pulse_segment
from dermaport.device.session_plan import plan_from_json
from dermaport.errors import DermaportError, SafetyError
from dermaport.planning.digest import plan_document
from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.predictor import Prediction, PredictionRequest, Predictor, engine_predictor
from dermaport.planning.products import adhoc_product, product_named
from dermaport.planning.pulse_target import seek_pulses
from dermaport.planning.pulses import (
    PULSE_ELECTRODE_AREA_CM2,
    SHORTEST_PULSE_STEP_S,
    PulseLevel,
    check_train,
    levels,
    longest_passing,
    longest_s,
)
from dermaport.planning.settings import skin_for_area
from dermaport.planning.standin import StandInPredictor
from dermaport.planning.target import TargetUnreachableError, parse_target
from dermaport.protocol.pulses import PulseTrain, parse_electroporation
from dermaport.safety import screen
from dermaport.safety.limits import MAX_CURRENT_STEP_S
from dermaport.safety.pulse_limits import (
    IEC_MAX_PULSE_ENERGY_MJ,
    MAX_EXPOSURE_DOSE_V_S,
    MAX_PULSE_VOLTAGE_V,
    MAX_PULSE_WIDTH_S,
    MAX_PULSES,
    MAX_TEMPERATURE_RISE_K,
)
from tests.safety.helpers import TODAY, answers

PULSE_ANSWERS = {"implanted_device_other": False, "metal_in_face": False, "keloids": False}


def pulse_plan(predictor: Predictor, *, sensitivity: str = "normal", **kw: object) -> Plan:
    kw.setdefault("product", product_named("sap-ampoule"))
    return make_plan(
        screen(answers(skin_sensitivity=sensitivity, **PULSE_ANSWERS), today=TODAY),
        concern=str(kw.pop("concern", "pigmentation")),
        area="face",
        predictor=predictor,
        modality="electroporation",
        **kw,  # type: ignore[arg-type]
    )


def pulse_step(plan: Plan) -> str:
    return next(s for s in plan.steps if s.startswith("electroporation"))


def assert_within_limits(plan: Plan) -> None:
    """The planned step passes the device's own check and every constant, whatever produced it."""
    text = pulse_step(plan)
    check = check_train(text, sensitivity=plan.skin_sensitivity)
    assert check.ok, check.breaches
    step = parse_electroporation(text)
    schedule = step.schedule()
    assert schedule.voltage_v <= MAX_PULSE_VOLTAGE_V
    assert schedule.periods <= MAX_PULSES
    assert schedule.exposure_dose_v_s <= MAX_EXPOSURE_DOSE_V_S + 1e-9
    assert schedule.duration_s <= MAX_CURRENT_STEP_S
    assert check.bounds.pulse_energy_mJ <= IEC_MAX_PULSE_ENERGY_MJ
    assert check.bounds.temperature_rise_K <= MAX_TEMPERATURE_RISE_K
    if isinstance(step, PulseTrain):
        assert step.width.si <= MAX_PULSE_WIDTH_S
    electrode = step.electrode if isinstance(step, PulseTrain) else None
    pulse_segment(
        0, text, step, electrode_area_cm2=PULSE_ELECTRODE_AREA_CM2, electrode=electrode, product=None
    )
    assert plan.predicted is not None
    assert 4.0 <= plan.predicted.vehicle_ph_min <= plan.predicted.vehicle_ph_max <= 8.0


def test_default_plan_is_a_cathode_train_within_limits_and_runs_from_its_file() -> None:
    """SAP is an anion at pH 7: the product under the cathode; 1 Hz would leave 0.78 mA/cm² of d.c.,
    so the planner takes 0.5 Hz; the runner's plan reader accepts the plan document as written."""
    plan = pulse_plan(engine_predictor())
    text = pulse_step(plan)
    assert text.startswith("electroporation 100 V 1 ms pulses at 0.5 Hz for ")
    assert text.endswith(" cathode")
    assert plan.electrode == "cathode"
    assert plan.modality == "electroporation"
    assert plan.electrode_area_cm2 == PULSE_ELECTRODE_AREA_CM2
    assert_within_limits(plan)
    assert plan.predicted is not None
    assert plan.predicted.model.startswith("Nernst–Planck")
    assert plan.predicted.reached("viable_epidermis") > 0
    document = plan_document(plan, screen(answers(**PULSE_ANSWERS), today=TODAY))
    assert document["modality"] == "electroporation"
    assert document["pulses"]["step"] == text
    assert document["pulses"]["limits"]["pulse_energy_mJ"] == IEC_MAX_PULSE_ENERGY_MJ
    session = plan_from_json(document, source="plan.json")
    assert session.pulse_count == parse_electroporation(text).schedule().periods


def test_sensitive_skin_lowers_the_rate_to_its_density_ceiling() -> None:
    plan = pulse_plan(engine_predictor(), sensitivity="sensitive")
    step = parse_electroporation(pulse_step(plan))
    assert isinstance(step, PulseTrain)
    assert step.frequency.si <= 0.2
    assert_within_limits(plan)


def test_a_requested_train_over_the_rate_limit_is_lowered_and_one_over_the_voltage_is_refused() -> None:
    plan = pulse_plan(engine_predictor(), pulses="electroporation 100 V 1 ms pulses at 1 Hz for 5 min")
    assert any("lowered to" in w and "mean current density" in w for w in plan.warnings)
    assert_within_limits(plan)
    with pytest.raises(SafetyError, match="pulse voltage 200 V breaks the hard limit 150 V"):
        pulse_plan(engine_predictor(), pulses="electroporation 200 V 1 ms pulses at 0.5 Hz for 5 min")
    with pytest.raises(SafetyError, match="physics puts it under the cathode"):
        pulse_plan(engine_predictor(), pulses="electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min anode")


@pytest.mark.parametrize(
    ("active", "concentration", "radius"),
    [("hyaluronic_acid_1mda", "0.1 %", "64.9 nm"), ("native_collagen", "0.5 %", "27 nm")],
)
def test_a_molecule_no_pathway_admits_is_refused_with_its_size_and_the_engines_figure(
    active: str, concentration: str, radius: str
) -> None:
    product = adhoc_product(active, concentration, 6.5)
    with pytest.raises(SafetyError) as caught:
        pulse_plan(engine_predictor(), product=product, concern="hydration")
    message = str(caught.value)
    assert "will not cross by electroporation" in message
    assert f"hydrodynamic radius {radius}" in message
    assert "local transport regions of 20 nm (hindrance 0" in message
    assert "the engine predicts" in message
    assert "µg/cm² into the viable epidermis" in message
    assert "the engine predicts less than 1e-09 µg/cm² into the viable epidermis" in message


def test_target_seeking_on_the_engine_meets_the_target_again_on_resimulation() -> None:
    target = parse_target("6 ug/cm2 viable_epidermis")
    plan = pulse_plan(engine_predictor(), target=target)
    assert_within_limits(plan)
    assert plan.target_delivered_ug_per_cm2 is not None
    assert plan.target_delivered_ug_per_cm2 >= 6.0
    assert plan.engine_calls >= 2
    again = engine_predictor()(
        PredictionRequest(
            active=plan.product.active,
            concentration=plan.product.concentration,
            steps=(pulse_step(plan),),
            vehicle_ph=plan.product.ph,
            skin=skin_for_area("face"),
            electrode_area_m2=PULSE_ELECTRODE_AREA_CM2 * 1e-4,
            buffer=plan.product.buffer,
        )
    )
    assert again.reached("viable_epidermis") >= 6.0
    # the gentlest: the level before it in the scan, at its longest allowed train, misses the target
    step = parse_electroporation(pulse_step(plan))
    assert isinstance(step, PulseTrain)
    scan = levels("cathode", sensitivity="normal")
    index = next(
        i for i, lv in enumerate(scan) if (lv.voltage_v, lv.width_s) == (step.voltage.si, step.width.si)
    )
    if index > 0:
        longest = longest_passing(scan[index - 1], sensitivity="normal")
        assert longest is not None
        before = engine_predictor()(
            PredictionRequest(
                active=plan.product.active,
                concentration=plan.product.concentration,
                steps=(longest.text,),
                vehicle_ph=plan.product.ph,
                skin=skin_for_area("face"),
                electrode_area_m2=PULSE_ELECTRODE_AREA_CM2 * 1e-4,
                buffer=plan.product.buffer,
            )
        )
        assert before.reached("viable_epidermis") < 6.0 or not 4.0 <= before.vehicle_ph_max <= 8.0


def test_an_unreachable_target_names_what_binds() -> None:
    with pytest.raises(TargetUnreachableError, match="no pulse train delivers 1e\\+06"):
        pulse_plan(StandInPredictor(), target=parse_target("1000000 ug/cm2 viable_epidermis"))


def test_pulse_contraindications_refuse_before_any_engine_call() -> None:
    predictor = StandInPredictor()
    with pytest.raises(SafetyError, match="electroporation"):
        make_plan(
            screen(answers(**{**PULSE_ANSWERS, "metal_in_face": True}), today=TODAY),
            concern="pigmentation",
            area="face",
            product=product_named("sap-ampoule"),
            predictor=predictor,
            modality="electroporation",
        )
    assert predictor.calls == 0


def test_the_decollete_gets_no_pulses() -> None:
    with pytest.raises(SafetyError, match="no pulses on the decollete"):
        make_plan(
            screen(answers(area="decollete", **PULSE_ANSWERS), today=TODAY),
            concern="hydration",
            area="decollete",
            product=product_named("sap-ampoule"),
            predictor=StandInPredictor(),
            modality="electroporation",
        )


_TRAINS = st.builds(
    lambda bipolar, v, w, f, t: (
        f"electroporation {'bipolar ' if bipolar else ''}{v:g} V {w:g} ms pulses at {f:g} Hz for {t:g} s"
    ),
    st.booleans(),
    st.sampled_from([20, 50, 80, 100, 120, 150, 151, 200, 400, 600]),
    st.sampled_from([0.1, 0.5, 1, 2, 5, 10, 11, 30]),
    st.sampled_from([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 20]),
    st.sampled_from([15, 60, 300, 900, 1200, 1800, 3600]),
)


def test_every_planned_step_is_within_the_limits_whatever_is_asked() -> None:
    """Random trains and skins through the planner (the stand-in: the limits do not depend on it):
    each is refused or planned within every limit; enough are planned for the test to mean it."""
    made: list[str] = []
    refused: list[str] = []

    # derandomized: about a quarter of random requests can be planned, so 30 random draws made
    # fewer than 5 plans in 2 of 19 runs; a fixed sequence of draws keeps the count meaningful
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(train=_TRAINS, sensitivity=st.sampled_from(["normal", "sensitive", "very_sensitive"]))
    def one(train: str, sensitivity: str) -> None:
        try:
            plan = pulse_plan(StandInPredictor(), pulses=train, sensitivity=sensitivity)
        except DermaportError:
            refused.append(train)
            return
        assert_within_limits(plan)
        made.append(pulse_step(plan))

    one()
    assert len(made) >= 5, (made, refused)
    assert refused


def test_random_requests_on_the_real_engine_are_planned_within_limits() -> None:
    """A fixed random sample on the engine (which predicts the pH and the heat the limits use)."""
    rng = random.Random(15)
    made = 0
    for _ in range(6):
        v, w = rng.choice([60, 80, 100, 120]), rng.choice([0.5, 1, 2])
        f, t = rng.choice([0.2, 0.5, 1, 2]), rng.choice([60, 300, 900, 2400])
        train = f"electroporation {v:g} V {w:g} ms pulses at {f:g} Hz for {t:g} s"
        try:
            plan = pulse_plan(engine_predictor(), pulses=train)
        except DermaportError:
            continue
        assert_within_limits(plan)
        assert plan.predicted is not None
        assert math.isfinite(plan.predicted.total_ug_per_cm2)
        made += 1
    assert made >= 2


def _fake(amount: float, ph_max: float = 7.0) -> Prediction:
    return Prediction(0.0, amount, 0.0, 0.0, amount, 7.0, 7.0, ph_max, ph_max, 0.0, None, "fake")


def test_the_scan_assumes_nothing_across_levels_and_refines_time_on_the_first_that_meets() -> None:
    """Delivery that falls with voltage above 60 V: the scan must stop at 60 V, then shorten."""
    scan = [PulseLevel(v, 1e-3, 0.5, "cathode") for v in (50.0, 60.0, 80.0)]
    calls: list[str] = []

    def evaluate(text: str) -> Prediction:
        calls.append(text)
        step = parse_electroporation(text)
        rate = {50.0: 0.001, 60.0: 0.02, 80.0: 0.005}[step.voltage.si]  # µg/cm² per pulse
        return _fake(rate * step.schedule().periods)

    found = seek_pulses(parse_target("3 ug/cm2 viable_epidermis"), scan, evaluate, sensitivity="normal")
    step = parse_electroporation(found.trial.check.text)
    assert step.voltage.si == 60.0
    assert step.schedule().periods * 0.02 >= 3.0
    shorter = parse_electroporation(scan[1].step(found.trial.check.duration_s - 15.0))
    assert shorter.schedule().periods * 0.02 < 3.0  # the shortest time on the grid
    assert found.calls == len(set(calls))
    assert not any(" 80 V " in c for c in calls)  # levels above the first that meets are not tried


def test_levels_are_ordered_gentlest_first_and_within_the_limits() -> None:
    scan = levels("cathode", sensitivity="normal")
    assert scan
    keys = [(lv.voltage_v, lv.width_s) for lv in scan]
    assert keys == sorted(keys)
    for lv in scan:
        assert check_train(lv.step(SHORTEST_PULSE_STEP_S), sensitivity="normal").ok
        top = longest_s(lv)
        assert top <= MAX_CURRENT_STEP_S
        assert top * lv.frequency_hz <= MAX_PULSES
        assert lv.voltage_v * lv.width_s * top * lv.frequency_hz <= MAX_EXPOSURE_DOSE_V_S + 1e-9


def test_a_cation_goes_under_the_anode() -> None:
    plan = pulse_plan(engine_predictor(), product=product_named("copper-peptide-ampoule"), concern="wrinkles")
    assert plan.electrode == "anode"
    assert pulse_step(plan).endswith(" anode")
    assert_within_limits(plan)


def test_a_bipolar_train_asked_for_an_anion_is_planned_with_a_warning() -> None:
    plan = pulse_plan(
        engine_predictor(), pulses="electroporation bipolar 90 V 1 ms pulses at 0.5 Hz for 2 min"
    )
    assert plan.electrode is None
    assert any("a bipolar train drives" in w and "nowhere (no net charge)" in w for w in plan.warnings)
    assert_within_limits(plan)


def test_a_mid_size_active_the_ltrs_admit_is_planned_with_lombrys_caveat() -> None:
    """50 kDa HA (11 nm) is above the iontophoresis size rule but fits the 20 nm LTRs (H ≈ 0.03)."""
    plan = pulse_plan(
        engine_predictor(),
        product=adhoc_product("hyaluronic_acid_50kda", "0.5 %", 6.5),
        concern="hydration",
        electrode_material="ag-agcl",  # unbuffered under an inert cathode the film reaches pH 12
    )
    assert plan.electrode == "cathode"
    assert any("Lombry 2000" in w for w in plan.warnings)
    assert plan.pulse is not None
    assert 0 < plan.pulse.pathway.ltr_hindrance < 0.1
    assert_within_limits(plan)
