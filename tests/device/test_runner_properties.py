"""Property tests: over random plans, fault schedules and operator actions, current stays within bounds.

The device's own record of the current that really flowed (``SimulatedDevice.history``) is
checked against the runner's states: never above the plan's peak by more than the device's
tolerance, and never outside ramp-up, delivery and ramp-down, except after a lost link, for
no longer than the device's watchdog lets it (the host cannot reach the device then).

A lost link can come at any time, before the device is identified (no current, no documents)
or after it (the device's watchdog ends the current); the oracle tells them by the device's
identity in the result, not by the readings (a link lost before the first reading has none).
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dermaport.device import FAULT_KINDS, Fault
from tests.device._sim import Session, flowing_outside_delivery, run_session

WATCHDOG_S = 0.1
TOLERANCE_MA = 0.02

steps = st.lists(
    st.builds(
        lambda electrode, current, duration, ramp: (
            f"iontophoresis {electrode} {current:.2f} mA for {duration} s ramp {ramp} s"
        ),
        st.sampled_from(["anode", "cathode"]),
        st.floats(min_value=0.1, max_value=4.0),
        st.integers(min_value=70, max_value=110),
        st.integers(min_value=30, max_value=35),
    ),
    min_size=1,
    max_size=2,
)
faults = st.lists(
    st.builds(Fault, st.sampled_from(FAULT_KINDS), st.floats(min_value=0.0, max_value=200.0)),
    max_size=2,
)
actions = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=200.0), st.sampled_from(["pause", "resume", "stop", "confirm"])
    ),
    max_size=3,
)


def _peak(step_texts: list[str]) -> float:
    return max(float(s.split()[2]) for s in step_texts)


def _check(session: Session, step_texts: list[str]) -> None:
    result = session.result
    session.clock.advance(1.0)
    assert not session.device.output_is_on()
    peak = _peak(step_texts)
    assert all(current <= peak + TOLERANCE_MA for _, current in session.device.history)
    assert all(r["current_mA"] <= peak + TOLERANCE_MA for r in result.timeline)
    # and at every reading, within the tolerance of the set-point that held until it
    assert all(r["current_mA"] <= r["set_current_mA"] + TOLERANCE_MA for r in result.timeline)
    outside = flowing_outside_delivery(session)
    if result.identity is None:  # the link was lost before the device was identified
        assert result.reason.startswith("communication lost")
        assert session.device.switches == []
        assert session.documents == []
    elif result.reason.startswith("communication lost"):
        assert result.output_off_at_s is not None
        last_exchange = result.output_off_at_s - WATCHDOG_S
        assert all(last_exchange <= t <= result.output_off_at_s + 1e-9 for t, _, _ in outside)
        assert all(t <= result.output_off_at_s + 1e-9 for t, i in session.device.history if i > 0)
    else:
        assert not outside
    assert result.status in ("complete", "stopped", "failed")
    if result.status == "complete":
        assert (
            abs(result.charge_dose_mA_min - result.planned_dose_mA_min) <= 0.01 * result.planned_dose_mA_min
        )


# a lost link after the device was identified and before the first reading (the case that failed)
@example(
    step_texts=["iontophoresis anode 1.00 mA for 70 s ramp 30 s"],
    schedule=[Fault("comm-loss", 0.01)],
    operator=[],
    seed=0,
).via("a link lost before the first reading")
@example(
    step_texts=["iontophoresis anode 1.00 mA for 70 s ramp 30 s"],
    schedule=[Fault("comm-loss", 0.0)],
    operator=[],
    seed=0,
).via("a link lost before the device is identified")
@example(
    step_texts=[
        "iontophoresis cathode 1.00 mA for 70 s ramp 30 s",
        "iontophoresis anode 1.00 mA for 70 s ramp 30 s",
    ],
    schedule=[],
    operator=[(80.0, "confirm")],
    seed=0,
).via("a hold between polarities, confirmed")
@settings(max_examples=60, deadline=None)
@given(step_texts=steps, schedule=faults, operator=actions, seed=st.integers(0, 1000))
def test_current_stays_within_the_set_point_and_the_delivering_states(
    step_texts: list[str], schedule: list[Fault], operator: list[tuple[float, str]], seed: int
) -> None:
    session = run_session(step_texts, faults=schedule, actions=operator, seed=seed, max_pause_s=30)
    _check(session, step_texts)
