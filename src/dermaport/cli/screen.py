"""``dermaport screen``: the questionnaire, and a client's verdict from their answers."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated

import typer
from rich.table import Table

from dermaport.cli._console import console, print_json
from dermaport.cli._dates import TodayOption, today_or_now
from dermaport.errors import InputError, SafetyError
from dermaport.safety import QUESTIONNAIRE_VERSION, QUESTIONS, AnswerError, Question, ScreeningResult, screen
from dermaport.safety.answers_file import load_answers
from dermaport.safety.questionnaire import read_answers

__all__ = ["screen_command"]

_STYLE = {
    "ok": "green",
    "adjust": "cyan",
    "clearance": "yellow",
    "defer": "yellow",
    "ask": "magenta",
    "stop": "red",
}


def _ask(q: Question, today: dt.date) -> object:
    hint = {
        "yes_no": "y/n",
        "date": "YYYY-MM-DD or never",
        "choice": "/".join(q.choices),
        "text": "text, or blank",
    }[q.kind]
    while True:
        raw = typer.prompt(f"{q.text} [{hint}]", default="", show_default=False).strip()
        if not raw:
            return None  # left unanswered: screening will ask for it
        value: object = raw
        if q.kind == "yes_no":
            folded = raw.lower()
            value = True if folded in ("y", "yes") else False if folded in ("n", "no") else raw
        try:
            read_answers({q.id: value}, today=today)
        except AnswerError as exc:
            typer.echo(f"  {exc}", err=True)
            continue
        return value


def _interactive(today: dt.date) -> dict[str, object]:
    typer.echo(
        f"Screening questionnaire {QUESTIONNAIRE_VERSION}: press Enter to leave a question unanswered."
    )
    return {q.id: _ask(q, today) for q in QUESTIONS}


def _show(result: ScreeningResult) -> None:
    out = console()
    table = Table(
        title=f"Screening ({result.today.isoformat()}, questionnaire {result.version})", show_edge=False
    )
    table.add_column("Question")
    table.add_column("Outcome")
    table.add_column("Reason")
    for f in sorted(result.findings, key=lambda f: -f.outcome.rank):
        if f.outcome.value != "ok":
            table.add_row(f.question_id, f"[{_STYLE[f.outcome.value]}]{f.outcome.value}[/]", f.reason)
    if table.row_count:
        out.print(table)
    out.print(f"Verdict: [{_STYLE[result.verdict.value]}]{result.summary()}[/]")


def screen_command(
    answers: Annotated[
        str | None,
        typer.Option("--answers", help="JSON or YAML file of {question_id: answer}.", show_default=False),
    ] = None,
    questions: Annotated[bool, typer.Option("--questions", help="List the questionnaire instead.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", help="Ask the questions here (the default in a terminal).")
    ] = False,
    today: TodayOption = None,
) -> None:
    """Screen a client: strictest outcome of every answer; exits 1 unless treatment may go ahead.

    Examples: dermaport screen --questions --json; dermaport screen --answers client.yaml
    """
    if questions:
        if json_output:
            print_json([q.to_json() for q in QUESTIONS])
        else:
            for q in QUESTIONS:
                choices = f" ({', '.join(q.choices)})" if q.choices else ""
                typer.echo(f"{q.id} [{q.kind}]{choices}: {q.text}")
        return
    day = today_or_now(today)
    if answers is not None:
        raw = load_answers(answers)
    elif interactive or sys.stdin.isatty():
        raw = _interactive(day)
    else:
        raise InputError("no answers: give --answers FILE (JSON or YAML), e.g. --answers client.json")
    result = screen(raw, today=day)
    if json_output:
        print_json(result.to_json())
    else:
        _show(result)
    if not result.may_treat:
        raise SafetyError(result.summary())
