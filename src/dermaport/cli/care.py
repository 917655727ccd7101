"""``dermaport care``: printable pre-care and aftercare, each line with its source."""

from __future__ import annotations

from typing import Annotated

import typer

from dermaport.cli._console import print_json
from dermaport.errors import InputError
from dermaport.planning.care import care_sheet
from dermaport.protocol.library import AREAS, fold_name

__all__ = ["care_command"]


def care_command(
    area: Annotated[str | None, typer.Option("--area", help="face, neck, decollete, scalp or body.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the care instructions for before and after the treatment, in plain language."""
    folded = fold_name(area) if area is not None else None
    if folded is not None and folded not in AREAS:
        raise InputError(f"unknown area {area!r}: one of {', '.join(AREAS)}; e.g. --area face")
    sheet = care_sheet(folded)
    if json_output:
        print_json(sheet.to_json())
    else:
        typer.echo(sheet.to_text())
