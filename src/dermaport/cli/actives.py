"""``dermaport actives``: charge, electrode and suitability of actives at a product's pH."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from dermaport.cli._console import console, ph_or_default, print_json
from dermaport.config import load_settings
from dermaport.errors import InputError
from dermaport.library import assess, load_actives, load_skin
from dermaport.library.delivery import format_charge
from dermaport.library.schema import Category, Concern
from dermaport.units import parse_concentration

app = typer.Typer(
    help=(
        "The actives library: what charge an active carries in the product, which electrode it "
        "goes under, and whether it can be delivered at all.\n\n"
        "Examples:\n\n"
        "  dermaport actives list --ph 5.5\n\n"
        "  dermaport actives list --concern pigmentation --json\n\n"
        "  dermaport actives show 'tranexamic acid' --ph 6"
    ),
    no_args_is_help=True,
)

PhOption = Annotated[
    str | None,
    typer.Option("--ph", help="pH of the product (0–14), e.g. 5.5. Default 5.5.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
SkinOption = Annotated[
    str | None,
    typer.Option(
        "--skin", help="Skin site whose isoelectric point decides electroosmosis (default human_face)."
    ),
]

_ELECTRODE_STYLE = {"cathode": "bold cyan", "anode": "bold red"}
_ELECTRODE_LABEL = {"cathode": "cathode (−)", "anode": "anode (+)"}
_ELECTRODE_SHORT = {"cathode": "cathode −", "anode": "anode +"}


def _skin_pi(skin: str | None) -> tuple[float, str]:
    site = load_skin().get(skin or load_settings().default_skin)
    return site.isoelectric_point, site.entry.isoelectric_point.source


def _parse_choice(value: str | None, enum: type[Category] | type[Concern], option: str) -> str | None:
    if value is None:
        return None
    choices = [c.value for c in enum]
    folded = value.strip().lower().replace("-", "_").replace(" ", "_")
    if folded not in choices:
        raise InputError(f"{option} {value!r} is not one of {', '.join(choices)}: e.g. {option} {choices[0]}")
    return folded


_CATEGORY_TITLE = {
    Category.MESOTHERAPY: "Mesotherapy actives",
    Category.REFERENCE: "Reference compounds",
    Category.ION: "Small ions",
}


def _short_name(display_name: str) -> str:
    """Display name without its parenthesised synonyms ("Ascorbic acid (vitamin C)" → "Ascorbic acid")."""
    return re.sub(r"\s*\([^)]*\)", "", display_name)


def _fmt_mw(mw: float) -> str:
    return f"{mw:.0f}" if mw < 10_000 else f"{mw / 1000:.0f} k"


@app.command("list")
def list_actives(
    ph: PhOption = None,
    json_output: JsonOption = False,
    category: Annotated[
        str | None, typer.Option(help="Only this category: mesotherapy, reference or ion.")
    ] = None,
    concern: Annotated[
        str | None,
        typer.Option(
            help="Only actives for this concern: hydration, pigmentation, wrinkles, texture_acne, "
            "scarring, hair_loss, cellulite."
        ),
    ] = None,
    skin: SkinOption = None,
) -> None:
    """List every active with its charge, electrode and verdict at the product's pH."""
    ph_value = ph_or_default(ph)
    wanted_category = _parse_choice(category, Category, "--category")
    wanted_concern = _parse_choice(concern, Concern, "--concern")
    pi, pi_source = _skin_pi(skin)
    results = [
        assess(a, ph_value, skin_isoelectric_point=pi, skin_pi_source=pi_source)
        for a in load_actives()
        if (wanted_category is None or a.category.value == wanted_category)
        and (wanted_concern is None or wanted_concern in {c.value for c in a.entry.concerns})
    ]
    if json_output:
        print_json([r.to_json() for r in results])
        return
    table = Table(
        title=f"Actives at pH {ph_value:g} (skin isoelectric point {pi:g})",
        caption="Anions under the cathode (−), cations under the anode (+), neutrals by "
        "electroosmosis. Via: EM electromigration, EO electroosmosis, EM≈0 too large to migrate. "
        "Details: dermaport actives show NAME",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Active", max_width=30, overflow="ellipsis", no_wrap=True)
    table.add_column("MW Da", justify="right", no_wrap=True)
    table.add_column("Charge", justify="right", no_wrap=True)
    table.add_column("Electrode", no_wrap=True)
    table.add_column("Via", no_wrap=True)
    table.add_column("Verdict", no_wrap=True)
    categories = [c for c in Category if any(r.active.category is c for r in results)]
    for category_value in categories:
        table.add_row(Text(_CATEGORY_TITLE[category_value], style="bold"))
        for r in (r for r in results if r.active.category is category_value):
            electrode = (
                Text(_ELECTRODE_SHORT[r.electrode], style=_ELECTRODE_STYLE[r.electrode])
                if r.electrode
                else Text("—")
            )
            via = {"electromigration": "EM", "electroosmosis": "EO", None: "—"}[r.mechanism]
            if r.electromigration_negligible and r.suitable and r.mechanism == "electromigration":
                via = "EM≈0"
            table.add_row(
                _short_name(r.active.display_name),
                _fmt_mw(r.active.mw_g_per_mol),
                format_charge(r.mean_charge),
                electrode,
                via,
                Text(r.verdict, style="green" if r.suitable else "yellow"),
            )
    console().print(table)
    console().print(f"{len(results)} entries. Change the pH with --ph, e.g. --ph 7.")


@app.command("show")
def show_active(
    name: Annotated[str, typer.Argument(help="Library name or alias (any case), e.g. 'SAP' or niacinamide.")],
    ph: PhOption = None,
    json_output: JsonOption = False,
    skin: SkinOption = None,
    concentration: Annotated[
        str | None,
        typer.Option(
            help="Product concentration to convert to molar and charge concentration, "
            "e.g. '3 %' (w/v), '10 mg/mL' or '25 mM'.",
        ),
    ] = None,
) -> None:
    """Show one active: charge states, electrode, mechanism, verdict and every citation."""
    ph_value = ph_or_default(ph)
    amount = parse_concentration(concentration) if concentration is not None else None
    active = load_actives().resolve(name)
    pi, pi_source = _skin_pi(skin)
    result = assess(active, ph_value, skin_isoelectric_point=pi, skin_pi_source=pi_source)
    molar_mm = active.molar_concentration(amount) if amount is not None else None
    if json_output:
        data = result.to_json()
        if molar_mm is not None:
            data["concentration"] = {
                "given": concentration,
                "molar_mM": round(molar_mm, 6),
                "mass_mg_per_ml": round(molar_mm * active.mw_g_per_mol * 1e-3, 6),
                "charge_mEq_per_l": round(molar_mm * abs(result.mean_charge), 6),
            }
        print_json(data)
        return
    out = console()
    entry = active.entry
    out.print(f"[bold]{active.display_name}[/bold]  ({active.category.value}; INCI {entry.inci or '—'})")
    if entry.aliases:
        out.print(f"Also known as: {', '.join(entry.aliases)}")
    out.print(
        f"MW {active.mw_g_per_mol:,.2f} g/mol · "
        f"hydrodynamic radius {active.hydrodynamic_radius_m * 1e10:.1f} Å · "
        f"D(25 °C) {active.diffusivity_m2_s(25.0) * 1e4:.3g} cm²/s"
        + (f" · log Kow {entry.log_kow.value:g}" if entry.log_kow else "")
        + (
            f" · solubility {entry.water_solubility_mg_per_ml.value:g} mg/mL"
            if entry.water_solubility_mg_per_ml
            else ""
        )
    )
    if entry.typical_concentration_percent:
        rng = entry.typical_concentration_percent
        out.print(
            f"Typical concentration {rng.min:g}–{rng.max:g} %"
            + (f" · concerns: {', '.join(c.value for c in entry.concerns)}" if entry.concerns else "")
        )
    groups = Table(title="Ionisable groups", show_edge=False)
    groups.add_column("Group")
    groups.add_column("Kind")
    groups.add_column("pKa", justify="right")
    groups.add_column("Source")
    for g in entry.ionisable_groups:
        groups.add_row(g.name, g.kind, ", ".join(f"{p:g}" for p in g.pka), g.source)
    if entry.fixed_charge:
        groups.add_row("permanent charge", f"{entry.fixed_charge:+d}", "—", entry.fixed_charge_source or "")
    if entry.ionisable_groups or entry.fixed_charge:
        out.print(groups)
    states = Table(title=f"Charge states at pH {ph_value:g}", show_edge=False)
    states.add_column("Charge", justify="right")
    states.add_column("Fraction", justify="right")
    states.add_column("")
    for charge, fraction in result.charge_fractions.items():
        if fraction >= 1e-4:
            states.add_row(f"{charge:+d}" if charge else "0", f"{fraction:.4f}", "█" * round(fraction * 30))
    out.print(states)
    out.print(f"Mean charge {result.mean_charge:+.3f} → {result.ionic_form}")
    if result.electrode:
        style, label = _ELECTRODE_STYLE[result.electrode], _ELECTRODE_LABEL[result.electrode]
        out.print(
            f"Electrode: [{style}]{label}[/] by {result.mechanism}"
            + ("  (electromigration negligible for its size)" if result.electromigration_negligible else "")
        )
    if molar_mm is not None:
        out.print(
            f"At {concentration}: {molar_mm:.4g} mM ({molar_mm * active.mw_g_per_mol * 1e-3:.4g} mg/mL), "
            f"carrying {molar_mm * abs(result.mean_charge):.4g} mEq/L of charge"
        )
    verdict = "[green]suitable[/green]" if result.suitable else "[yellow]unsuitable[/yellow]"
    out.print(f"Verdict: {verdict}: {result.reason}")
    if entry.notes:
        out.print(f"Notes: {entry.notes}")
    out.print("\n[bold]Sources[/bold]")
    for key, text in result.citations().items():
        out.print(Text(f"  [{key}] {text}"))
