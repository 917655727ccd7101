"""``dermaport simulate``: how much of an active reaches each skin layer, how deep, at what pH."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from dermaport.cli._console import console, ph_or_default, print_json
from dermaport.cli._output import writing
from dermaport.errors import InputError
from dermaport.physics import SimulationResult, simulate

HELP = (
    "Predict delivery of an active through a protocol's steps (multi-ion Nernst-Planck with "
    "electroosmosis through layered skin).\n\n"
    "Examples:\n\n"
    "  dermaport simulate SAP --concentration '3 %' --vehicle-ph 7 "
    "--step 'iontophoresis cathode 0.3 mA/cm2 for 6 min' --observe '1 h'\n\n"
    "  dermaport simulate niacinamide --concentration '5 %' --step 'passive for 30 min' --json\n\n"
    "  dermaport simulate lidocaine --concentration '2 %' --background 'NaCl 150 mM' "
    "--step 'iontophoresis anode 2 mA for 10 min' --electrode-area '10 cm2' --plot run.png"
)


def _pulse_limit_warnings(text: str, area_cm2: float) -> list[str]:
    """A pulse step's hard-limit breaches on ``area_cm2`` (cm²): simulate predicts, plan and run refuse."""
    if not text.strip().lower().startswith("electroporation"):
        return []
    from dermaport.planning.pulses import check_train

    check = check_train(text, sensitivity="normal", area_cm2=area_cm2)
    if check.ok:
        return []
    breaches = "; ".join(str(b) for b in check.breaches)
    return [f"{text!r} on {area_cm2:g} cm² breaks the pulse hard limits ({breaches}): plan and run refuse it"]


def command(
    active: Annotated[str, typer.Argument(help="Library name or alias, or a .toml data file.")],
    concentration: Annotated[str, typer.Option(help="Product concentration: '3 %', '10 mg/mL' or '25 mM'.")],
    step: Annotated[
        list[str],
        typer.Option(help="A step, repeatable, e.g. 'passive for 30 min'."),
    ],
    vehicle_ph: Annotated[str | None, typer.Option(help="pH of the product (default 5.5).")] = None,
    background: Annotated[
        list[str] | None, typer.Option(help="Background electrolyte, repeatable: 'NaCl 150 mM'.")
    ] = None,
    buffer: Annotated[str | None, typer.Option(help="Buffer of the product: 'phosphate 10 mM'.")] = None,
    vehicle_volume: Annotated[
        str | None, typer.Option(help="Product film per area (default 20 uL/cm2; in vitro 1000 uL/cm2).")
    ] = None,
    electrode: Annotated[str, typer.Option(help="'inert' (electrolyses water) or 'ag-agcl'.")] = "inert",
    electrode_area: Annotated[
        str | None, typer.Option(help="Active electrode area, needed for steps in mA: '10 cm2'.")
    ] = None,
    skin: Annotated[str, typer.Option(help="Skin site (dermaport skin list).")] = "human_face",
    in_vitro: Annotated[bool, typer.Option("--in-vitro", help="Dermatomed skin, receptor sink.")] = False,
    observe: Annotated[
        str | None, typer.Option(help="Follow the skin this long after the last step, product removed.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of the depth profile and timeline.")] = None,
) -> None:
    """Predict delivery of ACTIVE through the steps of a protocol."""
    if electrode not in ("inert", "ag-agcl"):
        raise InputError(f"electrode {electrode!r} is not 'inert' or 'ag-agcl': e.g. --electrode ag-agcl")
    if plot is not None and plot.suffix.lower() != ".png":
        raise InputError(f"plot file {str(plot)!r} must end in .png: e.g. --plot run.png")
    if plot is not None and not plot.resolve().parent.is_dir():
        raise InputError(f"plot folder {str(plot.parent)!r} does not exist: e.g. --plot run.png")
    result = simulate(
        active,
        concentration,
        step,
        vehicle_ph=ph_or_default(vehicle_ph),
        background=background or (),
        buffer=buffer,
        vehicle_volume=vehicle_volume,
        electrode="inert" if electrode == "inert" else "ag-agcl",
        electrode_area=electrode_area,
        skin=skin,
        in_vitro=in_vitro,
        observe=observe,
    )
    if plot is not None:
        from dermaport.reports.simulation_plot import write_plot

        with writing(plot, example="--plot run.png"):
            write_plot(result, plot)
    if json_output:
        print_json(result.to_json())
        return
    _print(result, plot)


def _print(result: SimulationResult, plot: Path | None) -> None:
    out = console()
    d = result.delivered
    table = Table(title=f"{result.active} on {result.skin}", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Where", no_wrap=True)
    table.add_column("µg/cm²", justify="right")
    table.add_column("% of applied", justify="right")
    rows = [
        ("applied", result.applied_ug_per_cm2),
        ("left in the product", result.vehicle_remaining_ug_per_cm2),
        ("stratum corneum", d.stratum_corneum),
        ("viable epidermis", d.viable_epidermis),
        ("dermis", d.dermis),
        *([] if result.in_vitro else [("subcutis", d.subcutis)]),
        ("receptor" if result.in_vitro else "cleared (blood)", d.beyond),
        ("total into the skin", result.total_delivered_ug_per_cm2),
    ]
    for name, value in rows:
        share = 100 * value / result.applied_ug_per_cm2 if result.applied_ug_per_cm2 else 0.0
        table.add_row(name, f"{value:.3g}", f"{share:.3g}")
    out.print(table)
    tn = "n/a (no current)" if result.transport_number is None else f"{result.transport_number:.3g}"
    flow = (
        "n/a"
        if result.volume_flow_uL_per_cm2_h is None
        else f"{result.volume_flow_uL_per_cm2_h:+.3g} µL/(cm²·h)"
    )
    depth = "n/a" if result.penetration_depth_um is None else f"{result.penetration_depth_um:.3g} µm"
    out.print(f"steps: {'; '.join(result.steps)}")
    facts = [
        ("mean flux", f"{result.mean_flux_ug_per_cm2_h:.3g} µg/(cm²·h)"),
        ("transport number", tn),
        ("electroosmotic flow", f"{flow} (+ into the skin)"),
        ("charge dose", f"{result.charge_dose_mA_min:.3g} mA·min over {result.electrode_area_cm2:g} cm²"),
        (
            "vehicle pH",
            f"{result.vehicle_ph_start:.2f} → {result.vehicle_ph_end:.2f} (range {result.vehicle_ph_min:.2f}"
            f"–{result.vehicle_ph_max:.2f}, {result.electrode} electrode)",
        ),
        ("depth", result.depth.summary if result.depth is not None else f"90 % lies above {depth}"),
        ("passive kp", f"{result.kp_passive_cm_per_h:.3g} cm/h"),
    ]
    ep = result.electroporation
    if ep is not None:
        facts.append(
            (
                "electroporation",
                f"{ep.pulse_count} pulses; SC resistance down to {ep.sc_resistance_min_ratio:.3g} of intact, "
                f"{ep.sc_resistance_end_ratio:.3g} at the end; LTR area up to "
                f"{ep.ltr_area_fraction_max:.2g}; "
                f"peak LTR heating {ep.peak_temperature_rise_k:.3g} K",
            )
        )
    for label, text in facts:
        out.print(f"{label + ':':<21}{text}")
    if result.vehicle_ph_min < 4.0 or result.vehicle_ph_max > 8.0:
        remedy = (
            "buffer the product"
            if result.electrode == "ag-agcl"
            else "buffer the product or use Ag/AgCl electrodes"
        )
        out.print(f"[bold red]warning:[/] the vehicle pH leaves 4-8: {remedy}")
    for text in result.steps:
        for line in _pulse_limit_warnings(text, result.electrode_area_cm2):
            out.print(f"[bold red]warning:[/] {line}")
    if plot is not None:
        out.print(f"plot written to {plot}")
