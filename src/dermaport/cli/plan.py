"""``dermaport plan``: one session plan for a screened client, within the hard limits."""

from __future__ import annotations

from typing import Annotated

import typer

from dermaport.cli._console import console, ph_or_default, print_json
from dermaport.cli._dates import TodayOption, today_or_now
from dermaport.cli.records import DatabaseUrlOption
from dermaport.cli.sessions import PasswordStdinOption, UserOption, store_plan
from dermaport.errors import InputError
from dermaport.planning.digest import plan_document
from dermaport.planning.plan import MODALITIES, Plan, make_plan
from dermaport.planning.predictor import Predictor, engine_predictor
from dermaport.planning.products import Product, choose_product, parse_buffer
from dermaport.planning.target import parse_target
from dermaport.safety import screen
from dermaport.safety.answers_file import load_answers
from dermaport.sessions.plans import PlanIn

__all__ = ["default_predictor", "plan_command"]


def default_predictor() -> Predictor:
    """The predictor the command uses: the transport engine (fails closed without it)."""
    return engine_predictor()


def _product(product: str | None, active: str | None, concentration: str | None, ph: str | None) -> Product:
    return choose_product(product, active, concentration, ph, default_ph=ph_or_default(None), allow_file=True)


_LAYER_NAMES = {
    "stratum_corneum": "stratum corneum",
    "viable_epidermis": "viable epidermis",
    "dermis": "dermis",
    "cleared": "cleared (blood)",
    "receptor": "receptor",
}


def _show(plan: Plan) -> None:
    out = console()
    out.print(f"[bold]{plan.protocol.title}[/bold] on the {plan.area}, product {plan.product.name}")
    if plan.product.buffer:
        out.print(f"Buffer: {plan.product.buffer}")
    for i, step in enumerate(plan.steps, start=1):
        out.print(f"  {i}. {step}")
    if plan.pulse is not None:
        _show_pulses(plan)
    elif plan.electrode:
        out.print(
            f"Product under the [bold]{plan.electrode}[/bold] ({plan.electrode_material} electrode): "
            f"{plan.polarity_reason}\n"
            f"{plan.density_ma_per_cm2:g} mA/cm² × {plan.electrode_area_cm2:g} cm² = "
            f"{plan.current_ma:.3g} mA for {plan.duration_s:g} s; charge {plan.expected_dose_ma_min:.3g} "
            f"mA·min with the ramps, session dose counted at peak {plan.charge_dose_ma_min:.3g} mA·min"
        )
    predicted = plan.predicted
    if predicted is not None:
        out.print(f"Predicted delivery, µg/cm² at the end of the step ({predicted.model}):")
        for layer, amount in predicted.layers:
            out.print(f"  {_LAYER_NAMES.get(layer, layer):<18} {amount:10.3g}")
        out.print(f"  {'total':<18} {predicted.total_ug_per_cm2:10.3g}")
        out.print(
            f"Vehicle pH: {predicted.vehicle_ph_start:.2f} at the start, {predicted.vehicle_ph_min:.2f}–"
            f"{predicted.vehicle_ph_max:.2f} during, {predicted.vehicle_ph_end:.2f} at the end (limit 4–8)"
        )
    if plan.target is not None:
        out.print(f"Target {plan.target}: predicted {plan.target_delivered_ug_per_cm2:.3g} µg/cm²")
    for w in plan.warnings:
        out.print(f"[yellow]warning:[/] {w}")
    for r in plan.requirements:
        out.print(f"[magenta]before the session:[/] {r}")


def _show_pulses(plan: Plan) -> None:
    pulse = plan.pulse
    assert pulse is not None
    out = console()
    b = pulse.check.bounds
    where = (
        f"under the [bold]{pulse.electrode}[/bold]" if pulse.electrode else "on a [bold]bipolar[/bold] train"
    )
    out.print(f"Product {where} ({plan.electrode_material} electrode): {pulse.polarity_reason}")
    out.print(
        f"Pulses: {pulse.check.pulses} over {plan.duration_s:g} s on a {plan.electrode_area_cm2:g} cm² "
        "electrode; "
        f"exposure {pulse.check.step.schedule().exposure_dose_v_s:.3g} V·s (limit 100)"
    )
    out.print(
        f"Model bounds (intact skin, porating): lowest load {b.min_load_ohm:.3g} Ω, "
        f"peak {b.peak_current_mA / 1e3:.3g} A, "
        f"{b.pulse_charge_uC:.3g} µC and {b.pulse_energy_mJ:.3g} mJ a pulse (IEC 300 mJ), "
        f"temperature rise {b.temperature_rise_K:.3g} K (limit 60)"
    )
    out.print(f"Pathway: {pulse.pathway.describe()}")
    sim = pulse.prediction.simulation
    summary = getattr(sim, "electroporation", None)
    if summary is not None:
        out.print(
            f"Barrier (engine): resistance down to {summary.sc_resistance_min_ratio:.3g} of intact, "
            f"{summary.sc_resistance_end_ratio:.3g} at the end; "
            f"LTR area up to {summary.ltr_area_fraction_max:.2g}"
        )


def plan_command(
    answers: Annotated[
        str | None, typer.Option("--answers", help="The client's answers (JSON or YAML), without --client.")
    ] = None,
    concern: Annotated[
        str,
        typer.Option(
            "--concern",
            help="hydration, pigmentation, wrinkles, texture_acne, scarring, hair_loss or cellulite.",
        ),
    ] = "",
    area: Annotated[str, typer.Option("--area", help="face, neck, decollete, scalp or body.")] = "",
    product: Annotated[
        str | None, typer.Option("--product", help="A catalogue product, e.g. sap-ampoule.")
    ] = None,
    active: Annotated[
        str | None,
        typer.Option(
            "--active",
            help="An active by name, or a .toml file in the library's schema; with --concentration.",
        ),
    ] = None,
    concentration: Annotated[str | None, typer.Option("--concentration", help="e.g. '3 %'.")] = None,
    ph: Annotated[
        str | None, typer.Option("--ph", help="pH of the product given by --active (default 5.5).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="e.g. '20 ug/cm2 viable_epidermis': seek the gentlest plan."),
    ] = None,
    cream: Annotated[
        str, typer.Option("--cream", help="Massage cream: water-soluble or oil-based.")
    ] = "water-soluble",
    electrode_material: Annotated[
        str,
        typer.Option(
            "--electrode-material", help="inert (a metal roller or tongs) or ag-agcl (holds the vehicle pH)."
        ),
    ] = "inert",
    buffer: Annotated[
        str | None,
        typer.Option(
            "--buffer", help="The product's buffer, e.g. 'citrate 50 mM' (replaces the product's own)."
        ),
    ] = None,
    modality: Annotated[
        str,
        typer.Option(
            "--modality",
            help="iontophoresis (current, the default) or electroporation (high-voltage pulses).",
        ),
    ] = "iontophoresis",
    pulses: Annotated[
        str | None,
        typer.Option(
            "--pulses",
            help="A pulse train to plan, e.g. 'electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min' "
            "(held to the hard limits: lowered or refused; implies --modality electroporation).",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    today: TodayOption = None,
    client: Annotated[
        int | None,
        typer.Option(
            "--client", help="Plan for a client on record (their latest screening) and store it.", min=1
        ),
    ] = None,
    user: UserOption = None,
    password_stdin: PasswordStdinOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    r"""Plan one session: protocol steps, electrode by physics, current and time within the hard limits.

    With --client, the plan is made from the client's latest stored screening
    and stored (its id printed). Exits 1 with the reason when screening, a
    product or a limit refuses it.

    --modality electroporation plans a pulse train instead of current, within
    the pulse hard limits (IEC 60601-2-10 output, per-pulse charge and energy,
    temperature rise); e.g.

      dermaport plan --answers examples/client.yaml --concern pigmentation \
        --area face --product sap-ampoule --modality electroporation
    """
    if cream not in ("water-soluble", "oil-based"):
        raise InputError(f"--cream {cream!r} is not water-soluble or oil-based: e.g. --cream water-soluble")
    if electrode_material not in ("inert", "ag-agcl"):
        raise InputError(
            f"--electrode-material {electrode_material!r} is not inert or ag-agcl: "
            "e.g. --electrode-material ag-agcl"
        )
    if modality not in MODALITIES:
        raise InputError(
            f"--modality {modality!r} is not one of {', '.join(MODALITIES)}: e.g. --modality electroporation"
        )
    if pulses is not None:
        modality = "electroporation"
    if target is not None and pulses is not None:
        raise InputError("give --target or --pulses, not both: the target search chooses the pulses")
    if not concern or not area:
        raise InputError("give --concern and --area: e.g. --concern hydration --area face")
    if client is not None:
        if answers is not None:
            raise InputError("--client plans from the client's stored screening: leave out --answers")
        _product(product, active, concentration, ph)  # names what is missing or contradicts
        data = PlanIn(
            concern=concern,
            area=area,
            product=product,
            active=active,
            concentration=concentration,
            ph=ph,
            target=target,
            electrode_material=electrode_material,
            modality=modality,
            pulses=pulses,
        )
        store_plan(
            client_id=client,
            data=data,
            user=user,
            password_stdin=password_stdin,
            database_url=database_url,
            predictor=default_predictor(),
            json_output=json_output,
        )
        return
    if answers is None:
        raise InputError(
            "give --answers FILE (or --client ID for a client on record): e.g. --answers client.yaml"
        )
    goal = parse_target(target) if target is not None else None
    if buffer is not None:
        parse_buffer(buffer)
    chosen = _product(product, active, concentration, ph)
    result = screen(load_answers(answers), today=today_or_now(today))
    plan = make_plan(
        result,
        concern=concern,
        area=area,
        product=chosen,
        predictor=default_predictor(),
        target=goal,
        electrode_material=electrode_material,
        cream=cream,
        buffer=buffer,
        modality=modality,
        pulses=pulses,
    )
    if json_output:
        print_json(plan_document(plan, result))
    else:
        _show(plan)
