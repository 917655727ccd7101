"""The session runner on the simulated device: a whole session, the fault matrix, operator actions."""

from __future__ import annotations

import itertools

import pytest

from dermaport.device import FAULT_KINDS, Fault
from dermaport.device.runner import DELIVERING
from dermaport.errors import SafetyError
from dermaport.safety.limits import LimitError
from tests.device._sim import PERIOD_S, STEP, Session, flowing_outside_delivery, run_session

REPLY_TIMEOUT_S = 0.02  # the simulated link's reply timeout (SimulatedDevice default)

#: The word the reason must hold for each fault kind.
NAMED = {
    "contact-loss": "contact lost",
    "intermittent-contact": "contact lost",
    "impedance-rise": "impedance rose",
    "compliance": "compliance",
    "comm-loss": "communication lost",
    "device-reset": "device reset",
    "regulation": "regulation",
}
#: When to inject the fault for each phase; the pause is pressed at 40 s and has ramped down by 70 s.
PHASES = {"ramp_up": 10.0, "deliver": 60.0, "paused": 80.0}


def test_a_complete_session_delivers_the_planned_dose_within_one_percent() -> None:
    session = run_session(["iontophoresis anode 0.2 mA/cm2 for 10 min ramp 30 s"])
    result = session.result
    assert result.status == "complete"
    assert result.planned_dose_mA_min == pytest.approx(19.0)  # 2 mA × (10 min − 0.5 min of ramps)
    assert result.charge_dose_mA_min == pytest.approx(19.0, rel=0.01)
    device_count = session.device.read().charge_mA_min  # the device's own count of what flowed
    assert device_count == pytest.approx(19.0, rel=0.01)
    assert not session.device.output_is_on()
    assert next(n for n, _ in session.documents) == "start"
    assert session.named("stop") == [
        {
            "status": "complete",
            "reason": "plan delivered: the dose was reached",
            "time_s": pytest.approx(result.timeline[-1]["time_s"]),
            "charge_dose_mA_min": result.charge_dose_mA_min,
            "planned_dose_mA_min": result.planned_dose_mA_min,
            "fault_at_s": None,
            "output_off_at_s": pytest.approx(result.timeline[-1]["time_s"]),
        }
    ]
    states = [s for _, s in result.states]
    assert states == ["idle", "contact_check", "ramp_up", "deliver", "ramp_down", "complete"]


def test_two_steps_each_checked_and_delivered_with_the_practitioners_steps_skipped() -> None:
    session = run_session(
        ["cleanse for 2 min", "desincrustation 1 mA for 2 min", "iontophoresis cathode 1.5 mA for 2 min"],
        actions=[(150.0, "confirm")],
    )
    result = session.result
    assert result.status == "complete"
    assert result.charge_dose_mA_min == pytest.approx(1.5 + 2.25, rel=0.01)
    skipped = [e["detail"]["step"] for e in result.events if e["kind"] == "step_skipped"]
    assert skipped == ["cleanse for 2 min"]
    assert [e["detail"]["impedance_ohm"] for e in result.events if e["kind"] == "contact"] == [1000.0, 1000.0]


def test_the_ramps_never_change_the_current_faster_than_the_plan_allows() -> None:
    session = run_session()
    sets = [r["set_current_mA"] for r in session.result.timeline]
    steepest = max(abs(b - a) for a, b in itertools.pairwise(sets)) / PERIOD_S
    assert steepest <= 2.0 / 30.0 + 1e-9  # 2 mA over the 30 s ramp


def _cell(kind: str, phase: str) -> Session:
    actions = [(40.0, "pause")] if phase == "paused" else []
    return run_session(faults=[Fault(kind, PHASES[phase])], actions=actions)


@pytest.mark.parametrize("phase", list(PHASES))
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_fault_matrix(kind: str, phase: str) -> None:
    t_fault = PHASES[phase]
    session = _cell(kind, phase)
    result = session.result
    assert session.state_at(t_fault - 1e-3) == phase
    assert result.status == "failed"
    assert NAMED[kind] in result.reason
    # the runner saw it at the first reading after the fault (the lost link: one reply timeout later)
    assert result.fault_at_s is not None
    assert t_fault <= result.fault_at_s <= t_fault + PERIOD_S + REPLY_TIMEOUT_S + 1e-9
    # the device's truth: no current later than one period after the fault became observable
    session.clock.advance(1.0)  # let the device's own watchdog act, where the link was lost
    assert not session.device.output_is_on()
    readings = session.named("reading")
    observable = readings[-1]["time_s"] + PERIOD_S if kind == "comm-loss" else t_fault
    late = [(t, i) for t, i in session.device.history if t > observable + PERIOD_S + 1e-9 and i > 0]
    assert not late
    assert not session.device.output_is_on()
    assert result.output_off_at_s is not None
    assert result.output_off_at_s <= observable + PERIOD_S + 1e-9
    # every reading up to the fault reached the subscribers, one each period, none missing
    assert readings == result.timeline
    times = [r["time_s"] for r in readings]
    assert all(b - a == pytest.approx(PERIOD_S) for a, b in itertools.pairwise(times))
    assert times[0] == pytest.approx(PERIOD_S)
    assert times[-1] >= (t_fault - PERIOD_S if kind == "comm-loss" else t_fault) - 1e-9
    assert session.named("stop")[0]["status"] == "failed"
    assert session.documents[-1][0] == "stop"


def test_a_regulation_fault_is_caught_by_the_runners_own_check_without_the_devices_flags() -> None:
    session = run_session(faults=[Fault("regulation", 60.0)], report_flags=False)
    assert session.result.status == "failed"
    assert "regulation: measured" in session.result.reason  # the runner's own deviation check


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("contact-loss", "contact lost"),
        ("intermittent-contact", "contact lost"),
        ("impedance-rise", "impedance rose"),
        ("compliance", "compliance"),
        ("device-reset", "device reset"),
        ("regulation", "regulation: measured"),
    ],
)
def test_the_runners_own_checks_catch_each_fault_without_the_devices_flags(kind: str, named: str) -> None:
    session = run_session(faults=[Fault(kind, 60.0)], report_flags=False)
    assert session.result.status == "failed"
    assert named in session.result.reason
    assert session.result.fault_at_s is not None
    assert session.result.fault_at_s <= 60.0 + PERIOD_S + 1e-9


def test_pause_ramps_down_holds_with_no_current_and_resume_checks_contact_again() -> None:
    session = run_session(actions=[(60.0, "pause"), (120.0, "resume")])
    result = session.result
    assert result.status == "complete"
    assert result.charge_dose_mA_min == pytest.approx(2.0 * 2.5, rel=0.01)
    states = [s for _, s in result.states]
    assert states[:8] == [
        "idle",
        "contact_check",
        "ramp_up",
        "deliver",
        "ramp_down",
        "paused",
        "contact_check",
        "ramp_up",
    ]
    assert len([e for e in result.events if e["kind"] == "contact"]) == 2
    assert not flowing_outside_delivery(session)
    paused = [r for r in result.timeline if r["state"] == "paused"]
    assert paused
    assert all(r["current_mA"] == 0 for r in paused)


def test_pauses_near_the_end_of_a_short_step_do_not_trip_the_time_guard() -> None:
    actions = [(40.0, "pause"), (80.0, "resume"), (100.0, "pause"), (120.0, "resume")]
    session = run_session(["iontophoresis anode 2 mA for 80 s ramp 30 s"], actions=actions)
    assert session.result.status == "complete", session.result.reason
    assert session.result.charge_dose_mA_min == pytest.approx(2.0 * 50 / 60, rel=0.01)


def test_a_step_that_cannot_reach_its_dose_in_time_fails() -> None:
    # a current 40 % short of a 0.2 mA set-point stays within the 0.1 mA tolerance: only the
    # step's time guard can catch that the dose will not come
    session = run_session(
        ["iontophoresis anode 0.2 mA for 3 min ramp 30 s"],
        faults=[Fault("regulation", 60.0)],
        report_flags=False,
        tolerance_mA=0.1,
    )
    assert session.result.status == "failed"
    assert "more than the" in session.result.reason
    assert "s the step may take" in session.result.reason


def test_operator_stop_ramps_down_and_ends_stopped() -> None:
    session = run_session(actions=[(60.0, "stop")])
    result = session.result
    assert result.status == "stopped"
    assert "operator" in result.reason
    assert [s for _, s in result.states][-2:] == ["ramp_down", "stopped"]
    assert result.output_off_at_s == pytest.approx(60.0 + 30.0, abs=2 * PERIOD_S)
    assert not session.device.output_is_on()


def test_stop_while_paused_ends_at_once() -> None:
    session = run_session(actions=[(40.0, "pause"), (80.0, "stop")])
    assert session.result.status == "stopped"
    assert session.result.timeline[-1]["time_s"] == pytest.approx(80.0, abs=PERIOD_S)


def test_a_plan_over_a_hard_limit_is_refused_before_any_current() -> None:
    with pytest.raises(LimitError, match="current 5 mA breaks the hard limit 4 mA"):
        run_session(["iontophoresis anode 5 mA for 10 min"])
    with pytest.raises(LimitError, match=r"current density 0\.6 mA/cm² breaks the hard limit 0\.5"):
        run_session(["iontophoresis anode 0.6 mA/cm2 for 10 min"])
    with pytest.raises(LimitError, match="ramp 10 s breaks the hard limit at least 30 s"):
        run_session(["iontophoresis anode 2 mA for 10 min ramp 10 s"])
    with pytest.raises(LimitError, match="charge dose"):
        run_session(["iontophoresis anode 4 mA for 15 min", "iontophoresis anode 4 mA for 10 min"])


def test_a_device_weaker_than_the_plan_is_refused_before_the_start_document() -> None:
    with pytest.raises(SafetyError, match=r"above the device's maximum 1 mA"):
        run_session(max_current_mA=1.0)
    with pytest.raises(SafetyError, match="watchdog"):
        run_session(watchdog_s=0.06)


def test_a_load_the_compliance_cannot_drive_is_refused_at_the_contact_check() -> None:
    session = run_session(["iontophoresis anode 4 mA for 2 min"], area_cm2=9.0, compliance_V=4.0)
    assert session.result.status == "failed"
    assert session.result.reason.startswith("compliance:")
    assert session.device.switches == []  # the output never went on


def test_a_subscriber_that_fails_stops_the_session() -> None:
    def broken(name: str, document: object) -> None:
        if name == "reading":
            raise OSError("disk full")

    from dermaport.device import FakeClock, SessionRunner, SimulatedDevice, plan_from_steps
    from dermaport.device.electrical import skin_load

    clock = FakeClock()
    device = SimulatedDevice(skin_load(10), clock=clock)
    runner = SessionRunner(
        device, plan_from_steps([STEP], electrode_area_cm2=10), clock=clock, subscribers=[broken]
    )
    result = runner.run()
    assert result.status == "failed"
    assert "recording failed" in result.reason
    assert not device.output_is_on()


def test_current_flows_only_in_delivering_states_in_a_whole_session() -> None:
    session = run_session()
    assert not flowing_outside_delivery(session)
    assert {r["state"] for r in session.result.timeline if r["current_mA"] > 0} <= set(DELIVERING)


def test_a_pause_left_too_long_ends_stopped_never_resumed() -> None:
    session = run_session(actions=[(40.0, "pause")], max_pause_s=20.0)
    result = session.result
    assert result.status == "stopped"
    assert "without a resume" in result.reason
    assert [s for _, s in result.states][-2:] == ["paused", "stopped"]


def test_the_longest_pause_cannot_be_raised() -> None:
    with pytest.raises(SafetyError, match="at most 600 s"):
        run_session(max_pause_s=3600.0)
