"""The served simulator's watchdog holds in real time whatever ``--sim-speed``."""

from __future__ import annotations

import time

import pytest

from dermaport.device import FakeClock, SimulatedDevice
from dermaport.device.electrical import skin_load
from dermaport.device.protocol import OutputConfig
from dermaport.device.runner import RunResult, SessionRunner
from dermaport.device.session_plan import plan_from_steps
from dermaport.errors import InputError
from dermaport.sessions import ScaledClock, SimulatedDevices


def _on(device: SimulatedDevice) -> None:
    device.configure(OutputConfig(mode="galvanic", polarity="cathode"))
    device.set_current(0.5)
    device.output(True)


@pytest.mark.parametrize("scale", [1.0, 4.0, 10.0, 40.0])
def test_the_watchdog_counts_its_seconds_times_the_scale_on_the_clock(scale: float) -> None:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10), clock=clock, watchdog_s=0.25, watchdog_scale=scale)
    assert device.identify().watchdog_s == 0.25  # stated in real seconds, as the runner bounds it
    _on(device)
    clock.advance(0.25 * scale * 0.9)
    assert device.output_is_on()
    device.heartbeat()
    clock.advance(0.25 * scale * 0.9)  # a heartbeat restarts it
    assert device.output_is_on()
    clock.advance(0.25 * scale * 0.2)
    assert not device.output_is_on()
    assert "watchdog" in device.read().flags


def test_the_served_simulator_holds_its_watchdog_in_real_time_at_any_speed() -> None:
    plan = plan_from_steps(["iontophoresis cathode 0.1 mA/cm2 for 1 min"], electrode_area_cm2=10)
    device, clock = SimulatedDevices(speed=10).open(plan)
    assert isinstance(clock, ScaledClock)
    assert isinstance(device, SimulatedDevice)
    assert device.identify().watchdog_s == 0.25
    _on(device)
    start = clock.now()
    clock.sleep_until(start + 0.5)  # 0.05 s real: 0.5 s simulated, twice the stated 0.25 s
    assert device.output_is_on()
    clock.sleep_until(start + 3.0)  # 0.3 s real without a heartbeat: past 0.25 s real
    assert not device.output_is_on()
    real, _clock = SimulatedDevices(speed=1).open(plan)
    assert isinstance(real, SimulatedDevice)
    assert real._watchdog_scale == 1.0  # in real time, nothing to scale


@pytest.mark.parametrize("scale", [0.5, float("nan"), float("inf")])
def test_a_watchdog_scale_below_one_or_not_finite_is_refused(scale: float) -> None:
    with pytest.raises(InputError, match="watchdog scale"):
        SimulatedDevice(skin_load(10), clock=FakeClock(), watchdog_scale=scale)


class _Hiccup:
    """Wraps a device: every ``every``-th reading holds the loop ``pause_s`` real seconds (a busy host)."""

    def __init__(self, device: SimulatedDevice, *, every: int, pause_s: float) -> None:
        self._device, self._every, self._pause_s, self._reads = device, every, pause_s, 0

    def read(self) -> object:
        self._reads += 1
        if self._reads % self._every == 0:
            time.sleep(self._pause_s)
        return self._device.read()

    def __getattr__(self, name: str) -> object:
        return getattr(self._device, name)


def _run_at(speed: float, pause_s: float, minutes: float) -> RunResult:
    plan = plan_from_steps([f"iontophoresis cathode 0.1 mA/cm2 for {minutes:g} min"], electrode_area_cm2=10)
    device, clock = SimulatedDevices(speed=speed).open(plan)
    assert isinstance(device, SimulatedDevice)
    hiccups = _Hiccup(device, every=40, pause_s=pause_s)
    return SessionRunner(hiccups, plan, clock=clock, period_s=0.05).run()  # type: ignore[arg-type]


def test_at_twenty_times_speed_a_hiccup_shorter_than_two_real_periods_is_no_fault() -> None:
    """A demonstration at ``--sim-speed 20`` on a busy host: a 30 ms stall is 0.6 simulated
    seconds, twelve periods, but well under the two periods (0.1 s) the loop may lag in real
    time. The checks hold in real time, as the device's watchdog does. The step lasts 12 s of
    real time: a stall the lag checks allow (0.1 s real) then stays inside the dose check's 1 %
    margin, which a shorter step at this speed could pass (the dose interlock is not relaxed)."""
    result = _run_at(20.0, 0.03, 4)
    assert result.status == "complete", result.reason


def test_at_twenty_times_speed_a_stall_longer_than_two_real_periods_still_fails() -> None:
    result = _run_at(20.0, 0.15, 1)
    assert result.status == "failed"
    assert "more than two periods" in result.reason
    assert "real time" in result.reason
