"""Plans on the real transport engine: every example product, the README's examples, a target
that more current misses.

The engine's figures will move as its physics is refined, so these tests check behaviour, not
figures: a plan is made on default settings (or, refused, the remedy it names is one ``plan``
takes and it works), its predicted figures are finite and the vehicle pH stays within 4–8, the
charge the engine predicts is the trapezoid the plan file will deliver, a re-simulation of the
planned step gives the same prediction, and a target that is met is met again on
re-simulation.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from dermaport.errors import SafetyError
from dermaport.library import load_actives
from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.predictor import Prediction, PredictionRequest, engine_predictor
from dermaport.planning.products import CATALOGUE, Product, product_named
from dermaport.planning.settings import AREA_SETTINGS, skin_for_area
from dermaport.planning.target import parse_target
from dermaport.protocol.library import PROTOCOLS
from dermaport.safety import screen
from tests._cli import run
from tests.safety.helpers import TODAY, answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
USABLE = [p for p in CATALOGUE if p.registered and p.vehicle == "water" and p.expiry and p.expiry > TODAY]


def served_case(product: Product) -> tuple[str, str]:
    """The first concern the product's active serves with a current protocol, and its first area."""
    concerns = [c.value for c in load_actives().get(product.active).entry.concerns]
    for concern in concerns:
        for protocol in PROTOCOLS:
            if protocol.delivery == "iontophoresis" and concern in protocol.concerns:
                return concern, protocol.areas[0]
    raise AssertionError(f"{product.name}: no current protocol serves {concerns}")


def plan_on_engine(product: Product, concern: str, area: str, **kw: object) -> Plan:
    return make_plan(
        screen(answers(area=area), today=TODAY),
        concern=concern,
        area=area,
        product=product,
        predictor=engine_predictor(),
        **kw,  # type: ignore[arg-type]
    )


def resimulate(plan: Plan) -> Prediction:
    """The engine's prediction for the plan's delivery step, asked afresh."""
    delivery = next(s for s in plan.steps if s.startswith("iontophoresis"))
    return engine_predictor()(
        PredictionRequest(
            active=plan.product.active,
            concentration=plan.product.concentration,
            steps=(delivery,),
            vehicle_ph=plan.product.ph,
            skin=skin_for_area(plan.area),
            electrode=plan.electrode_material,
            electrode_area_m2=AREA_SETTINGS[plan.area].electrode_area_cm2 * 1e-4,
            buffer=plan.product.buffer,
        )
    )


def check_figures(plan: Plan) -> None:
    predicted = plan.predicted
    assert predicted is not None
    assert predicted.model.startswith("Nernst–Planck")
    amounts = [amount for _, amount in predicted.layers]
    assert all(math.isfinite(a) and a > -1e-9 for a in amounts)
    assert predicted.total_ug_per_cm2 > 0
    assert predicted.total_ug_per_cm2 == pytest.approx(sum(amounts), rel=1e-6, abs=1e-9)
    assert 4.0 <= predicted.vehicle_ph_min <= predicted.vehicle_ph_max <= 8.0
    # the engine reads the step through the same waveform as the plan file and the device
    delivery_dose = plan.expected_dose_ma_min - sum(
        1.0 * (180 - 30) / 60 for s in plan.steps if s.startswith("desincrustation")
    )
    assert predicted.charge_dose_ma_min == pytest.approx(delivery_dose, rel=1e-6)


def remedies(message: str) -> list[dict[str, object]]:
    """The options a refusal names, as make_plan arguments (buffers first: they are cheaper)."""
    found: list[dict[str, object]] = [{"buffer": b} for b in re.findall(r"--buffer '([^']+)'", message)]
    if "--electrode-material ag-agcl" in message:
        found.append({"electrode_material": "ag-agcl"})
    return found


@pytest.mark.parametrize("product", USABLE, ids=lambda p: p.name)
def test_every_example_product_plans_on_default_settings(product: Product) -> None:
    concern, area = served_case(product)
    try:
        plan = plan_on_engine(product, concern, area)
    except SafetyError as refusal:
        # refused only with a remedy plan can apply, and applying it plans
        options = remedies(str(refusal))
        if not options:
            raise AssertionError(f"{product.name} refused without a remedy: {refusal}") from refusal
        for option in options:
            try:
                plan = plan_on_engine(product, concern, area, **option)
                break
            except SafetyError:
                continue
        else:
            raise AssertionError(f"{product.name}: no remedy named in '{refusal}' plans") from refusal
    check_figures(plan)
    assert plan.concern_served


def test_the_readme_plan_example(capsys: pytest.CaptureFixture[str]) -> None:
    """As README.md writes it, on today's date: ha-ampoule for hydration on the face."""
    argv = ["plan", "--answers", str(EXAMPLES / "client.yaml"), "--concern", "hydration", "--area", "face"]
    code, out, err = run(capsys, *argv, "--product", "ha-ampoule")
    assert code == 0, err
    assert "Predicted delivery" in out
    assert "viable epidermis" in out
    assert "Vehicle pH:" in out
    assert "does not serve" not in out
    code, out, err = run(capsys, *argv, "--product", "ha-ampoule", "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("steps", "electrode", "current_density_mA_per_cm2", "current_mA", "duration_s",
                "charge_dose_mA_min", "predicted", "warnings"):  # fmt: skip
        assert key in data
    # the predicted object keeps the simulate --json keys
    assert {"delivered_ug_per_cm2", "vehicle_ph_min", "vehicle_ph_max", "timeline", "profile"} <= set(
        data["predicted"]
    )
    delivery = next(s for s in data["steps"] if s.startswith("iontophoresis"))
    again = engine_predictor()(
        PredictionRequest(
            active=data["product"]["active"],
            concentration=data["product"]["concentration"],
            steps=(delivery,),
            vehicle_ph=data["product"]["ph"],
            skin="human_face",
            electrode=data["electrode_material"],
            electrode_area_m2=data["electrode_area_cm2"] * 1e-4,
            buffer=data["product"]["buffer"],
        )
    )
    assert again.to_json()["delivered_ug_per_cm2"] == pytest.approx(data["predicted"]["delivered_ug_per_cm2"])
    assert again.vehicle_ph_max == pytest.approx(data["predicted"]["vehicle_ph_max"])


def test_the_readme_target_example(capsys: pytest.CaptureFixture[str]) -> None:
    """SAP 3 % at pH 7 with a phosphate buffer, 20 µg/cm² into the viable epidermis, as README.md has it."""
    argv = [
        "plan", "--answers", str(EXAMPLES / "client.yaml"), "--concern", "pigmentation", "--area", "face",
        "--active", "SAP", "--concentration", "3 %", "--ph", "7", "--buffer", "phosphate 50 mM",
        "--target", "20 ug/cm2 viable_epidermis", "--json",
    ]  # fmt: skip
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    data = json.loads(out)
    assert data["target"]["predicted_ug_per_cm2"] >= 20
    assert 4 <= data["predicted"]["vehicle_ph_min"] <= data["predicted"]["vehicle_ph_max"] <= 8
    assert data["product"]["buffer"] == "phosphate 50 mM"


def test_the_readme_active_file_example(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--answers", str(EXAMPLES / "client.yaml"), "--concern", "pigmentation", "--area", "face"]
    code, out, err = run(
        capsys, *argv, "--active", str(EXAMPLES / "my_active.toml"), "--concentration", "4 %", "--ph", "6"
    )
    assert code == 0, err
    assert "my_niacinamide 4 %" in out
    assert "Vehicle pH:" in out


def test_a_target_that_more_current_misses_is_found_on_the_engine() -> None:
    """The issue's niacinamide case: 4 % at pH 6 under the anode, 0.1 mA/cm² against 0.4.

    The target is what 0.1 mA/cm² for 20 min delivers (less 1 %), whatever the engine's figures
    are now; the search must find a plan at 0.1 mA/cm² or gentler that meets it on
    re-simulation. Where the engine delivers less at 0.4 than at 0.1 (it does today: the
    bisection the search used to run refused this target), that is checked too.
    """
    product = product_named("niacinamide-ampoule")
    inner = engine_predictor()
    seen: dict[PredictionRequest, Prediction] = {}

    def engine(request: PredictionRequest) -> Prediction:  # the search asks for 0.1 at 20 min again
        if request not in seen:
            seen[request] = inner(request)
        return seen[request]

    def at(density: float) -> float:
        request = PredictionRequest(
            active="niacinamide",
            concentration="4 %",
            steps=(f"iontophoresis anode {density:g} mA/cm2 for 20 min ramp 30 s",),
            vehicle_ph=6.0,
            skin="human_face",
            electrode_area_m2=10e-4,
        )
        return engine(request).reached("viable_epidermis")

    low = at(0.1)
    target = parse_target(f"{0.99 * low:.6g} ug/cm2 viable_epidermis")
    plan = make_plan(
        screen(answers(area="face"), today=TODAY),
        concern="pigmentation",
        area="face",
        product=product,
        predictor=engine,
        target=target,
    )
    assert plan.density_ma_per_cm2 <= 0.1
    assert plan.target_delivered_ug_per_cm2 is not None
    assert plan.target_delivered_ug_per_cm2 >= target.amount_ug_per_cm2
    assert resimulate(plan).reached("viable_epidermis") >= target.amount_ug_per_cm2
    check_figures(plan)
    if at(0.4) < target.amount_ug_per_cm2:
        assert plan.electrode == "anode"
