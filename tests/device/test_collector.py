"""Full garbage collections are held off while a runner runs in real time, and only then."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from dermaport.device import FakeClock, SimulatedDevice
from dermaport.device.clock import Clock
from dermaport.device.collector import DEFERRED_THRESHOLD, full_collections_deferred, full_collections_held
from dermaport.device.electrical import skin_load
from dermaport.device.runner import SessionRunner
from dermaport.device.session_plan import plan_from_steps
from dermaport.sessions import ScaledClock, SimulatedDevices


@pytest.fixture(autouse=True)
def found() -> Iterator[tuple[int, int, int]]:
    """The collector's thresholds before the test, set back after it."""
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_oldest_threshold_is_deferred_inside_and_restored_after(
    found: tuple[int, int, int],
) -> None:
    assert not full_collections_held()
    with full_collections_deferred():
        assert full_collections_held()
        young, middle, oldest = gc.get_threshold()
        assert (young, middle) == found[:2]  # young collections go on as before
        assert oldest == DEFERRED_THRESHOLD
        with full_collections_deferred():  # a second session at once
            assert gc.get_threshold()[2] == DEFERRED_THRESHOLD
        assert gc.get_threshold()[2] == DEFERRED_THRESHOLD  # the first still runs
    assert not full_collections_held()
    assert gc.get_threshold() == found


def test_the_thresholds_come_back_when_the_block_raises(found: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), full_collections_deferred():
        raise RuntimeError("a runner error")
    assert gc.get_threshold() == found


def test_a_collector_switched_off_by_a_zero_threshold_is_left_off() -> None:
    gc.set_threshold(0, 10, 10)
    with full_collections_deferred():
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)


def test_concurrent_holders_share_one_deferral(found: tuple[int, int, int]) -> None:
    inside = threading.Barrier(8)
    leave = threading.Event()
    seen: list[int] = []

    def hold() -> None:
        with full_collections_deferred():
            inside.wait(10)
            seen.append(gc.get_threshold()[2])
            leave.wait(10)

    threads = [threading.Thread(target=hold) for _ in range(8)]
    for t in threads:
        t.start()
    while len(seen) < 8:
        leave.wait(0.01)
    leave.set()
    for t in threads:
        t.join(10)
    assert seen == [DEFERRED_THRESHOLD] * 8
    assert gc.get_threshold() == found


class _Watch:
    """A subscriber noting whether full collections were held at each reading."""

    def __init__(self) -> None:
        self.held: list[bool] = []

    def __call__(self, name: str, document: Any) -> None:
        if name == "reading":
            self.held.append(full_collections_held())


def _run(speed: float | None) -> list[bool]:
    """A 1 min step on the simulator: on a fake clock (``None``) or a real-time one ``speed`` times faster."""
    plan = plan_from_steps(["iontophoresis cathode 0.1 mA/cm2 for 1 min"], electrode_area_cm2=10)
    if speed is None:
        clock: Clock = FakeClock()
        device = SimulatedDevice(skin_load(10), clock=clock, watchdog_s=0.25)
    else:
        opened, clock = SimulatedDevices(speed=speed).open(plan)
        assert isinstance(opened, SimulatedDevice)
        assert isinstance(clock, ScaledClock)  # real time, sped up
        device = opened
    watch = _Watch()
    result = SessionRunner(device, plan, clock=clock, subscribers=[watch]).run()
    assert result.status == "complete", result.reason
    return watch.held


def test_a_runner_on_a_real_time_clock_holds_them_for_its_whole_run(
    found: tuple[int, int, int],
) -> None:
    held = _run(40.0)  # 90 s simulated (ramps and step) in about 2 s of real time
    assert held
    assert all(held)
    assert gc.get_threshold() == found


def test_a_runner_on_a_fake_clock_leaves_the_collector_alone(found: tuple[int, int, int]) -> None:
    held = _run(None)
    assert held
    assert not any(held)
    assert gc.get_threshold() == found
