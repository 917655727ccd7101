"""How long target-seeking takes for the issue's example, and how many engine calls it makes.

"Deliver at least 20 µg/cm² of sodium ascorbyl phosphate (3 %, pH 7) into the viable
epidermis" on the face, normal skin. The goal is under 10 s with the real engine (about
0.1–0.3 s a call). With --engine also the issue's niacinamide case (4 %, pH 6: 1.4 µg/cm²
into the viable epidermis, reached at 0.1 mA/cm² where 0.4 gives less), which the scan over
density levels must find.

Run: .venv/bin/python benchmarks/bench_target.py            (closed-form stand-in)
     .venv/bin/python benchmarks/bench_target.py --engine   (dermaport.physics.simulate)

With the stand-in the figures show the search's cost in calls, and the time with each call
made to sleep as long as the real engine takes; with --engine they are the real figures, and
the plan found is simulated once more to check that it meets the target.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import time

from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.predictor import Prediction, PredictionRequest, Predictor, engine_predictor
from dermaport.planning.products import Product, product_named
from dermaport.planning.standin import StandInPredictor
from dermaport.planning.target import TargetUnreachableError, parse_target
from dermaport.safety import QUESTIONS, screen

TARGET = "20 ug/cm2 viable_epidermis"
NIACINAMIDE = "1.4 ug/cm2 viable_epidermis"
TODAY = dt.date(2026, 11, 21)


def _answers() -> dict[str, object]:
    values: dict[str, object] = {}
    for q in QUESTIONS:
        if q.kind == "yes_no":
            values[q.id] = q.id == "jewellery_removed"
        elif q.kind == "date":
            values[q.id] = "never"
        elif q.kind == "choice":
            values[q.id] = {"area": "face", "skin_sensitivity": "normal"}.get(q.id, q.choices[0])
        else:
            values[q.id] = "none"
    return values


class Counting:
    """Counts calls and time spent in a predictor."""

    def __init__(self, inner: Predictor) -> None:
        self.inner, self.calls, self.seconds = inner, 0, 0.0

    def __call__(self, request: PredictionRequest) -> Prediction:
        start = time.perf_counter()
        try:
            return self.inner(request)
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - start


def run(
    label: str,
    predictor: Predictor,
    electrode_material: str = "inert",
    *,
    product: Product | None = None,
    target: str = TARGET,
    buffer: str | None = None,
) -> Plan | None:
    counting = Counting(predictor)
    result = screen(_answers(), today=TODAY)
    start = time.perf_counter()
    try:
        plan = make_plan(
            result,
            concern="pigmentation",
            area="face",
            product=product or product_named("sap-ampoule"),
            predictor=counting,
            target=parse_target(target),
            electrode_material=electrode_material,
            buffer=buffer,
        )
    except TargetUnreachableError as exc:
        wall = time.perf_counter() - start
        print(f"{label:<28} {wall:7.2f} s  {counting.calls:3d} calls  → {exc}")
        return None
    wall = time.perf_counter() - start
    delivery = next(s for s in plan.steps if s.startswith("iontophoresis"))
    print(
        f"{label:<28} {wall:7.2f} s  {counting.calls:3d} calls  {counting.seconds:6.2f} s in the predictor  "
        f"→ {delivery}: {plan.target_delivered_ug_per_cm2:.3g} µg/cm²"
    )
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="store_true", help="use dermaport.physics.simulate")
    args = parser.parse_args()
    print(f"target: {TARGET}, sap-ampoule (3 %, pH 7, phosphate 50 mM), face, normal skin")
    if args.engine:
        engine = engine_predictor()
        unbuffered = dataclasses.replace(product_named("sap-ampoule"), buffer=None)
        run("engine, inert, unbuffered", engine, "inert", product=unbuffered)
        run("engine, inert, phosphate 50 mM", engine, "inert")
        run(
            "engine, niacinamide 1.4 µg/cm²",
            engine,
            product=product_named("niacinamide-ampoule"),
            target=NIACINAMIDE,
        )
        plan = run("engine, Ag/AgCl, unbuffered", engine, "ag-agcl", product=unbuffered)
        if plan is None:
            return
        check = engine(
            PredictionRequest(
                active="sodium_ascorbyl_phosphate",
                concentration="3 %",
                steps=(next(s for s in plan.steps if s.startswith("iontophoresis")),),
                vehicle_ph=7.0,
                skin="human_face",
                electrode="ag-agcl",
                electrode_area_m2=plan.electrode_area_cm2 * 1e-4,
            )
        )
        figure = check.reached("viable_epidermis")
        print(f"re-simulated: {figure:.3g} µg/cm² delivered into the viable epidermis (target 20)")
        return
    for delay in (0.0, 0.1, 0.3):
        run(f"stand-in, {delay:.1f} s per call", StandInPredictor(delay_s=delay))


if __name__ == "__main__":
    main()
