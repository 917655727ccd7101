"""Barrier model under pulse steps: timing of the reference train, and the figures of docs/electroporation.md.

Run: .venv/bin/python benchmarks/bench_electroporation.py [--repeat 5] [--plot docs/electroporation.png]

0. Timing of the engine's reference run: ``simulate("sodium ascorbyl phosphate", "3 %",
   [RESEARCH], skin="human_face", observe="1 h")`` (barrier model plus transport), median of
   ``--repeat`` runs after one warm-up, with the load average; goal ≤ 1 s median.
1. Timing: the reference train (``electroporation 100 V 1 ms pulses at 1 Hz for 5 min`` and
   1 h of observation) through :class:`BarrierModel` alone, median of ``--repeat`` runs. The
   engine's reference run must fit in 1 s with its transport added.
2. Figures: the research train against the salon-style carrier (``electroporation bipolar 50 V
   1.5 kHz modulated at 1 Hz for 10 min``) on a bipolar handpiece (two crossings), and the
   LTR-borne permeability of sodium ascorbyl phosphate and 1 MDa hyaluronic acid.

Machines are shared and noisy: compare within a run, not across machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from dermaport.library.actives import load_actives
from dermaport.physics.electroporation import BarrierModel, Circuit, TrainResult, ltr_permeability
from dermaport.physics.electroporation.barrier import BarrierState
from dermaport.physics.engine import simulate
from dermaport.protocol.pulses import parse_electroporation

RESEARCH = "electroporation 100 V 1 ms pulses at 1 Hz for 5 min"
SALON = "electroporation bipolar 50 V 1.5 kHz modulated at 1 Hz for 10 min"


def _ltr_exposure(result: TrainResult) -> float:
    """∫ f_LTR dt over the timeline (s), by the trapezoid rule."""
    t, f = result.times_s, result.ltr_area_fraction
    return sum(0.5 * (f[i] + f[i + 1]) * (t[i + 1] - t[i]) for i in range(len(t) - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plot", default="")
    args = parser.parse_args()

    _engine_timing(args.repeat)
    _deliveries()

    model = BarrierModel()
    schedule = parse_electroporation(RESEARCH).schedule()
    timings, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        research = model.run(schedule, observe_s=3600.0)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        f"reference train, barrier model only: median {statistics.median(timings):.3f} s wall, "
        f"{statistics.median(cpu):.3f} s CPU, of {args.repeat}"
    )

    handpiece = BarrierModel(circuit=Circuit.from_layers(crossings=2))
    salon = handpiece.run(parse_electroporation(SALON).schedule(), observe_s=3600.0)
    actives = load_actives()
    print(f"{'':32}{'research 100 V':>16}{'salon 50 V':>16}")
    rows = [
        ("pulses / bursts", research.pulse_count, salon.pulse_count, "d"),
        ("exposure dose V·s", research.exposure_dose_v_s, salon.exposure_dose_v_s, ".3g"),
        ("SC resistance min ratio", research.sc_resistance_min_ratio, salon.sc_resistance_min_ratio, ".3g"),
        (
            "SC resistance ratio after 1 h",
            research.sc_resistance_end_ratio,
            salon.sc_resistance_end_ratio,
            ".3g",
        ),
        (
            "area carrying current max",
            research.current_area_fraction_max,
            salon.current_area_fraction_max,
            ".2e",
        ),
        ("LTR area fraction max", research.ltr_area_fraction_max, salon.ltr_area_fraction_max, ".2e"),
        ("LTR exposure ∫f dt s", _ltr_exposure(research), _ltr_exposure(salon), ".3g"),
        (
            "peak LTR temperature rise K",
            research.peak_temperature_rise_k,
            salon.peak_temperature_rise_k,
            ".3g",
        ),
        ("net charge C/m²", research.net_charge_c_per_m2, salon.net_charge_c_per_m2, ".3g"),
        (
            "gross charge C/m²",
            sum(p.charge_c_per_m2 for p in research.pulses),
            sum(p.charge_c_per_m2 for p in salon.pulses),
            ".3g",
        ),
        (
            "lowest V_SC in a pulse V",
            min(p.v_sc_end_v for p in research.pulses),
            min(p.v_sc_end_v for p in salon.pulses),
            ".3g",
        ),
    ]
    for name, a, b, fmt in rows:
        print(f"{name:32}{a:>16{fmt}}{b:>16{fmt}}")
    for name in ("sodium_ascorbyl_phosphate", "hyaluronic_acid_1mda"):
        active = actives.get(name)
        for label, result in (("research", research), ("salon", salon)):
            peak = BarrierState(1.5e9, 1.5e9, result.ltr_area_fraction_max)
            p = ltr_permeability(
                peak,
                model.skin,
                solute_radius_m=active.hydrodynamic_radius_m,
                free_diffusivity_m2_per_s=active.diffusivity_m2_s(32.0),
            )
            print(f"LTR permeability at its peak, {name}, {label}: {p:.3g} m/s")
    if args.plot:
        _plot(research, salon, args.plot)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def _engine_timing(repeat: int) -> None:
    """The reference electroporation run through the whole engine, median wall and CPU time."""
    print(f"load average before: {_load()}")
    simulate("sodium ascorbyl phosphate", "3 %", [RESEARCH], skin="human_face", observe="1 h")  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        simulate("sodium ascorbyl phosphate", "3 %", [RESEARCH], skin="human_face", observe="1 h")
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        f"reference electroporation run (engine): median {statistics.median(wall):.3f} s wall "
        f"(min {min(wall):.3f}, max {max(wall):.3f}), {statistics.median(cpu):.3f} s CPU, of {repeat}"
    )
    print(f"load average after: {_load()}")


#: Protocols compared in docs/electroporation.md and docs/transport.md (all then 1 h observed).
COMPARED = (
    ("passive 10 min", ["passive for 10 min"]),
    ("salon carrier 10 min", [SALON]),
    ("research train 5 min, anode", [RESEARCH]),
    ("research train 5 min, cathode", [RESEARCH + " cathode"]),
    ("research 5 min + passive 5 min", [RESEARCH + " cathode", "passive for 5 min"]),
    ("iontophoresis cathode 0.3 mA/cm2 10 min", ["iontophoresis cathode 0.3 mA/cm2 for 10 min"]),
)


def _deliveries() -> None:
    """Delivery of SAP 3 % and HA 1 MDa 0.1 % on the face under each compared protocol."""
    print(f"{'protocol':42}{'SAP total':>11}{'SAP dermis':>11}{'HA total':>11}{'R min':>8}{'LTR max':>10}")
    for label, steps in COMPARED:
        sap = simulate("sodium ascorbyl phosphate", "3 %", steps, observe="1 h")
        ha = simulate("hyaluronic_acid_1mda", "0.1 %", steps, observe="1 h")
        ep = sap.electroporation
        r_min = f"{ep.sc_resistance_min_ratio:.3g}" if ep else "-"
        ltr = f"{ep.ltr_area_fraction_max:.2g}" if ep else "-"
        print(
            f"{label:42}{sap.total_delivered_ug_per_cm2:>11.3g}{sap.delivered.dermis:>11.3g}"
            f"{ha.total_delivered_ug_per_cm2:>11.3g}{r_min:>8}{ltr:>10}"
        )
    print("(µg/cm²; total = into the skin over the run; the vehicle pH is unbuffered, inert electrode)")


def _plot(research: TrainResult, salon: TrainResult, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for result, label in ((research, RESEARCH), (salon, SALON + " (handpiece)")):
        t = [max(x, 1e-1) / 60 for x in result.times_s]
        axes[0].semilogy(
            t, [r / result.intact_resistance_ohm_m2 for r in result.sc_resistance_ohm_m2], label=label
        )
        axes[1].semilogy(t, [max(f, 1e-9) for f in result.ltr_area_fraction], label=label)
    axes[0].set_ylabel("SC resistance / intact")
    axes[1].set_ylabel("LTR area fraction")
    axes[1].set_xlabel("time (min)")
    axes[1].set_xscale("log")
    axes[0].legend(fontsize=7)
    fig.suptitle("Barrier model: research train against a salon-style carrier")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
