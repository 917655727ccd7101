"""Between steps: a change of polarity or solution holds, output off, until the operator confirms."""

from __future__ import annotations

import pytest

from dermaport.device.session_plan import DESINCRUSTATION_SOLUTION, plan_from_steps
from tests.device._sim import Session, run_session

DESINC = "desincrustation 1 mA for 2 min"
ION = "iontophoresis anode 1.5 mA for 2 min"


def _hold_interval(session: Session) -> tuple[float, float]:
    states = session.result.states
    start = next(t for t, s in states if s == "hold")
    end = next(t for t, s in states if t > start and s != "hold")
    return start, end


def test_desincrustation_then_iontophoresis_holds_until_confirmed_with_no_current() -> None:
    session = run_session([DESINC, ION], actions=[(150.0, "resume"), (160.0, "pause"), (200.0, "confirm")])
    result = session.result
    assert result.status == "complete", result.reason
    states = [s for _, s in result.states]
    assert states == [
        "idle",
        "contact_check",
        "ramp_up",
        "deliver",
        "ramp_down",
        "hold",
        "contact_check",
        "ramp_up",
        "deliver",
        "ramp_down",
        "complete",
    ]
    (hold,) = [e for e in result.events if e["kind"] == "hold"]
    assert hold["detail"]["instruction"] == "wipe the skin, apply the ampoule"
    assert "polarity cathode → anode" in hold["detail"]["why"]
    assert (hold["detail"]["polarity"], hold["detail"]["kind"]) == ("anode", "iontophoresis")
    # resume and pause do not end a hold; only confirm does, at the first reading after it
    ignored = [e["detail"]["action"] for e in result.events if e["kind"] == "operator_ignored"]
    assert ignored == ["resume", "pause"]
    start, end = _hold_interval(session)
    assert end == pytest.approx(200.0, abs=0.05)
    # the device's truth: no current from the hold's start to the next step's ramp up
    assert not [(t, i) for t, i in session.device.history if start <= t <= end and i > 0]
    held = [r for r in result.timeline if r["state"] == "hold"]
    assert held
    assert all(r["current_mA"] == 0 for r in held)
    assert result.charge_dose_mA_min == pytest.approx(1.5 + 2.25, rel=0.01)


def test_a_hold_never_ends_by_itself() -> None:
    session = run_session([DESINC, ION], max_pause_s=60.0)
    result = session.result
    assert result.status == "stopped"
    assert result.reason == "held longer than 60 s without a confirm"
    assert [s for _, s in result.states][-2:] == ["hold", "stopped"]
    assert result.charge_dose_mA_min == pytest.approx(1.5, rel=0.01)  # the second step never started


def test_stop_during_a_hold_ends_stopped_at_once() -> None:
    session = run_session([DESINC, ION], actions=[(150.0, "stop")])
    assert session.result.status == "stopped"
    assert session.result.timeline[-1]["time_s"] == pytest.approx(150.0, abs=0.05)


def test_same_polarity_and_solution_runs_on_without_a_hold() -> None:
    session = run_session([ION, ION])
    assert session.result.status == "complete"
    assert "hold" not in [s for _, s in session.result.states]


def test_every_current_step_states_its_polarity_and_solution() -> None:
    plan = plan_from_steps([DESINC, ION], electrode_area_cm2=10.0, product="sap-ampoule")
    first, second = plan.segments
    assert (first.kind, first.polarity, first.solution) == (
        "desincrustation",
        "cathode",
        DESINCRUSTATION_SOLUTION,
    )
    assert (second.kind, second.polarity, second.solution) == ("iontophoresis", "anode", "sap-ampoule")
    assert second.needs_hold_after(first)
    session = run_session([DESINC, ION], actions=[(150.0, "confirm")])
    steps = [e["detail"] for e in session.result.events if e["kind"] == "step"]
    assert [(s["polarity"], s["solution"]) for s in steps] == [
        ("cathode", DESINCRUSTATION_SOLUTION),
        ("anode", "the product (ampoule)"),
    ]
    start = session.named("start")[0]
    assert [s["solution"] for s in start["plan"]["segments"]] == [
        DESINCRUSTATION_SOLUTION,
        "the product (ampoule)",
    ]
