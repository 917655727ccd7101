"""``dermaport db``, ``dermaport users`` and ``dermaport audit``: the clinic records database."""

from __future__ import annotations

import copy
import errno
import gc
import getpass
import socket
import sys
from typing import Annotated, Any

import typer

from dermaport.config import load_settings
from dermaport.errors import AuditChainError, InputError
from dermaport.records import audit
from dermaport.records.accounts import add_user, check_new_user, check_password, hash_password
from dermaport.records.database import Database, open_database
from dermaport.records.documents import verify_session_digests
from dermaport.records.engine import describe_url

__all__ = [
    "DatabaseUrlOption",
    "audit_app",
    "db_app",
    "local_actor",
    "open_records",
    "serve_command",
    "users_app",
]

#: The interpreter's thread switch interval while serving sessions, s (Python's default is 0.005).
SWITCH_INTERVAL_S = 0.0005

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Records database, e.g. postgresql://user@host/dermaport "
        "(default: DERMAPORT_DATABASE_URL, else a SQLite file in the data directory).",
        show_default=False,
    ),
]

db_app = typer.Typer(
    help="The records database.\n\nExamples:\n\n  dermaport db upgrade\n\n"
    "  dermaport db upgrade --database-url postgresql://postgres@127.0.0.1/dermaport",
    no_args_is_help=True,
)
users_app = typer.Typer(
    help="User accounts.\n\nExample:\n\n  dermaport users add anna --role practitioner",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="The audit trail of every read and write of client data.\n\nExample:\n\n  dermaport audit verify",
    no_args_is_help=True,
)


def local_actor() -> str:
    """How a command run on this machine is named in the audit trail (``cli:`` and the login name)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid, e.g. in a container
        return "cli:unknown"


def open_records(database_url: str | None, *, check_revision: bool = True) -> Database:
    """Open the records database the options and environment name."""
    return open_database(load_settings(), database_url, check_revision=check_revision)


@db_app.command("upgrade")
def upgrade_command(database_url: DatabaseUrlOption = None) -> None:
    """Create or migrate the records database to the newest schema."""
    from dermaport.records.migrate import upgrade

    database = open_records(database_url, check_revision=False)
    try:
        before, after = upgrade(database.engine)
    finally:
        database.dispose()
    where = describe_url(database.url)
    if before == after:
        typer.echo(f"{where} is up to date (revision {after}).")
    else:
        typer.echo(f"{where} migrated from {before or 'empty'} to revision {after}.")


@users_app.command("add")
def add_user_command(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, '.', '_', '-'.")],
    role: Annotated[str, typer.Option("--role", help="owner, practitioner or reception.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of standard input."),
    ] = False,
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic the user belongs to.")] = "default",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add a user account with a role (the password is asked for, or read from standard input)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise InputError("no password given: type one, or pipe it in, e.g. printf '%s\\n' \"$PW\" | ...")
    check_new_user(username=username, role=role, password=password)
    password_hash = hash_password(password)  # before the transaction: argon2 is slow on purpose
    database = open_records(database_url)
    try:
        with database.transaction() as db:
            user = add_user(
                db, local_actor(), username=username, role=role, password_hash=password_hash, clinic=clinic
            )
            user_id = user.id
    finally:
        database.dispose()
    typer.echo(f"Added {role} {username!r} (user {user_id}) to clinic {clinic!r}.")


@audit_app.command("verify")
def verify_command(database_url: DatabaseUrlOption = None) -> None:
    """Check that no audit entry, and no session's stored document, was altered; exit 1 naming it."""
    database = open_records(database_url)
    try:
        with database.transaction() as db:
            report = audit.verify(db)
            sessions = verify_session_digests(db) if report.intact else []
    finally:
        database.dispose()
    if sessions:
        raise AuditChainError(f"session documents altered: {'; '.join(sessions)}", seq=0)
    if not report.intact:
        assert report.bad_seq is not None
        raise AuditChainError(
            f"audit chain broken at entry {report.bad_seq}: {report.problem} "
            f"({report.entries} entries before it are intact)",
            seq=report.bad_seq,
        )
    typer.echo(f"Audit chain intact: {report.entries} entries; head {report.head_hash}")


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (1–65535).")] = 8000,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Addresses of the TLS proxy whose X-Forwarded-For/-Proto are believed, comma-separated "
            "(default: DERMAPORT_FORWARDED_ALLOW_IPS, else none: forwarded headers are ignored).",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
    device: Annotated[
        str, typer.Option("--device", help="The device sessions run on: sim, socket://HOST:PORT, scpi://…")
    ] = "sim",
    sim_speed: Annotated[
        float,
        typer.Option("--sim-speed", help="Run the simulated device (only) N times faster than real time."),
    ] = 1.0,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Try it out: as without it, and add sample clients, products, lots and past sessions "
            "(also to a database given by URL, which it migrates).",
        ),
    ] = False,
    owner_password_stdin: Annotated[
        bool,
        typer.Option(
            "--owner-password-stdin",
            help="On first run, the owner's password from the first line of standard input (else one "
            "is generated and printed once); for the default database or with --demo.",
        ),
    ] = False,
) -> None:
    """Serve the clinic's pages (sign in at /login) and the records API (schema at /openapi.json).

    On the default database (the SQLite file in DERMAPORT_DATA_DIR, else the user's data
    directory) it applies the migrations and, on first run, makes the 'owner' account, its
    one-time password printed (or read with --owner-password-stdin); no sample data without
    --demo. A database given by --database-url or DERMAPORT_DATABASE_URL (a clinic's shared
    one, upgraded on purpose) is refused unless ``dermaport db upgrade`` has migrated it. Forwarded
    headers are ignored unless the proxy's address is named, so a client cannot pick the address
    its failed logins are counted under. Sessions left
    running by a process that died are marked interrupted when it starts.
    """
    import uvicorn

    from dermaport.sessions import SessionService
    from dermaport.sessions.devices import devices_for
    from dermaport.web import create_app

    if not 1 <= port <= 65535:
        raise InputError(f"--port {port} is outside 1–65535: e.g. --port 8000")
    if not host.strip() or any(c.isspace() or c in "/?#@" for c in host):
        raise InputError(f"--host {host!r} is not a host name or address: e.g. --host 127.0.0.1")
    devices = devices_for(device, sim_speed=sim_speed)
    settings = load_settings()
    default_database = database_url is None and settings.database_url is None
    given = None
    if demo or default_database:
        given = sys.stdin.readline().rstrip("\r\n") if owner_password_stdin else None
        if owner_password_stdin and not given:
            raise InputError(
                "--owner-password-stdin read nothing: e.g. printf '%s\\n' \"$PW\" | dermaport serve --demo"
            )
        if given:
            check_password(given)  # before anything is written
    elif owner_password_stdin:
        raise InputError(
            "--owner-password-stdin makes the first owner of the default database or with --demo; a "
            "database given by URL gets its accounts with 'dermaport users add': e.g. dermaport users add "
            "owner --role owner --password-stdin"
        )
    # bound before anything is prepared or printed: a port in use says so, with nothing written
    with listening_socket(host, port) as listening:
        # the session loop shares the interpreter with the API's threads: a short switch interval
        # bounds how long it waits for the interpreter lock behind them (5 ms by default, per thread)
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        prepared = None
        if demo or default_database:
            from dermaport.web.demo import prepare

            if demo:
                typer.echo(
                    "Preparing the demo database (first run: sample sessions take a few seconds)...", err=True
                )
            prepared = prepare(settings, database_url, demo=demo, owner_password=given)
        application = create_app(
            settings,
            database_url=database_url if prepared is None else None,
            database=prepared.database if prepared is not None else None,
            sessions_service=lambda database: SessionService(database, devices=devices),
        )
        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo(
                f"warning: --host {host} serves beyond this machine over plain HTTP; health data must be "
                "encrypted in transit, so put a TLS proxy in front (or serve on 127.0.0.1)",
                err=True,
            )
        # what is loaded now lives as long as the server: keep the collector from walking it again,
        # so that a full collection (which holds the interpreter) stays short for the session loop
        gc.collect()
        gc.freeze()
        typer.echo(f"Serving the records API on http://{host}:{port} (schema at /openapi.json)", err=True)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        if prepared is not None and prepared.owner_password is not None and owner_password_stdin:
            typer.echo(
                f"Open http://{shown}:{port}/login in your browser and sign in as 'owner' with the password "
                "given on standard input."
            )
        elif prepared is not None and prepared.owner_password is not None:
            typer.echo(
                f"Open http://{shown}:{port}/login in your browser and sign in as 'owner' with the password "
                f"{prepared.owner_password} (shown this once: keep it, or change it on the Users page)."
            )
        else:
            typer.echo(f"Open http://{shown}:{port}/login in your browser.")
        trusted = forwarded_allow_ips or settings.forwarded_allow_ips
        config = uvicorn.Config(
            application,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or "",
            log_config=uvicorn_log_config(),
        )
        uvicorn.Server(config).run(sockets=[listening])


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` for the server, or an InputError saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise InputError(
            f"--host {host!r} is not a host name or address here: e.g. --host 127.0.0.1"
        ) from None
    listening = socket.socket(family, kind, proto)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(address)
    except OSError as exc:
        listening.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is in use (another dermaport serve?): stop it, or pick another port, "
                f"e.g. --port {port + 1 if port < 65535 else 8000}"
            ) from None
        if exc.errno == errno.EACCES:
            raise InputError(f"port {port} needs privileges this user lacks: e.g. --port 8000") from None
        raise InputError(f"cannot serve on {host}:{port} ({exc.strerror}): e.g. --host 127.0.0.1") from None
    return listening


def uvicorn_log_config() -> dict[str, Any]:
    """Uvicorn's logging, with query strings (which may hold names) cut from the access lines."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["queryless"] = {"()": "dermaport.web.errors.QuerylessAccessFilter"}
    config["handlers"]["access"]["filters"] = ["queryless"]
    return config
