"""``dermaport clients``: a client's data rights from the command line (export, erasure)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dermaport.cli._console import print_json
from dermaport.cli.records import DatabaseUrlOption, local_actor, open_records
from dermaport.errors import InputError, RecordNotFoundError
from dermaport.records.access import Actor
from dermaport.records.database import Database
from dermaport.records.files import check_writable, write_private
from dermaport.records.models import Client
from dermaport.records.rights import erase_client, export_client

__all__ = ["app"]

app = typer.Typer(
    help="A client's data rights, as the clinic's owner.\n\nExamples:\n\n"
    "  dermaport clients export 12 --output client-12.json\n\n  dermaport clients erase 12 --yes",
    no_args_is_help=True,
)

ClientArgument = Annotated[int, typer.Argument(help="The client's id, e.g. 12.", min=1, max=2**31 - 1)]


def _owner_for(database: Database, client_id: int) -> Actor:
    """The operator of this machine, acting as owner of the client's clinic (audited by login name)."""
    with database.transaction() as db:
        client = db.get(Client, client_id)
        if client is None:
            raise RecordNotFoundError(f"client {client_id} not found: give an existing id, e.g. 1")
        return Actor(username=local_actor(), role="owner", clinic_id=client.clinic_id)


@app.command("export")
def export_command(
    client_id: ClientArgument,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the JSON here.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Export everything about a client as JSON (record, session documents, photos, access log).

    The file is written atomically with mode 0600 (owner only): it is health data.
    """
    if output is not None:
        check_writable(output)  # an unwritable path fails before anything is read or audited
    database = open_records(database_url)
    try:
        actor = _owner_for(database, client_id)
        with database.transaction() as db:
            export = export_client(db, actor, client_id, photo_dir=database.photo_dir)
    finally:
        database.dispose()
    if output is None:
        print_json(export.model_dump(mode="json"))
    else:
        write_private(output, export.model_dump_json(indent=2).encode())
        typer.echo(f"Wrote client {client_id}'s data to {output}")


@app.command("erase")
def erase_command(
    client_id: ClientArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Erase a client's personal data; clinical records stay until their retention period ends."""
    if not yes:
        raise InputError(
            f"erasing client {client_id} cannot be undone: repeat with --yes, e.g. "
            f"dermaport clients erase {client_id} --yes"
        )
    database = open_records(database_url)
    try:
        actor = _owner_for(database, client_id)
        with database.transaction() as db:
            report = erase_client(
                db,
                actor,
                client_id,
                retention_years=database.settings.retention_years,
                photo_dir=database.photo_dir,
            )
    finally:
        database.dispose()
    for item in report.items:
        typer.echo(f"{item.category}: {item.action} {item.count} ({item.reason})")
