"""The runner's safety under what goes wrong around it: subscribers, slow links, odd devices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from dermaport.device import FakeClock, Fault, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device.electrical import skin_load
from dermaport.device.interlocks import MAX_TOLERANCE_MA, Expectation, check_reading
from dermaport.device.protocol import Telemetry
from dermaport.errors import SafetyError
from tests.device._sim import PERIOD_S, STEP, run_session


def _runner(
    device: SimulatedDevice, clock: FakeClock, *subscribers: Any, steps: tuple[str, ...] = (STEP,)
) -> SessionRunner:
    plan = plan_from_steps(list(steps), electrode_area_cm2=10.0)
    return SessionRunner(device, plan, clock=clock, period_s=PERIOD_S, subscribers=list(subscribers))


def test_a_subscriber_raising_on_the_fault_finds_the_output_off_and_changes_nothing() -> None:
    """The output goes off before any document about the fault reaches a subscriber."""
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, faults=[Fault("impedance-rise", 60.0)])
    on_when_told: list[bool] = []

    def interrupt_on_fault(name: str, document: Mapping[str, Any]) -> None:
        if name == "event" and document["kind"] == "fault":
            on_when_told.append(device.output_is_on())
            raise KeyboardInterrupt

    result = _runner(device, clock, interrupt_on_fault).run()
    assert on_when_told == [False]
    assert result.status == "failed"
    assert result.reason.startswith("impedance rose")  # the first cause, not the subscriber
    assert not device.output_is_on()


def test_the_reading_that_trips_reaches_subscribers_after_the_output_is_off() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, faults=[Fault("contact-loss", 60.0)])
    seen: list[tuple[float, bool]] = []

    def watch(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading":
            seen.append((document["time_s"], device.output_is_on()))

    result = _runner(device, clock, watch).run()
    assert result.status == "failed"
    last_time, on_when_received = seen[-1]
    assert last_time >= 60.0
    assert not on_when_received


class _SlowLink(SimulatedDevice):
    """A simulated device whose reading takes ``delay_s`` from ``after_s`` on."""

    def __init__(self, *args: Any, after_s: float, delay_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock_ref: FakeClock = kwargs["clock"]
        self._after, self._delay = after_s, delay_s

    def read(self) -> Telemetry:
        if self._clock_ref.now() >= self._after:
            self._clock_ref.advance(self._delay)
        return super().read()


def test_a_reading_more_than_two_periods_late_is_a_lost_link() -> None:
    clock = FakeClock()
    device = _SlowLink(skin_load(10.0), clock=clock, after_s=60.0, delay_s=3 * PERIOD_S)
    result = _runner(device, clock).run()
    assert result.status == "failed"
    assert result.reason.startswith("communication lost: the reading took")
    assert not device.output_is_on()


def test_a_device_that_cannot_be_identified_fails_without_current() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, faults=[Fault("comm-loss", 0.0)])
    result = _runner(device, clock).run()
    assert result.status == "failed"
    assert result.reason.startswith("communication lost")
    assert result.timeline == []
    assert not device.output_is_on()


def test_a_device_stating_a_wide_tolerance_is_refused() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, tolerance_mA=10 * MAX_TOLERANCE_MA)
    with pytest.raises(SafetyError, match="tolerance"):
        _runner(device, clock).run()
    assert not device.output_is_on()


def test_current_above_the_steps_peak_trips_whatever_the_set_point() -> None:
    reading = Telemetry(
        time_s=1.0, current_mA=2.3, voltage_V=2.3, impedance_ohm=1000.0, charge_mA_min=0.0, output="on"
    )
    expect = Expectation(
        delivering=True,
        set_mA=2.3,
        peak_mA=2.0,
        baseline_ohm=1000.0,
        step_dose=0.0,
        step_planned=5.0,
        device_charge=None,
        session_dose=0.0,
    )
    device = SimulatedDevice(skin_load(10.0), clock=FakeClock())
    reason = check_reading(reading, expect, identity=device.identify())
    assert reason is not None
    assert reason.startswith("current: 2.3 mA is above the step's 2 mA")


def test_a_pause_asked_during_a_steps_last_ramp_down_holds_before_the_next_step() -> None:
    step = "iontophoresis anode 2 mA for 1 min ramp 30 s"  # ramps up 30 s, then straight down
    session = run_session([step, step], actions=[(45.0, "pause"), (120.0, "resume")])
    result = session.result
    assert result.status == "complete"
    states = [s for _, s in result.states]
    first_down = states.index("ramp_down")
    assert states[first_down + 1] == "paused"
    assert states[first_down + 2] == "contact_check"
    paused = [r for r in result.timeline if r["state"] == "paused"]
    assert paused
    assert all(r["current_mA"] == pytest.approx(0.0, abs=0.02) for r in paused)
    assert result.charge_dose_mA_min == pytest.approx(2.0, rel=0.01)


def test_no_trip_resumes_even_when_resume_is_pressed_on_the_fault() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, faults=[Fault("contact-loss", 60.0)])
    runner: SessionRunner

    def press_resume(name: str, document: Mapping[str, Any]) -> None:
        if name == "event" and document["kind"] == "fault":
            runner.resume()

    runner = _runner(device, clock, press_resume)
    result = runner.run()
    assert result.status == "failed"
    clock.advance(5.0)
    assert not device.output_is_on()
    assert [s for _, s in result.states][-1] == "failed"


def test_a_link_lost_while_switching_off_is_reported_as_unconfirmed() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, faults=[Fault("comm-loss", 60.0)])
    result = _runner(device, clock).run()
    assert result.status == "failed"
    off = [e for e in result.events if e["kind"] == "output_off"]
    assert off
    assert off[-1]["detail"]["confirmed"] is False
