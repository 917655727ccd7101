"""Session runner timing: the 20 Hz loop in real time, and how fast each interlock switches off.

Run: .venv/bin/python benchmarks/bench_device.py [--seconds 10]

1. Loop timing in real time at 20 Hz (period 50 ms): a session on the simulated device
   in-process, then the same through the line-protocol driver and real bytes on a
   pseudo-terminal. Prints the mean period and the jitter (|period − 50 ms|) at p50, p95 and max.
2. Interlock reaction in real time: each fault kind injected 2.03 s into a session (ramp-up);
   prints, per kind, the time from the fault to the runner's detection and to the output
   really going off (the simulator's own record; for a lost link, its watchdog).
3. Interlock reaction on the fake clock over the whole fault matrix (each kind in ramp-up,
   delivery and pause): the worst time from the fault becoming observable to the output off,
   against the one-period bound the runner promises.
4. Nothing stalls the loop, real time: the loop period p50/p99 with a subscriber that blocks
   1 s every 2 s, and with a SessionRecorder on SQLite while another connection holds the
   write lock 0.45 s of every second (as a reception login's argon2 hash does).
5. The host watchdog, real time: a watchdog-less simulated device whose reading blocks the loop
   2 s; the time from the loop's last tick to the output really off.

Machines are shared and noisy: compare within a run, not across machines.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dermaport.config import load_settings
from dermaport.device import (
    FAULT_KINDS,
    FakeClock,
    Fault,
    RealClock,
    SessionRunner,
    SimulatedDevice,
    plan_from_steps,
)
from dermaport.device.clock import Clock
from dermaport.device.documents import SessionContext
from dermaport.device.electrical import skin_load
from dermaport.device.line_server import PtyServer
from dermaport.device.protocol import Device, Telemetry
from dermaport.device.runner import RunResult
from dermaport.device.serial_driver import LineProtocolDevice
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.clients import create_client
from dermaport.records.database import open_database
from dermaport.records.documents import SessionRecorder
from dermaport.records.engine import make_engine
from dermaport.records.migrate import upgrade
from dermaport.records.schemas import ContactIn

PERIOD_S = 0.05
#: Real-time faults land 60 % into a telemetry period, not on a tick.
T_FAULT_S = 2.0 + 0.6 * PERIOD_S
STEP = "iontophoresis anode 2 mA for 3 min ramp 30 s"


def _run(device: Device, clock: Clock, stop_after_s: float) -> RunResult:
    plan = plan_from_steps([STEP], electrode_area_cm2=10)
    runner = SessionRunner(device, plan, clock=clock, period_s=PERIOD_S)
    start = time.monotonic()

    def stopper(name: str, document: object) -> None:
        if name == "reading" and time.monotonic() - start >= stop_after_s:
            runner.stop()

    runner.subscribe(stopper)
    return runner.run()


def _periods(result: RunResult, seconds: float) -> list[float]:
    times = [r["time_s"] for r in result.timeline if r["time_s"] <= seconds]
    return [b - a for a, b in itertools.pairwise(times)]


def _print_timing(label: str, periods: Sequence[float]) -> None:
    jitter = sorted(abs(p - PERIOD_S) * 1e3 for p in periods)
    q = statistics.quantiles(jitter, n=100)
    period = statistics.quantiles([p * 1e3 for p in periods], n=100)
    print(
        f"{label:<34} {len(periods):>5} periods  period p50 {period[49]:7.3f} ms  p99 {period[98]:7.3f} ms  "
        f"max {max(periods) * 1e3:7.3f} ms  jitter p50 {q[49]:6.3f} ms  p95 {q[94]:6.3f} ms"
    )


def loop_timing(seconds: float) -> None:
    print(f"1. loop timing, real time, 20 Hz, the first {seconds:g} s of a session on each")
    clock = RealClock()
    sim = SimulatedDevice(skin_load(10), clock=clock)
    result = _run(sim, clock, seconds)
    _print_timing("in-process simulator", _periods(result, seconds))
    sim = SimulatedDevice(skin_load(10), clock=clock)
    with PtyServer(sim) as server:
        device = LineProtocolDevice.open(server.path, timeout_s=0.2)
        try:
            result = _run(device, clock, seconds)
        finally:
            device.close()
    _print_timing("line protocol on a pty (real bytes)", _periods(result, seconds))


def reaction_real_time() -> float:
    print(f"2. interlock reaction, real time, fault at {T_FAULT_S:g} s (ramp-up, between two readings)")
    worst = 0.0
    for kind in FAULT_KINDS:
        clock = RealClock()
        sim = SimulatedDevice(skin_load(10), clock=clock, faults=[Fault(kind, T_FAULT_S)])
        plan = plan_from_steps([STEP], electrode_area_cm2=10)
        result = SessionRunner(sim, plan, clock=clock, period_s=PERIOD_S).run()
        time.sleep(0.2)  # let a watchdog act where the link was lost
        sim.output_is_on()
        off = [t for t, on in sim.switches if not on]
        off_after = max(off[-1] - T_FAULT_S, 0.0) if off else float("nan")  # a reset is its own off
        detect = (result.fault_at_s or float("nan")) - T_FAULT_S
        worst = max(worst, off_after)
        print(
            f"   {kind:<22} detected after {detect * 1e3:7.2f} ms, output off after {off_after * 1e3:7.2f} ms"
        )
    print(
        f"   worst, fault to output off: {worst * 1e3:.2f} ms (period {PERIOD_S * 1e3:g} ms; a lost link is "
        "ended by the device's watchdog, two periods after the last heartbeat)"
    )
    return worst


def reaction_fake_clock() -> float:
    print("3. interlock reaction over the fault matrix on the fake clock")
    phases = {"ramp_up": (10.0, []), "deliver": (60.0, []), "paused": (80.0, [(40.0, "pause")])}
    worst, cells = 0.0, 0
    for kind in FAULT_KINDS:
        for t_fault, actions in phases.values():
            clock = FakeClock()
            sim = SimulatedDevice(skin_load(10), clock=clock, faults=[Fault(kind, t_fault)])
            runner = SessionRunner(sim, plan_from_steps([STEP], electrode_area_cm2=10), clock=clock)
            pending = list(actions)

            def operator(
                name: str,
                document: Mapping[str, Any],
                pending: list[tuple[float, str]] = pending,
                runner: SessionRunner = runner,
            ) -> None:
                if name == "reading" and pending and document["time_s"] >= pending[0][0]:
                    getattr(runner, pending.pop(0)[1])()

            runner.subscribe(operator)
            result = runner.run()
            clock.advance(1.0)
            sim.output_is_on()  # let a watchdog act where the link was lost
            last_reading = result.timeline[-1]["time_s"]
            observable = last_reading + PERIOD_S if kind == "comm-loss" else t_fault
            current_at = [c for t, c in sim.history if t <= observable]
            if current_at and current_at[-1] > 0:
                off = min(t for t, c in sim.history if t >= observable and c == 0)
                worst = max(worst, off - observable)
            cells += 1
    print(
        f"   worst over {cells} cells: output off {worst * 1e3:.2f} ms after the fault became observable "
        f"(bound: one period, {PERIOD_S * 1e3:g} ms)"
    )
    return worst


def _stalling_subscriber(name: str, document: Mapping[str, Any]) -> None:
    if name == "reading" and int(document["time_s"] * 20) % 40 == 20:  # at 1 s, 3 s, 5 s…
        time.sleep(1.0)


def no_stall(seconds: float) -> None:
    print(f"4. the loop with slow subscribers, real time, 20 Hz, {seconds:g} s of each")
    clock = RealClock()
    sim = SimulatedDevice(skin_load(10), clock=clock)
    plan = plan_from_steps([STEP], electrode_area_cm2=10)
    runner = SessionRunner(sim, plan, clock=clock, period_s=PERIOD_S, subscribers=[_stalling_subscriber])
    result = _stopped_after(runner, seconds)
    _print_timing("subscriber blocking 1 s every 2 s", _periods(result, seconds))
    print(f"   status {result.status}: {result.reason}")
    with tempfile.TemporaryDirectory() as folder:
        recorder, url = _sqlite_recorder(Path(folder))
        holding = threading.Event()
        done = threading.Event()
        worst_hold = 0.0

        def hold_the_write_lock() -> None:
            nonlocal worst_hold
            connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10.0, isolation_level=None)
            while not done.wait(0.55):
                start = time.monotonic()
                connection.execute("BEGIN IMMEDIATE")
                holding.set()
                time.sleep(0.45)
                connection.execute("COMMIT")
                worst_hold = max(worst_hold, time.monotonic() - start)
            connection.close()

        locker = threading.Thread(target=hold_the_write_lock, daemon=True)
        locker.start()
        sim = SimulatedDevice(skin_load(10), clock=clock)
        runner = SessionRunner(
            sim, plan, clock=clock, period_s=PERIOD_S, subscribers=[recorder], context=_context(url)
        )
        result = _stopped_after(runner, seconds)
        done.set()
        locker.join()
        _print_timing("SessionRecorder, SQLite write lock held", _periods(result, seconds))
        print(
            f"   status {result.status}: {result.reason}; every document recorded: {result.recorded}; "
            f"write lock held up to {worst_hold * 1e3:.0f} ms at a time"
        )


def _stopped_after(runner: SessionRunner, seconds: float) -> RunResult:
    start = time.monotonic()

    def stopper(name: str, document: object) -> None:
        if name == "reading" and time.monotonic() - start >= seconds:
            runner.stop()

    runner.subscribe(stopper)
    return runner.run()


_CLIENT: dict[str, int] = {}


def _context(url: str) -> SessionContext:
    return SessionContext(client_id=_CLIENT[url])


def _sqlite_recorder(folder: Path) -> tuple[SessionRecorder, str]:
    url = f"sqlite:///{folder / 'records.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    database = open_database(load_settings({"DERMAPORT_DATA_DIR": str(folder / "data")}), url)
    with database.transaction() as db:
        user = add_user(db, "bench", username="practitioner", role="practitioner", password="x" * 16)
        actor = Actor(username=user.username, role="practitioner", clinic_id=user.clinic_id, user_id=user.id)
        _CLIENT[url] = create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id
    return SessionRecorder(database, actor), url


class _StallingRead(SimulatedDevice):
    def __init__(self, *args: Any, at_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at_s
        self.stalled = False

    def read(self) -> Telemetry:
        if not self.stalled and self._clock.now() - self._epoch >= self._at:
            self.stalled = True
            time.sleep(2.0)
        return super().read()


def host_watchdog(runs: int) -> None:
    print(f"5. host watchdog, real time: the loop held 2 s on a watchdog-less device, {runs} runs")
    reactions = []
    for _ in range(runs):
        clock = RealClock()
        sim = _StallingRead(skin_load(10), clock=clock, at_s=2.0 + 0.3 * PERIOD_S, watchdog=False)
        runner = SessionRunner(
            sim, plan_from_steps([STEP], electrode_area_cm2=10), clock=clock, period_s=PERIOD_S
        )
        result = runner.run()
        last_tick = max(r["time_s"] for r in result.timeline if r["time_s"] < 2.0 + PERIOD_S)
        off = min(t for t, on in sim.switches if not on and t > last_tick)
        reactions.append((off - last_tick) * 1e3)
        assert result.reason.startswith("host watchdog"), result.reason
    reactions.sort()
    print(
        f"   last tick to output off: min {reactions[0]:.1f} ms, "
        f"median {statistics.median(reactions):.1f} ms, "
        f"max {reactions[-1]:.1f} ms (the watchdog's timeout: two periods, {2 * PERIOD_S * 1e3:g} ms; "
        f"it polls every {PERIOD_S / 2 * 1e3:g} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="real-time loop to time, per transport")
    args = parser.parse_args()
    logging.getLogger("dermaport").setLevel(logging.CRITICAL)  # the sessions fail on purpose here
    loop_timing(args.seconds)
    reaction_real_time()
    reaction_fake_clock()
    no_stall(args.seconds)
    host_watchdog(5)


if __name__ == "__main__":
    main()
