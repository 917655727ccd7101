"""Treating a client from the command line: store a plan, run and record it, list and show sessions.

``dermaport plan --client ID`` and ``dermaport run --client ID --plan-id N`` act for a signed-in
clinic user: ``--user NAME`` with the password asked for (or ``--password-stdin``). The sign-in
is an ordinary login (throttled, audited); the session's records name that user.
``dermaport sessions list/show`` read as the machine's operator (``cli:LOGIN``), as
``dermaport clients export`` does.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Annotated, Any

import typer
from sqlalchemy import select

from dermaport.cli._console import console, print_json
from dermaport.cli.records import DatabaseUrlOption, local_actor, open_records
from dermaport.errors import InputError, RecordNotFoundError
from dermaport.planning.predictor import Predictor
from dermaport.records.access import Actor
from dermaport.records.accounts import authenticate
from dermaport.records.clinical import get_session, session_documents
from dermaport.records.database import Database
from dermaport.records.models import Client, Lot, PatchTest, PlanRecord, Product, TreatmentSession
from dermaport.sessions import PlanIn, create_plan
from dermaport.sessions.checks import same_product

__all__ = [
    "PasswordStdinOption",
    "UserOption",
    "app",
    "default_lot",
    "sessions_table",
    "sign_in",
    "store_plan",
]

UserOption = Annotated[
    str | None,
    typer.Option("--user", help="The clinic user who acts (asked for the password), e.g. --user pia."),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the user's password from the first line of standard input."),
]

app = typer.Typer(
    help="A client's treatment sessions.\n\nExamples:\n\n  dermaport sessions list --client 12\n\n"
    "  dermaport sessions show 40 --json",
    no_args_is_help=True,
)


def sign_in(database: Database, user: str | None, password_stdin: bool) -> Actor:
    """Sign ``user`` in (password from the prompt or standard input); the actor, or AuthenticationError."""
    if not user:
        raise InputError(
            "a treatment is recorded for a signed-in clinic user: give --user NAME, e.g. --user pia"
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password for {user}", hide_input=True, err=True)
    _, row = authenticate(database, username=user, password=password, address="cli")
    return Actor(username=row.username, role=row.role, clinic_id=row.clinic_id, user_id=row.id)


def store_plan(
    *,
    client_id: int,
    data: PlanIn,
    user: str | None,
    password_stdin: bool,
    database_url: str | None,
    predictor: Predictor,
    json_output: bool,
) -> None:
    """``dermaport plan --client ID``: plan from the client's latest screening, store it, print its id."""
    database = open_records(database_url)
    try:
        actor = sign_in(database, user, password_stdin)
        stored = create_plan(database, actor, client_id, data, predictor=predictor)
    finally:
        database.dispose()
    if json_output:
        print_json(stored)
        return
    out = console()
    out.print(f"Plan {stored['id']} stored for client {client_id} (digest {stored['digest'][:12]}…)")
    for i, step in enumerate(stored["steps"], start=1):
        out.print(f"  {i}. {step}")


def default_lot(database: Database, actor: Actor, client_id: int, plan_id: int) -> int:
    """The lot of the client's latest patch test with the plan's product (when ``--lot`` is left out)."""
    with database.transaction() as db:
        plan = db.get(PlanRecord, plan_id)
        if plan is None or plan.client_id != client_id:
            raise RecordNotFoundError(f"plan {plan_id} of client {client_id} not found: e.g. --plan-id 1")
        planned: Mapping[str, Any] = plan.content.get("product") or {}
        rows = db.execute(
            select(Lot.id, Product)
            .join(PatchTest, PatchTest.lot_id == Lot.id)
            .join(Product, Product.id == Lot.product_id)
            .where(PatchTest.client_id == client_id, Product.clinic_id == actor.clinic_id)
            .order_by(PatchTest.applied_at.desc())
        ).all()
    for lot_id, product in rows:
        if same_product(product, planned):
            return int(lot_id)
    raise InputError(
        f"no patch-tested lot of {planned.get('name')} for client {client_id}: give the lot, e.g. --lot 3"
    )


def _operator(database: Database, client_id: int) -> Actor:
    with database.transaction() as db:
        client = db.get(Client, client_id)
        if client is None:
            raise RecordNotFoundError(f"client {client_id} not found: give an existing id, e.g. 1")
        return Actor(username=local_actor(), role="owner", clinic_id=client.clinic_id)


def sessions_table(rows: list[dict[str, Any]]) -> None:
    """Print sessions as a table."""
    from rich.table import Table

    table = Table("id", "started", "plan", "lot", "status", "dose mA·min", "reason")
    for r in rows:
        planned = r["planned_dose_mA_min"]
        dose = f"{r['charge_dose_mA_min']:.3f}" + (f" of {planned:.3f}" if planned is not None else "")
        table.add_row(
            str(r["id"]),
            r["started_at"][:19],
            str(r["plan_id"] or "-"),
            str(r["lot_id"] or "-"),
            r["status"],
            dose,
            r["reason"][:60],
        )
    console().print(table)


@app.command("list")
def list_command(
    client: Annotated[int, typer.Option("--client", help="The client's id, e.g. 12.", min=1, max=2**31 - 1)],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """A client's sessions: plan, lot, status, dose and reason."""
    database = open_records(database_url)
    try:
        actor = _operator(database, client)
        with database.transaction() as db:
            ids = list(
                db.scalars(
                    select(TreatmentSession.id)
                    .where(TreatmentSession.client_id == client)
                    .order_by(TreatmentSession.started_at, TreatmentSession.id)
                )
            )
            rows = [get_session(db, actor, client, i).model_dump(mode="json") for i in ids]
    finally:
        database.dispose()
    if json_output:
        print_json(rows)
    else:
        sessions_table(rows)


@app.command("show")
def show_command(
    session_id: Annotated[int, typer.Argument(help="The session's id, e.g. 40.", min=1, max=2**31 - 1)],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, with the telemetry.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """One session: plan, lot, status, reason, dose and the telemetry (every reading and event)."""
    database = open_records(database_url)
    try:
        with database.transaction() as db:
            row = db.get(TreatmentSession, session_id)
            if row is None:
                raise RecordNotFoundError(
                    f"session {session_id} not found: list them with dermaport sessions list"
                )
            client_id = row.client_id
        actor = _operator(database, client_id)
        with database.transaction() as db:
            session = get_session(db, actor, client_id, session_id).model_dump(mode="json")
            documents = [
                d.model_dump(mode="json") for d in session_documents(db, actor, client_id, session_id)
            ]
    finally:
        database.dispose()
    readings = [d["body"] for d in documents if d["name"] == "reading"]
    events = [d["body"] for d in documents if d["name"] == "event"]
    if json_output:
        print_json({**session, "telemetry": {"readings": readings, "events": events}})
        return
    out = console()
    out.print(
        f"session {session['id']} of client {client_id}: [bold]{session['status']}[/] "
        f"({session['reason'] or '-'})"
    )
    out.print(
        f"plan {session['plan_id'] or '-'}, lot {session['lot_id'] or '-'}, device {session['device_serial']}"
    )
    planned = session["planned_dose_mA_min"]
    out.print(
        f"dose {session['charge_dose_mA_min']:.3f}" + (f" of {planned:.3f} mA·min" if planned else " mA·min")
    )
    out.print(f"{len(readings)} readings, {len(events)} events")
    for e in events:
        if e["kind"] not in ("state",):
            out.print(f"  {e['time_s']:8.2f} s  {e['kind']}")


def run_recorded(
    *,
    client_id: int,
    plan_id: int | None,
    lot_id: int | None,
    user: str | None,
    password_stdin: bool,
    database_url: str | None,
    device: str,
    realtime: bool,
    json_output: bool,
    confirm_holds: bool = False,
) -> int:
    """``dermaport run --client ID --plan-id N [--lot ID]``: check, run and record; the exit status."""
    import contextlib
    import signal
    import types

    from rich.console import Console
    from rich.live import Live

    from dermaport.cli import run as run_cli
    from dermaport.device.runner import RunResult, SessionRunner
    from dermaport.sessions import SessionService
    from dermaport.sessions.devices import DeviceProvider, SimulatedDevices, devices_for

    if plan_id is None:
        raise InputError(f"give the stored plan to run: e.g. --client {client_id} --plan-id 1")
    database = open_records(database_url)
    try:
        actor = sign_in(database, user, password_stdin)
        lot = lot_id if lot_id is not None else default_lot(database, actor, client_id, plan_id)
        provider: DeviceProvider = (
            SimulatedDevices(speed=1.0 if realtime else None)
            if device.strip() == "sim"
            else devices_for(device)
        )
        service = SessionService(database, devices=provider)
        with database.transaction() as db:
            plan = db.get(PlanRecord, plan_id)
            product = str((plan.content.get("product") or {}).get("name", "?")) if plan else "?"
            lot_row = db.get(Lot, lot)
            lot_text = f"{lot} ({lot_row.lot_number})" if lot_row else str(lot)
        runners: list[SessionRunner] = []
        presses = 0
        stack = contextlib.ExitStack()
        err = Console(stderr=True, highlight=False)

        def wire(runner: SessionRunner) -> None:
            """The operator's keys and the holds between steps, as ``dermaport run`` has them."""
            runners.append(runner)
            keys = run_cli.Keys(runner) if run_cli.Keys.available() else None
            if keys is not None:
                stack.enter_context(keys.reading())
            runner.subscribe(
                run_cli.Holds(runner, keys=keys is not None, confirm=confirm_holds, prompt=err.print)
            )

        def on_interrupt(signum: int, frame: types.FrameType | None) -> None:
            nonlocal presses
            presses += 1
            if presses > 1 or not runners:
                raise KeyboardInterrupt
            runners[0].stop()

        header = (
            ("client", str(client_id)),
            ("product", product),
            ("lot", lot_text),
            ("operator", actor.username),
        )
        view = None
        subscribers = []
        if not json_output:
            from dermaport.device.session_plan import plan_from_json

            if plan is None:
                raise RecordNotFoundError(f"plan {plan_id} not found: e.g. --plan-id 1")
            view = run_cli.LiveView(
                plan_from_json(plan.content, source=f"plan {plan_id}"),
                keys=run_cli.Keys.available(),
                header=header,
            )
            subscribers.append(view)
        try:
            previous = signal.signal(signal.SIGINT, on_interrupt)
        except ValueError:
            previous = None
        try:
            stack.__enter__()
            if view is None:
                session_id, result = service.run(
                    actor, client_id, plan_id, lot, subscribers=subscribers, on_runner=wire
                )
            else:
                out = console()
                with Live(get_renderable=view.render, console=out, refresh_per_second=8):
                    session_id, result = service.run(
                        actor, client_id, plan_id, lot, subscribers=subscribers, on_runner=wire
                    )
                if not out.is_terminal:
                    out.line()
        finally:
            stack.close()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    finally:
        database.dispose()
    assert isinstance(result, RunResult)
    if json_output:
        print_json(
            {
                "session_id": session_id,
                "client_id": client_id,
                "plan_id": plan_id,
                "lot_id": lot,
                **result.to_json(),
            }
        )
    else:
        run_cli.summary(result, console())
        console().print(f"recorded as session {session_id} of client {client_id}")
    return {"complete": 0, "failed": run_cli.EXIT_FAILED, "stopped": run_cli.EXIT_STOPPED}[result.status]
