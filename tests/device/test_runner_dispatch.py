"""Nothing can stall the safety loop: subscribers on their own threads, bounded queues, the host watchdog.

Stalls are made in fake time where they can be (a subscriber that moves the fake clock on while
the loop waits for it in lockstep stands for a loop held that long, whatever held it); the
real-time tests assert what happened and in which order, never how fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from dermaport.device import FakeClock, RealClock, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device.clock import Clock
from dermaport.device.electrical import skin_load
from dermaport.device.protocol import Telemetry
from dermaport.device.scpi import Keithley2400
from dermaport.errors import SafetyError
from tests.device._keithley import EmulatedKeithley2400
from tests.device._sim import PERIOD_S, STEP

STALL_AT_S = 60.0


def _plan(step: str = STEP) -> Any:
    return plan_from_steps([step], electrode_area_cm2=10.0)


def _stall_once(clock: FakeClock, seconds: float, at_s: float = STALL_AT_S) -> tuple[Any, list[float]]:
    """A subscriber that, at the first reading at or after ``at_s``, takes ``seconds`` of fake time."""
    stalled: list[float] = []

    def slow(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and not stalled and document["time_s"] >= at_s:
            stalled.append(document["time_s"])
            clock.advance(seconds)

    return slow, stalled


def test_a_subscriber_sleeping_2_s_on_a_watchdogless_device_has_the_output_off_within_two_periods() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, watchdog=False)
    slow, stalled = _stall_once(clock, 2.0)
    runner = SessionRunner(device, _plan(), clock=clock, period_s=PERIOD_S, subscribers=[slow])
    result = runner.run()
    assert result.status == "failed"
    assert result.reason.startswith("host watchdog: no tick from")
    (t_stall,) = stalled
    # the device's truth: switched off by the host within two periods of the last tick
    t_off, on = device.switches[-1]
    assert not on
    assert t_off <= t_stall + 2 * PERIOD_S + 1e-9
    assert all(t <= t_stall + 2 * PERIOD_S + 1e-9 for t, current in device.history if current > 0)
    assert result.output_off_at_s == pytest.approx(t_off)
    off = [e for e in result.events if e["kind"] == "output_off"]
    assert off[-1]["detail"]["by"] == "host watchdog"
    assert not device.output_is_on()


@pytest.mark.parametrize(("watchdog", "host"), [(True, None), (False, 2 * PERIOD_S)])
def test_the_start_document_says_which_watchdog_guards_the_output(watchdog: bool, host: float | None) -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, watchdog=watchdog)
    starts: list[Mapping[str, Any]] = []
    runner = SessionRunner(
        device,
        _plan(),
        clock=clock,
        period_s=PERIOD_S,
        subscribers=[lambda n, d: starts.append(d) if n == "start" else None],
    )
    runner.stop()
    runner.run()
    assert starts[0]["limits"]["host_watchdog_s"] == host
    assert starts[0]["device"]["watchdog_s"] == (0.1 if watchdog else None)
    assert starts[0]["schema_version"] == 1


def test_a_keithley_2400_held_by_a_stalled_loop_is_switched_off_by_the_host() -> None:
    clock = FakeClock()
    seen_during_stall: list[bool] = []
    with EmulatedKeithley2400(load_ohm=1000.0) as instrument:
        smu = Keithley2400.open(instrument.url, clock=clock)

        def slow(name: str, document: Mapping[str, Any]) -> None:
            if name == "reading" and not seen_during_stall and document["time_s"] >= STALL_AT_S:
                assert instrument.output is True
                clock.advance(2.0)  # the loop is held two seconds
                seen_during_stall.append(instrument.output)  # before the loop runs again

        try:
            result = SessionRunner(smu, _plan(), clock=clock, subscribers=[slow]).run()
        finally:
            smu.close()
    assert seen_during_stall == [False]
    assert result.status == "failed"
    assert result.reason.startswith("host watchdog")


def test_a_loop_late_by_more_than_two_periods_fails_whatever_held_it() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock, watchdog_s=1.0)
    slow, _ = _stall_once(clock, 4 * PERIOD_S)  # the next tick comes 3 periods after it was due
    result = SessionRunner(device, _plan(), clock=clock, period_s=PERIOD_S, subscribers=[slow]).run()
    assert result.status == "failed"
    assert result.reason.startswith("loop late: the tick due at")
    assert not device.output_is_on()


class _StallingRead(SimulatedDevice):
    """A simulated device whose reading at ``at_s`` blocks the loop ``seconds`` of real time."""

    def __init__(self, *args: Any, clock: Clock, at_s: float, seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, clock=clock, **kwargs)
        self._clock_ref, self._at, self._seconds = clock, at_s, seconds
        self.stall: tuple[float, float] | None = None  # (start, end), s since creation

    def read(self) -> Telemetry:
        if self.stall is None and self._clock_ref.now() - self._epoch >= self._at:
            start = self._clock_ref.now() - self._epoch
            time.sleep(self._seconds)
            self.stall = (start, self._clock_ref.now() - self._epoch)
        return super().read()


def test_in_real_time_the_host_watchdog_switches_off_while_the_loop_is_still_held() -> None:
    clock = RealClock()
    device = _StallingRead(skin_load(10.0), clock=clock, at_s=1.0, seconds=2.0, watchdog=False)
    result = SessionRunner(device, _plan(), clock=clock, period_s=PERIOD_S).run()
    assert result.status == "failed"
    assert result.reason.startswith("host watchdog")
    assert device.stall is not None
    start, end = device.stall
    t_off = next(t for t, on in device.switches if t >= start and not on)
    assert start <= t_off < end  # off during the stall, not after it
    assert not device.output_is_on()


@pytest.mark.parametrize("watchdog", [True, False], ids=["device-watchdog", "host-watchdog"])
def test_a_subscriber_blocking_1_s_in_real_time_does_not_hold_the_loop(watchdog: bool) -> None:
    """The queue absorbs the documents; the device's (or host's) watchdog never fires."""
    clock = RealClock()
    period = 0.1  # real time on a shared machine: the loop's own bound is 0.2 s
    device = SimulatedDevice(skin_load(10.0), clock=clock, watchdog_s=0.5, watchdog=watchdog)
    slow_seen: list[str] = []
    blocked: list[float] = []

    def slow(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and not blocked and document["time_s"] >= 0.5:
            blocked.append(document["time_s"])
            time.sleep(1.0)
        slow_seen.append(name)

    runner: SessionRunner

    def operator(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and document["time_s"] >= 2.0 and document["state"] == "ramp_up":
            runner.stop()

    runner = SessionRunner(device, _plan(), clock=clock, period_s=period, subscribers=[slow, operator])
    result = runner.run()
    assert (result.status, result.reason) == ("stopped", "stopped by the operator"), result.reason
    assert blocked
    assert "watchdog" not in device.read().flags
    assert not [e for e in result.events if e["kind"] == "fault"]
    # every document reached the slow subscriber, in order, the stop last
    assert slow_seen.count("reading") == len(result.timeline)
    assert slow_seen[0] == "start"
    assert slow_seen[-1] == "stop"
    assert result.recorded


def test_a_full_queue_is_a_fault_and_the_stop_document_follows_when_the_subscriber_can_take_it() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock)
    got: list[tuple[str, Mapping[str, Any]]] = []
    runner: SessionRunner

    def stuck_until_the_session_ends(name: str, document: Mapping[str, Any]) -> None:
        if not got:
            deadline = time.monotonic() + 10.0
            while runner.state != "failed" and time.monotonic() < deadline:
                time.sleep(0.01)
        got.append((name, document))

    runner = SessionRunner(
        device,
        _plan(),
        clock=clock,
        period_s=PERIOD_S,
        subscribers=[stuck_until_the_session_ends],
        queue_capacity=20,
        lockstep=False,  # the loop runs ahead on the fake clock while the subscriber is stuck
    )
    result = runner.run()
    assert result.status == "failed"
    assert result.reason.startswith("recording fell behind: a subscriber's queue is full (20 documents)")
    assert not device.output_is_on()
    assert not result.recorded
    name, stop = got[-1]
    assert name == "stop"
    assert (stop["status"], stop["reason"]) == ("failed", result.reason)
    assert got[0][0] == "start"


def test_a_failed_commit_fails_the_session_and_the_stop_is_recorded_once_the_database_answers() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock)
    stored: list[tuple[str, Mapping[str, Any]]] = []
    refusals = {"left": 0}
    lock = threading.Lock()

    def database(name: str, document: Mapping[str, Any]) -> None:
        with lock:
            if name == "reading" and document["time_s"] >= 30.0 and not refusals.get("done"):
                refusals["left"], refusals["done"] = 5, 1  # the database locked for five tries
            if refusals["left"] > 0:
                refusals["left"] -= 1
                raise OSError("database is locked")
        stored.append((name, document))

    result = SessionRunner(device, _plan(), clock=clock, period_s=PERIOD_S, subscribers=[database]).run()
    assert result.status == "failed"
    assert result.reason.startswith("recording failed: a subscriber refused the reading document")
    assert "database is locked" in result.reason
    assert result.fault_at_s is not None
    assert result.fault_at_s <= 30.0 + 2 * PERIOD_S
    assert not device.output_is_on()
    name, stop = stored[-1]
    assert name == "stop"
    assert stop["status"] == "failed"
    assert stop["reason"] == result.reason


def test_a_fault_reported_from_outside_switches_off_and_fails() -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock)
    runner: SessionRunner

    def service(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and document["time_s"] >= 40.0:
            runner.report_fault("the plan record changed during the session")

    runner = SessionRunner(device, _plan(), clock=clock, period_s=PERIOD_S, subscribers=[service])
    result = runner.run()
    assert result.status == "failed"
    assert result.reason == "fault reported: the plan record changed during the session"
    assert not device.output_is_on()


def test_lockstep_is_refused_on_a_real_clock() -> None:
    clock = RealClock()
    device = SimulatedDevice(skin_load(10.0), clock=clock)
    with pytest.raises(SafetyError, match="only on a fake clock"):
        SessionRunner(device, _plan(), clock=clock, lockstep=True)
