"""Session plans: polarity from physics, settings within the hard limits, refusals named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dermaport.device.session_plan import plan_from_json
from dermaport.errors import InputError, SafetyError
from dermaport.planning.digest import with_digest
from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.predictor import Prediction, PredictionRequest
from dermaport.planning.products import CATALOGUE, adhoc_product, product_named
from dermaport.planning.standin import StandInPredictor
from dermaport.planning.target import parse_target
from dermaport.protocol.library import PROTOCOLS
from dermaport.protocol.steps import parse_step
from dermaport.safety import screen
from dermaport.safety.limits import (
    MAX_CHARGE_DOSE_MA_MIN,
    MAX_CURRENT_MA,
    MAX_CURRENT_STEP_S,
    MIN_RAMP_S,
    SENSITIVITY_DENSITY_MA_PER_CM2,
)
from dermaport.safety.patch_test import PatchTest
from tests.planning._predictions import prediction
from tests.safety.helpers import TODAY, answers


def _plan(product: str = "sap-ampoule", concern: str = "hydration", area: str = "face", **kw: Any) -> Plan:
    raw = kw.pop("raw", answers(area=area))
    chosen = product_named(product)
    if kw.pop("unbuffered", False):
        chosen = dataclasses.replace(chosen, buffer=None)
    return make_plan(
        screen(raw, today=TODAY),
        concern=concern,
        area=area,
        product=chosen,
        predictor=kw.pop("predictor", StandInPredictor()),
        **kw,
    )


def test_default_face_plan() -> None:
    plan = _plan()
    data = plan.to_json()
    assert data["electrode"] == "cathode"  # SAP is an anion at pH 7: like charges repel
    assert data["current_density_mA_per_cm2"] == 0.3
    assert data["current_mA"] == 3.0
    assert data["duration_s"] == 360  # ~6 min face and neck (000)
    assert data["charge_dose_mA_min"] == 18.0
    assert "iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s" in data["steps"]
    assert data["steps"][0] == "cleanse for 3 min"
    assert data["predicted"]["vehicle_ph_max"] <= 8
    assert any("patch test pending" in r for r in data["requirements"])
    for key in ("steps", "electrode", "current_density_mA_per_cm2", "current_mA", "duration_s",
                "charge_dose_mA_min", "predicted", "warnings"):  # fmt: skip
        assert key in data


def test_polarity_is_physics_not_the_trade_rule() -> None:
    # 002 says negative ions go under the positive pole; physics puts the anion under the cathode.
    assert _plan("sap-ampoule").electrode == "cathode"
    assert _plan("txa-gel", concern="pigmentation").electrode == "anode"  # TXA is a cation at pH 6.5


def test_the_predictor_gets_the_delivery_step() -> None:
    seen: list[PredictionRequest] = []
    inner = StandInPredictor()

    def spy(request: PredictionRequest) -> Prediction:
        seen.append(request)
        return inner(request)

    _plan(predictor=spy)
    (request,) = seen
    assert request.steps == ("iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s",)
    assert (request.active, request.concentration, request.vehicle_ph) == (
        "sodium_ascorbyl_phosphate",
        "3 %",
        7.0,
    )
    assert request.skin == "human_face"
    assert request.electrode_area_m2 == pytest.approx(10e-4)


def test_sensitive_skin_gets_lowest_intensity_and_less_time() -> None:
    plan = _plan(raw=answers(skin_sensitivity="sensitive"))
    assert plan.density_ma_per_cm2 == 0.1
    assert plan.duration_s == 240
    assert any("sensitive" in w for w in plan.warnings)


def test_body_current_stays_within_4_ma() -> None:
    plan = _plan("caffeine-gel", concern="cellulite", area="body")
    assert plan.current_ma <= MAX_CURRENT_MA
    assert "ultrasound for 10 min" in plan.steps


def test_texture_protocol_adds_desincrustation_and_counts_its_dose() -> None:
    plan = _plan("niacinamide-ampoule", concern="texture_acne")
    assert any(s.startswith("desincrustation 0.1 mA/cm2 for 3 min") for s in plan.steps)
    assert plan.charge_dose_ma_min == pytest.approx(3.0 + plan.current_ma * plan.duration_s / 60)


def test_decollete_has_no_current() -> None:
    plan = _plan("ha-ampoule", area="decollete")
    assert plan.electrode is None
    assert plan.current_ma == 0
    assert "passive for 15 min" in plan.steps


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"pregnant": True}, "screening says stop"),
        ({"last_chemical_peel": "2026-11-20"}, "defer: not before 2026-12-04"),
        ({"diabetes_insulin": True}, "clearance"),
        ({"pacemaker": None}, "ask: answers needed"),
        ({"area": "scalp"}, "screened for the scalp"),
    ],
)
def test_screening_blocks_the_plan(change: dict[str, object], fragment: str) -> None:
    with pytest.raises(SafetyError, match=fragment):
        _plan(raw=answers(**change))


@pytest.mark.parametrize(
    ("product", "fragment"),
    [
        ("expired-ampoule", "expired on 2024-01-31"),
        ("unregistered-ampoule", "not registered as a medical device"),
        ("oil-serum", "oil-based"),
    ],
)
def test_products_refused_as_the_texts_demand(product: str, fragment: str) -> None:
    with pytest.raises(SafetyError, match=fragment):
        _plan(product)


def test_product_without_evidence_warns() -> None:
    assert any("no clinical evidence" in w for w in _plan("no-evidence-ampoule").warnings)


def test_oil_based_cream_before_iontophoresis_is_refused() -> None:
    with pytest.raises(SafetyError, match="oil-based massage cream"):
        _plan(cream="oil-based")


def test_a_default_step_whose_ph_leaves_4_to_8_is_shortened_to_keep_it() -> None:
    # the stand-in drifts pH 7 by 1 per mA·min/cm²: 0.3 mA/cm² for 6 min would reach 8.8
    plan = _plan(predictor=StandInPredictor(ph_drift_per_ma_min_per_cm2=1.0), unbuffered=True)
    # the trapezoid with 30 s ramps: 0.3 mA/cm² × (225 s − 30 s) = 0.975 mA·min/cm²: pH 7.98
    assert plan.duration_s == 225.0
    assert plan.predicted is not None
    assert plan.predicted.vehicle_ph_max <= 8.0
    assert any("shortened from 6 min to 225 s" in w and "ag-agcl" in w for w in plan.warnings)


def test_vehicle_ph_out_of_range_is_refused_with_the_limit_named() -> None:
    # 6 min at 0.3 mA/cm² with 30 s ramps: 1.65 mA·min/cm², pH 7 + 10 × 1.65
    with pytest.raises(SafetyError, match=r"vehicle pH 23\.50 breaks the hard limit 4–8: even the shortest"):
        _plan(predictor=StandInPredictor(ph_drift_per_ma_min_per_cm2=10.0), unbuffered=True)


def test_product_ph_outside_4_to_8_is_refused() -> None:
    raw_screen = screen(answers(), today=TODAY)
    with pytest.raises(SafetyError, match="vehicle pH"):
        make_plan(
            raw_screen,
            concern="hydration",
            area="face",
            product=adhoc_product("sodium_ascorbyl_phosphate", "3 %", 9.0),
            predictor=StandInPredictor(),
        )


def test_unsuitable_active_is_refused() -> None:
    with pytest.raises(SafetyError, match="cannot be delivered"):
        make_plan(
            screen(answers(), today=TODAY),
            concern="hydration",
            area="face",
            product=adhoc_product("hyaluronic_acid_1mda", "1 %", 6.5),
            predictor=StandInPredictor(),
        )


def test_unknown_concern_is_bad_input() -> None:
    with pytest.raises(InputError, match="unknown concern 'tanning'"):
        _plan(concern="tanning")


def test_negative_patch_test_24_h_old_clears_the_requirement() -> None:
    at = dt.datetime(2026, 11, 21, 10)
    record = PatchTest("sap-ampoule", at - dt.timedelta(hours=24), "negative")
    assert _plan(patch_tests=[record], session_at=at).requirements == ()
    assert _plan(patch_tests=[record], session_at=at - dt.timedelta(hours=1)).requirements


def test_the_engine_missing_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from dermaport.planning.predictor import engine_predictor

    monkeypatch.setitem(sys.modules, "dermaport.physics", None)
    with pytest.raises(SafetyError, match="the transport engine is not installed"):
        _plan(predictor=engine_predictor())


# Property tests -------------------------------------------------------------------------

USABLE = [
    p.name for p in CATALOGUE if p.registered and p.vehicle == "water" and p.expiry and p.expiry > TODAY
]
CASES = [(c, a) for p in PROTOCOLS for c in p.concerns for a in p.areas]
STOPS = ["pacemaker", "pregnant", "epilepsy", "heart_disease", "broken_skin", "steroids", "urticaria"]


PLANS_MADE: list[str] = []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CASES),
    product=st.sampled_from(USABLE),
    sensitivity=st.sampled_from(["normal", "sensitive", "very_sensitive"]),
    target=st.none() | st.floats(0.01, 500),
    layer=st.sampled_from(["viable_epidermis", "dermis", "total"]),
    ug=st.floats(0.1, 500),
    drift=st.floats(0, 3),
    material=st.sampled_from(["inert", "buffered"]),
)
def check_no_plan_exceeds_a_hard_limit(
    case: tuple[str, str],
    product: str,
    sensitivity: str,
    target: float | None,
    layer: str,
    ug: float,
    drift: float,
    material: str,
) -> None:
    concern, area = case
    predictor = StandInPredictor(ug_per_ma_min_per_cm2=ug, ph_drift_per_ma_min_per_cm2=drift)
    try:
        plan = _plan(
            product,
            concern=concern,
            area=area,
            raw=answers(area=area, skin_sensitivity=sensitivity),
            predictor=predictor,
            target=parse_target(f"{target} ug/cm2 {layer}") if target else None,
            electrode_material=material,
        )
    except SafetyError:
        return
    PLANS_MADE.append(product)
    assert plan.density_ma_per_cm2 <= SENSITIVITY_DENSITY_MA_PER_CM2[sensitivity]
    assert plan.current_ma <= MAX_CURRENT_MA + 1e-9
    assert plan.charge_dose_ma_min <= MAX_CHARGE_DOSE_MA_MIN + 1e-9
    assert plan.duration_s <= MAX_CURRENT_STEP_S
    assert plan.predicted is not None
    assert 4 <= plan.predicted.vehicle_ph_min <= plan.predicted.vehicle_ph_max <= 8
    for text in plan.steps:
        step = parse_step(text) if text.split()[0] in ("iontophoresis", "desincrustation") else None
        if step is not None:
            assert dataclasses.asdict(step)["ramp"]["si"] >= MIN_RAMP_S
            assert str(step) == text
    if target:
        assert plan.target_delivered_ug_per_cm2 is not None
        assert plan.target_delivered_ug_per_cm2 >= target
    if plan.electrode is not None:  # its plan file runs, held to the plan's own ceilings
        session = plan_from_json(json.loads(json.dumps(with_digest(plan.to_json()))), source="plan.json")
        assert session.steps == plan.steps


def test_no_plan_ever_exceeds_a_hard_limit() -> None:
    PLANS_MADE.clear()
    check_no_plan_exceeds_a_hard_limit()
    # Refusals end an example early: the property must still have been checked on real plans.
    assert len(PLANS_MADE) >= 10, f"only {len(PLANS_MADE)} of the examples made a plan"


@settings(max_examples=30, deadline=None)
@given(stop=st.sampled_from(STOPS), case=st.sampled_from(CASES), product=st.sampled_from(USABLE))
def test_any_stop_answer_yields_no_plan(stop: str, case: tuple[str, str], product: str) -> None:
    concern, area = case
    with pytest.raises(SafetyError, match="stop"):
        _plan(product, concern=concern, area=area, raw=answers(area=area, **{stop: True}))


numbers = st.floats(allow_nan=True, allow_infinity=True) | st.floats(0, 14)


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(CASES),
    ph_min=numbers,
    ph_max=numbers,
    amount=numbers,
    target=st.none() | st.floats(0.01, 100),
)
@example(case=("hydration", "face"), ph_min=5.0, ph_max=6.5, amount=10.0, target=None)
@example(case=("hydration", "face"), ph_min=5.0, ph_max=6.5, amount=10.0, target=2.0)
def check_whatever_the_engine_answers_no_plan_breaks_a_limit(
    case: tuple[str, str], ph_min: float, ph_max: float, amount: float, target: float | None
) -> None:
    def wild(request: PredictionRequest) -> Prediction:
        return prediction(amount, ph_min=ph_min, ph_max=ph_max)

    concern, area = case
    try:
        plan = _plan(
            "ha-ampoule" if area != "body" else "caffeine-gel",
            concern=concern,
            area=area,
            raw=answers(area=area),
            predictor=wild,
            target=parse_target(f"{target} ug/cm2 viable_epidermis") if target else None,
        )
    except SafetyError:
        return
    PLANS_MADE.append("wild")
    assert ph_min >= 4
    assert ph_max <= 8
    assert plan.current_ma <= MAX_CURRENT_MA + 1e-9
    assert plan.charge_dose_ma_min <= MAX_CHARGE_DOSE_MA_MIN + 1e-9
    if target:
        assert amount >= target


def test_whatever_the_engine_answers_no_plan_breaks_a_limit() -> None:
    PLANS_MADE.clear()
    check_whatever_the_engine_answers_no_plan_breaks_a_limit()
    assert PLANS_MADE, "no example made a plan: the property was never checked"


def test_a_neutral_active_tries_both_electrodes_and_says_which_won() -> None:
    def cathode_better(request: PredictionRequest) -> Prediction:
        return prediction(10.0 if " cathode " in request.steps[0] else 1.0, ph_min=6.0, ph_max=6.0)

    plan = _plan(
        "niacinamide-ampoule", predictor=cathode_better, target=parse_target("5 ug/cm2 viable_epidermis")
    )
    assert plan.electrode == "cathode"
    assert "both electrodes were tried" in plan.polarity_reason


# Advice that matches the run ----------------------------------------------------------


def test_the_ph_remedy_names_options_plan_takes_and_not_the_one_in_use() -> None:
    drifting = StandInPredictor(ph_drift_per_ma_min_per_cm2=10.0)
    with pytest.raises(SafetyError) as inert:
        _plan(predictor=drifting, unbuffered=True)
    assert "--electrode-material ag-agcl" in str(inert.value)
    assert "--buffer 'phosphate 50 mM'" in str(inert.value)  # pKa 7.21 just above pH 7: the cathode's side
    with pytest.raises(SafetyError) as agcl:
        _plan(predictor=_always_drifting(), unbuffered=True, electrode_material="ag-agcl")
    assert "ag-agcl" not in str(agcl.value)
    assert "Ag/AgCl" not in str(agcl.value)
    assert "--buffer" in str(agcl.value)
    with pytest.raises(SafetyError) as buffered:
        _plan(predictor=_always_drifting())  # the sap ampoule has its phosphate 50 mM
    assert "a stronger buffer than phosphate 50 mM (--buffer 'phosphate 100 mM')" in str(buffered.value)


def _always_drifting() -> Any:
    def predict(request: PredictionRequest) -> Prediction:
        return prediction(1.0, ph_min=7.0, ph_max=9.0)

    return predict


def test_a_buffer_given_for_the_plan_reaches_the_engine_and_the_plan_file() -> None:
    seen: list[PredictionRequest] = []
    inner = StandInPredictor()

    def spy(request: PredictionRequest) -> Prediction:
        seen.append(request)
        return inner(request)

    plan = _plan("txa-gel", concern="pigmentation", predictor=spy, buffer="citrate 25 mM")
    assert {r.buffer for r in seen} == {"citrate 25 mM"}
    assert plan.to_json()["product"]["buffer"] == "citrate 25 mM"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("citrate", "is not 'BUFFER CONCENTRATION'"),
        ("lemonade 10 mM", "buffer 'lemonade' is not in the library"),
        ("panthenol 10 mM", "no acid-base groups"),
        ("citrate 3 %", "must be molar"),
        ("citrate 5 M", "at most 1 M"),
    ],
)
def test_a_bad_buffer_is_bad_input(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        _plan(buffer=text)


def test_a_concern_the_active_does_not_serve_is_said() -> None:
    plan = _plan("sap-ampoule", concern="hydration")  # SAP serves pigmentation, texture, wrinkles
    assert not plan.concern_served
    note = next(w for w in plan.warnings if "does not serve hydration" in w)
    assert "hyaluronic_acid_5kda" in note
    assert "actives list --concern hydration" in note
    served = _plan("ha-ampoule", concern="hydration")
    assert served.concern_served
    assert not any("does not serve" in w for w in served.warnings)
    assert served.to_json()["concern_served"] is True


def test_the_plan_counts_the_trapezoid_it_will_deliver() -> None:
    plan = _plan("niacinamide-ampoule", concern="texture_acne")
    # desincrustation 0.1 mA/cm² × 10 cm² for 3 min, delivery at the plan's current, 30 s ramps each
    expected = 1.0 * (180 - 30) / 60 + plan.current_ma * (plan.duration_s - 30) / 60
    assert plan.expected_dose_ma_min == pytest.approx(expected)
    assert plan.to_json()["expected_dose_mA_min"] == pytest.approx(expected, abs=1e-6)
