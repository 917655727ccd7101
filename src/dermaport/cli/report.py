"""``dermaport report SESSION_ID --out FILE.pdf``: a treatment session's report as PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dermaport.cli.records import DatabaseUrlOption, local_actor, open_records
from dermaport.errors import RecordNotFoundError
from dermaport.records.access import Actor
from dermaport.records.files import check_writable, write_private
from dermaport.records.models import Client, TreatmentSession

__all__ = ["report_command"]


def report_command(
    session_id: Annotated[int, typer.Argument(help="The session's id, e.g. 3.", min=1, max=2**31 - 1)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The PDF to write, e.g. session-3.pdf.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write a session's report as a PDF (mode 0600: it is health data).

    The report: client, practitioner, screening, consent, lot, plan, dose, telemetry, predicted
    delivery, events, care.
    """
    from dermaport.web.pages.session_report import report_context, report_pdf

    check_writable(out)  # an unwritable path fails before anything is read or audited
    database = open_records(database_url)
    try:
        with database.transaction() as db:
            row = db.get(TreatmentSession, session_id)
            client = db.get(Client, row.client_id) if row is not None else None
            if row is None or client is None:
                raise RecordNotFoundError(
                    f"session {session_id} not found: give an existing id (dermaport sessions list)"
                )
            actor = Actor(username=local_actor(), role="owner", clinic_id=client.clinic_id)
            context = report_context(db, actor, client.id, session_id)
        pdf = report_pdf(context)
    finally:
        database.dispose()
    write_private(out, pdf)
    typer.echo(f"Wrote the report of session {session_id} to {out} ({len(pdf) // 1024} KiB).")
