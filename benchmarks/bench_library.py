"""How long the actives library takes to load and to assess, printed as figures.

Run: .venv/bin/python benchmarks/bench_library.py
Compare ratios within one run; machines are shared and noisy.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from dermaport.library import assess, load_actives, load_skin
from dermaport.library.actives import ActiveLibrary


def _time(fn: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _cold_load() -> ActiveLibrary:
    load_actives.cache_clear()
    return load_actives()


def main() -> None:
    load_samples = _time(_cold_load, 10)
    library = load_actives()
    pi = load_skin().get("human_face").isoelectric_point
    actives = list(library)
    phs = [3.0 + 0.1 * i for i in range(50)]

    def assess_all() -> None:
        for active in actives:
            for ph in phs:
                assess(active, ph, skin_isoelectric_point=pi)

    assess_samples = _time(assess_all, 5)
    n_assess = len(actives) * len(phs)
    print(f"entries: {len(actives)}")
    print(f"cold load of the library: median {statistics.median(load_samples) * 1e3:.1f} ms (10 runs)")
    per = statistics.median(assess_samples) / n_assess
    print(f"assess(): median {per * 1e6:.1f} µs per active and pH ({n_assess} per run, 5 runs)")
    print(f"ratio cold load / one assessment: {statistics.median(load_samples) / per:.0f}")


if __name__ == "__main__":
    main()
