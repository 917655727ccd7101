"""``dermaport skin``: the cited skin parameter sets per body site."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from dermaport.cli._console import console, print_json
from dermaport.library import load_skin

app = typer.Typer(
    help=(
        "The skin library: layer thicknesses, pH, isoelectric point, charge, conductivity, "
        "appendages and clearance per body site, each cited.\n\n"
        "Examples:\n\n"
        "  dermaport skin list\n\n"
        "  dermaport skin show face --json"
    ),
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_sites(json_output: JsonOption = False) -> None:
    """List the skin sites with their main parameters."""
    sites = list(load_skin())
    if json_output:
        print_json([s.to_json() for s in sites])
        return
    table = Table(
        title="Skin sites",
        caption="SC stratum corneum, VE viable epidermis (µm); pI isoelectric point; R resistance "
        "(kΩ·cm²); App. appendage area %. Every value and source: dermaport skin show NAME",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Site", no_wrap=True)
    for column in ("SC µm", "VE µm", "Dermis µm", "pH", "pI", "R", "App. %"):
        table.add_column(column, justify="right", no_wrap=True)
    for s in sites:
        e = s.entry
        table.add_row(
            s.name,
            f"{e.thickness.stratum_corneum_um.value:g}",
            f"{e.thickness.viable_epidermis_um.value:g}",
            f"{e.thickness.dermis_um.value:g}",
            f"{e.surface_ph.value:g}",
            f"{e.isoelectric_point.value:g}",
            f"{e.resistance_kohm_cm2.value:g}",
            f"{e.appendage_area_fraction.value * 100:.2g}",
        )
    console().print(table)


@app.command("show")
def show_site(
    name: Annotated[str, typer.Argument(help="Site name or alias (any case), e.g. face or 'pig ear'.")],
    json_output: JsonOption = False,
) -> None:
    """Show every parameter of one skin site with its note and source."""
    site = load_skin().get(name)
    if json_output:
        print_json(site.to_json())
        return
    out = console()
    out.print(f"[bold]{site.entry.display_name}[/bold] ({site.entry.species}, {site.entry.site})")
    table = Table(show_edge=False)
    table.add_column("Parameter")
    table.add_column("Value", justify="right")
    table.add_column("Source")
    table.add_column("Note")
    for field, value in site.parameters().items():
        table.add_row(field, f"{value.value:g}", value.source, value.note)
    out.print(table)
    if site.entry.notes:
        out.print(f"Notes: {site.entry.notes}")
    out.print("\n[bold]Sources[/bold]")
    for key, text in site.citations().items():
        out.print(Text(f"  [{key}] {text}"))
