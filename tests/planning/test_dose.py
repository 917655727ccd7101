"""A plan predicts the charge it delivers: the step text, the prediction and the device agree.

The prediction side is the stand-in (fast), whose charge comes from the same waveform the
engine uses (:mod:`dermaport.protocol.waveform`); the delivered side is the plan file run by
the session runner on the simulated device, on the fake clock. The simulated device has a
gain error of its own (up to ±0.25 %) and the runner ramps in telemetry ticks, so the two agree
to a tolerance, not exactly: 0.5 % (the issue's figure).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dermaport.device import FakeClock, SessionRunner, SimulatedDevice
from dermaport.device.electrical import skin_load
from dermaport.device.session_plan import plan_from_json
from dermaport.errors import SafetyError
from dermaport.planning.digest import with_digest
from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.products import CATALOGUE, product_named
from dermaport.planning.standin import StandInPredictor
from dermaport.planning.target import parse_target
from dermaport.protocol.library import PROTOCOLS
from dermaport.protocol.steps import Desincrustation, parse_step
from dermaport.protocol.waveform import current_waveform
from dermaport.safety import screen
from tests.safety.helpers import TODAY, answers

TOLERANCE = 0.005
#: Telemetry period (s) and device watchdog (s): the runner's and the simulator's defaults. The
#: runner ramps tick by tick, which adds up to about period / ramp (0.17 %) to a one-minute step;
#: a coarser period would not fit 0.5 % with the device's gain error beside it.
PERIOD_S, WATCHDOG_S = 0.05, 0.1

USABLE = [
    p.name for p in CATALOGUE if p.registered and p.vehicle == "water" and p.expiry and p.expiry > TODAY
]
CASES = [(c, a) for p in PROTOCOLS if p.delivery == "iontophoresis" for c in p.concerns for a in p.areas]


def delivered_on_the_device(plan: Plan, *, seed: int) -> float:
    """The charge the runner counts when it runs the plan's JSON file, mA·min."""
    session = plan_from_json(json.loads(json.dumps(with_digest(plan.to_json()))), source="plan.json")
    clock = FakeClock()
    device = SimulatedDevice(
        skin_load(plan.electrode_area_cm2), clock=clock, seed=seed, watchdog_s=WATCHDOG_S
    )
    runner = SessionRunner(device, session, clock=clock, period_s=PERIOD_S)

    def confirm_holds(name: str, document: Mapping[str, Any]) -> None:
        """The operator: a change of solution between steps is confirmed at once (no current flows)."""
        if name == "event" and document.get("kind") == "hold":
            runner.confirm()

    runner.subscribe(confirm_holds)
    result = runner.run()
    assert result.status == "complete", result.reason
    return result.charge_dose_mA_min


def predicted(plan: Plan) -> float:
    """The prediction's charge for the delivery step, and the waveform's for desincrustation, mA·min."""
    assert plan.predicted is not None
    other = 0.0
    for text in plan.steps:
        if text.startswith("desincrustation"):
            step = parse_step(text)
            assert isinstance(step, Desincrustation)
            wave = current_waveform(step, electrode_area_m2=plan.electrode_area_cm2 * 1e-4)
            other += wave.dose_mA_min(plan.electrode_area_cm2)
    return plan.predicted.charge_dose_ma_min + other


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CASES),
    product=st.sampled_from(USABLE),
    sensitivity=st.sampled_from(["normal", "sensitive", "very_sensitive"]),
    target=st.none() | st.floats(0.5, 300),
    drift=st.floats(0, 2),
    seed=st.integers(0, 2**16),
)
def test_predicted_dose_is_the_delivered_dose(
    case: tuple[str, str], product: str, sensitivity: str, target: float | None, drift: float, seed: int
) -> None:
    concern, area = case
    kw: dict[str, Any] = {}
    if target is not None:
        kw["target"] = parse_target(f"{target} ug/cm2 viable_epidermis")
    try:
        plan = make_plan(
            screen(answers(area=area, skin_sensitivity=sensitivity), today=TODAY),
            concern=concern,
            area=area,
            product=product_named(product),
            predictor=StandInPredictor(ph_drift_per_ma_min_per_cm2=drift),
            **kw,
        )
    except SafetyError:
        return
    expected = predicted(plan)
    delivered = delivered_on_the_device(plan, seed=seed)
    assert abs(delivered - expected) <= TOLERANCE * expected, (plan.steps, delivered, expected)
    assert abs(delivered - plan.expected_dose_ma_min) <= TOLERANCE * plan.expected_dose_ma_min
