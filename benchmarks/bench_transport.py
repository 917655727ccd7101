"""Transport engine timings: the reference run, protocol variants, and FiPy side by side.

Run: .venv/bin/python benchmarks/bench_transport.py [--variants 1000] [--workers 2] [--refinement]
Goals (issue 3): reference run ≤ 0.25 s median; 1,000 variants ≤ 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from dermaport.physics import simulate
from dermaport.physics.setup import Resolution
from dermaport.physics.stepping import TimeControl


def reference() -> float:
    start = time.perf_counter()
    simulate(
        "sodium ascorbyl phosphate",
        "3 %",
        ["iontophoresis cathode 0.3 mA/cm2 for 6 min"],
        vehicle_ph=7.0,
        observe="1 h",
    )
    return time.perf_counter() - start


def variant(args: tuple[float, float, str, str]) -> tuple[float, float, int]:
    """Delivered total (µg/cm²), the CPU seconds this process spent on it, and its time steps."""
    density, minutes, electrode, conc = args
    cpu = time.process_time()
    result = simulate(
        "sodium ascorbyl phosphate",
        conc,
        [f"iontophoresis {electrode} {density} mA/cm2 for {minutes} min"],
        vehicle_ph=7.0,
        electrode="ag-agcl",
    )
    return result.total_delivered_ug_per_cm2, time.process_time() - cpu, result.step_count


def variants(count: int) -> list[tuple[float, float, str, str]]:
    """``count`` of the 1,000 grid points, spread evenly over the grid (all of it from 1,000 on)."""
    grid: list[tuple[float, float, str, str]] = list(
        itertools.product(
            np.linspace(0.05, 0.5, 10).round(3).tolist(),
            [2, 4, 6, 8, 10, 15, 20, 25, 30, 40],
            ["cathode", "anode"],
            ["1 %", "3 %", "5 %", "10 %", "2 %"],
        )
    )
    if count >= len(grid):
        return grid
    picked = np.unique(np.linspace(0, len(grid) - 1, max(count, 1)).round().astype(int))
    return [grid[i] for i in picked]


def refinement() -> None:
    """The reference run on finer meshes and shorter steps: what docs/transport.md tabulates."""
    fine_steps = TimeControl().refined(4)
    print("mesh refinement (reference run, time steps 4x finer):")
    for cells in ((24, 12, 16), (48, 24, 32), (96, 48, 64)):
        start = time.perf_counter()
        r = simulate(
            "sodium ascorbyl phosphate",
            "3 %",
            ["iontophoresis cathode 0.3 mA/cm2 for 6 min"],
            vehicle_ph=7.0,
            observe="1 h",
            resolution=Resolution(*cells),
            time_control=fine_steps,
        )
        d = r.delivered
        print(
            f"  {'/'.join(map(str, cells)):>9} cells: total {r.total_delivered_ug_per_cm2:.2f}, SC "
            f"{d.stratum_corneum:.3f}, VE {d.viable_epidermis:.3f}, dermis {d.dermis:.3f} µg/cm², "
            f"t {r.transport_number:.3f} ({time.perf_counter() - start:.2f} s)"
        )


def fipy_side_by_side() -> None:
    """Diffusion of one neutral species through a 300 µm slab (c = 1 above, 0 below) for 120 s."""
    from fipy import CellVariable, DiffusionTerm, Grid1D, TransientTerm

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.physics._column import D_TRACE, THICKNESS, column, run

    cells = 60
    start = time.perf_counter()
    mesh = Grid1D(nx=cells, dx=THICKNESS / cells)
    c = CellVariable(mesh=mesh, value=0.0)
    c.constrain(1.0, mesh.facesLeft)
    c.constrain(0.0, mesh.facesRight)
    eq = TransientTerm() == DiffusionTerm(coeff=D_TRACE)
    dt = 0.2
    for _ in range(600):
        eq.solve(var=c, dt=dt)
    fipy_amount = float(np.sum(c.value) * THICKNESS / cells)
    fipy_time = time.perf_counter() - start

    start = time.perf_counter()
    chain, cond, state = column(cells // 3)
    state, _, _ = run(chain, cond, state, list(np.linspace(0.2, 120.0, 600)))
    ours = float(np.sum(state.u[0, 1:] * chain.volume_m[1:]))  # every tissue cell, K = 1
    our_time = time.perf_counter() - start
    print(f"FiPy slab (60 cells, 600 steps): amount in slab {fipy_amount:.6e} mol/m², {fipy_time:.3f} s")
    print(f"dermaport same problem:          amount in slab {ours:.6e} mol/m², {our_time:.3f} s")
    print(
        f"agreement {abs(ours - fipy_amount) / fipy_amount * 100:.3f} %; "
        f"dermaport/FiPy time {our_time / fipy_time:.2f}"
    )


def library_worst_case() -> None:
    """Every library active under anode, cathode and passive on inert and Ag/AgCl: the slowest run."""
    from dermaport.library.actives import load_actives

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.physics.test_library_runs import STEPS, concentration

    worst = (0.0, "")
    worst_balance = 0.0
    count = 0
    for active in load_actives():
        for electrode in ("inert", "ag-agcl"):
            for step in STEPS:
                start = time.perf_counter()
                r = simulate(active, concentration(active), [step], electrode=electrode)
                took = time.perf_counter() - start
                count += 1
                worst_balance = max(worst_balance, r.mass_balance_error)
                if took > worst[0]:
                    worst = (took, f"{active.name}, {step}, {electrode}")
    print(
        f"whole library ({count} runs): slowest {worst[0]:.2f} s ({worst[1]}); "
        f"worst mass balance {worst_balance:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--variants",
        type=int,
        default=1000,
        help="how many of the 1,000 variants (fewer: spread over the grid)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--refinement", action="store_true", help="also print the mesh refinement table")
    parser.add_argument("--library", action="store_true", help="also run the whole library: the worst case")
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    reference()  # warm caches (library load, imports)
    cpu_start = time.process_time()
    times = [reference() for _ in range(args.repeat)]
    cpu_each = (time.process_time() - cpu_start) / args.repeat
    print(
        f"reference run (SAP 3 %, face, cathode 0.3 mA/cm2 6 min + observe 1 h): "
        f"median {statistics.median(times):.3f} s over {args.repeat} (goal 0.25 s), CPU {cpu_each:.3f} s each"
    )

    jobs = variants(args.variants)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(pool.map(variant, jobs, chunksize=4))
    elapsed = time.perf_counter() - start
    results = [delivered for delivered, _, _ in outcomes]
    spent = np.array([cpu_s for _, cpu_s, _ in outcomes])
    cpu = float(spent.sum())
    print(
        f"{len(jobs)} protocol variants on {args.workers} workers: {elapsed:.1f} s "
        f"({elapsed / len(jobs) * 1000:.0f} ms each; 1,000 would take {elapsed / len(jobs) * 1000:.0f} s, "
        "goal 60 s); "
        f"delivered {min(results):.3g}-{max(results):.3g} µg/cm²"
    )
    print(
        f"  CPU time of the variants {cpu:.1f} s ({cpu / len(jobs) * 1000:.0f} ms each): on {args.workers} "
        f"otherwise idle cores 1,000 would take about {cpu / len(jobs) * 1000 / args.workers:.0f} s"
    )
    slowest = int(np.argmax(spent))
    density, minutes, electrode, conc = jobs[slowest]
    print(
        f"  CPU per variant: median {np.median(spent) * 1000:.0f} ms, 90th percentile "
        f"{np.percentile(spent, 90) * 1000:.0f} ms; slowest {spent[slowest] * 1000:.0f} ms "
        f"({electrode} {density} mA/cm2 {minutes} min, {conc}, {outcomes[slowest][2]} time steps)"
    )
    print(f"load average after the variants: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    fipy_side_by_side()
    if args.library:
        library_worst_case()
    if args.refinement:
        refinement()


if __name__ == "__main__":
    main()
