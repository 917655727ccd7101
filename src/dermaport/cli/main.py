"""Entry point: builds the Typer app and turns every expected error into one line."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from dermaport import __version__
from dermaport.cli import actives, clients, records, simulate, simulator, skin
from dermaport.cli import run as run_cli
from dermaport.cli import sessions as sessions_cli
from dermaport.cli.care import care_command
from dermaport.cli.course import course_command
from dermaport.cli.plan import plan_command
from dermaport.cli.report import report_command
from dermaport.cli.screen import screen_command
from dermaport.config import load_settings
from dermaport.errors import DermaportError

__all__ = ["app", "main"]

app = typer.Typer(
    name="dermaport",
    help=(
        "Needle-free mesotherapy: cited actives and skin, transport physics, safe plans.\n\n"
        "Examples:\n\n"
        "  dermaport serve --demo   (then open http://127.0.0.1:8000/login)\n\n"
        "  dermaport actives list --ph 5.5\n\n"
        "  dermaport actives show 'sodium ascorbyl phosphate' --ph 7\n\n"
        "  dermaport skin show face\n\n"
        "  dermaport simulate SAP --concentration '3 %' --vehicle-ph 7 "
        "--step 'iontophoresis cathode 0.3 mA/cm2 for 6 min' --observe '1 h'\n\n"
        "  dermaport screen --answers client.json\n\n"
        "  dermaport plan --answers client.json --concern hydration --area face --product sap-ampoule\n\n"
        "  dermaport run --step 'iontophoresis anode 0.2 mA/cm2 for 10 min' --electrode-area '10 cm2'"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(actives.app, name="actives")
app.add_typer(skin.app, name="skin")
app.command("simulate", help=simulate.HELP)(simulate.command)
app.command("screen")(screen_command)
app.command("plan")(plan_command)
app.command("course")(course_command)
app.command("care")(care_command)
app.command("run", help=run_cli.HELP)(run_cli.command)
app.command("simulator", help=simulator.HELP)(simulator.command)
app.add_typer(records.db_app, name="db")
app.add_typer(records.users_app, name="users")
app.add_typer(records.audit_app, name="audit")
app.add_typer(clients.app, name="clients")
app.add_typer(sessions_cli.app, name="sessions")
app.command("serve")(records.serve_command)
app.command("report")(report_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dermaport {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what the library does.")] = False,
) -> None:
    level = "DEBUG" if verbose else load_settings().log_level
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {message}\n")
    return code


def _given(argv: list[str], opts: list[str]) -> str | None:
    """The value given to the option named ``opts`` in ``argv`` (its last), if any."""
    value = None
    for i, token in enumerate(argv):
        name, equals, attached = token.partition("=")
        if name in opts:
            value = attached if equals else (argv[i + 1] if i + 1 < len(argv) else None)
    return value


def _bad_option_value(exc: Exception, argv: list[str]) -> str | None:
    """An option's unparsable value as one line naming it, with the option's default as the example."""
    param = getattr(exc, "param", None)
    opts = list(getattr(param, "opts", None) or [])
    if type(exc).__name__ != "BadParameter" or not any(o.startswith("-") for o in opts):
        return None
    value = _given(argv, opts)
    if value is None:
        return None
    option = max(opts, key=len)
    default = getattr(param, "default", None)
    example = f": e.g. {option} {default}" if isinstance(default, int | float | str) and default != "" else ""
    if isinstance(default, bool):
        example = ""
    reason = str(getattr(exc, "message", "")).rstrip(".")
    return f"{option} {value!r} is not valid ({reason}){example}"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 refused, 2 bad input).

    Every expected error prints one line on standard error, without a traceback.
    """
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="dermaport", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, as Typer exposes them
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help has been printed
            return 0
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = _bad_option_value(exc, sys.argv[1:] if argv is None else argv) or exc.format_message()
        return _fail(message.replace("\n", " ") + where, 2)
    except (typer.Abort, KeyboardInterrupt):
        return _fail("aborted", 130)
    except DermaportError as exc:
        return _fail(str(exc), 2 if isinstance(exc, ValueError) else 1)
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
