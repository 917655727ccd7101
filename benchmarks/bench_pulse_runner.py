"""Pulse sessions through the runner: plan-time bounds, a whole train on the fake clock, fault reaction.

Run: .venv/bin/python benchmarks/bench_pulse_runner.py [--repeat 5]

1. Plan time: ``plan_from_steps`` for ``electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min
   anode`` on 1.5 cm² (the barrier model runs the 150 pulses once for the step's bounds), cold
   and cached.
2. The whole session on the fake clock (5 min of simulated time, 20 Hz readings, every pulse
   interlock), wall time, median of ``--repeat``; and, to compare, a galvanic session of the
   same length (``iontophoresis anode 0.2 mA/cm2 for 5 min``, 10 cm²), which runs on main too
   (``--galvanic-only``), so the runner's split into a core and controllers can be timed
   before and after in one sitting.
3. Fault reaction on the fake clock: each pulse fault mid-train; the time from the fault's
   effect to the generator's output really off (its own record).

Machines are shared and noisy: compare within a run, not across machines; print the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from dermaport.device import FakeClock, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device.electrical import skin_load

TRAIN = "electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min anode"
GALVANIC = "iontophoresis anode 0.2 mA/cm2 for 5 min"


def _galvanic(repeat: int) -> float:
    times = []
    plan = plan_from_steps([GALVANIC], electrode_area_cm2=10.0)
    for _ in range(repeat):
        clock = FakeClock()
        started = time.perf_counter()
        result = SessionRunner(SimulatedDevice(skin_load(10.0), clock=clock), plan, clock=clock).run()
        times.append(time.perf_counter() - started)
        assert result.status == "complete", result.reason
    return statistics.median(times)


def _pulses(repeat: int) -> None:
    from dermaport.device import Fault
    from dermaport.device.faults import PULSE_FAULT_KINDS
    from dermaport.device.pulse_plan import _train
    from dermaport.device.pulse_simulated import SimulatedPulseGenerator
    from dermaport.physics.electroporation import BarrierModel

    _train.cache_clear()
    started = time.perf_counter()
    plan = plan_from_steps([TRAIN], electrode_area_cm2=1.5)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    plan_from_steps([TRAIN], electrode_area_cm2=1.5)
    cached = time.perf_counter() - started
    print(
        f"plan time (bounds from the barrier model): cold {cold * 1e3:.0f} ms, cached {cached * 1e3:.2f} ms"
    )
    times = []
    for _ in range(repeat):
        clock = FakeClock()
        gen = SimulatedPulseGenerator(BarrierModel(), clock=clock)
        started = time.perf_counter()
        result = SessionRunner(gen, plan, clock=clock).run()
        times.append(time.perf_counter() - started)
        assert result.status == "complete", result.reason
        assert result.pulse_count == 150
    print(f"pulse session, 5 min simulated, 150 pulses: median {statistics.median(times):.2f} s wall")
    short = plan_from_steps(
        ["electroporation 100 V 1 ms x 10 pulses at 0.5 Hz anode"], electrode_area_cm2=1.5
    )
    for kind in PULSE_FAULT_KINDS:
        at = 8.0 if kind in ("misfire", "over-current") else 8.0005  # pulse 5 comes due at 8 s
        clock = FakeClock()
        gen = SimulatedPulseGenerator(BarrierModel(), clock=clock, faults=[Fault(kind, at)])
        result = SessionRunner(gen, short, clock=clock).run()
        off = next(t for t, on in gen.switches if not on and t >= 8.0 - 1e-9)
        print(
            f"  {kind:13s} mid-train: output off {(off - 8.0) * 1e3:6.1f} ms after the fault's effect; "
            f"{result.reason[:60]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--galvanic-only", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"galvanic session, 5 min simulated: median {_galvanic(args.repeat):.2f} s wall")
    if not args.galvanic_only:
        _pulses(args.repeat)


if __name__ == "__main__":
    main()
