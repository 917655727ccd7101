"""``dermaport course``: a course of sessions with patch test and pre-care, as JSON and iCalendar."""

from __future__ import annotations

from typing import Annotated

import typer

from dermaport.cli._console import console, print_json
from dermaport.cli._dates import TodayOption, today_or_now
from dermaport.cli._output import writing
from dermaport.planning.calendar import write_ics
from dermaport.planning.course import earliest_start, parse_start, plan_course

__all__ = ["course_command"]


def course_command(
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First session, e.g. 2026-12-01 or 2026-12-01T14:30. Default: the earliest allowed "
            "(a week from today, for the pre-care), at 10:00.",
        ),
    ] = None,
    programme: Annotated[
        str, typer.Option("--programme", help="standard (every two weeks) or monthly (a month apart).")
    ] = "standard",
    sessions: Annotated[
        int | None, typer.Option("--sessions", help="Number of sessions (standard 6–8, monthly 3).")
    ] = None,
    ics: Annotated[str | None, typer.Option("--ics", help="Write the course to this iCalendar file.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    today: TodayOption = None,
) -> None:
    """Date a course from the texts' programmes, with the patch test and pre-care before each session."""
    day = today_or_now(today)
    first = parse_start(start) if start is not None else earliest_start(day)
    course = plan_course(first, programme, sessions=sessions, today=day)
    if ics is not None:
        with writing(ics, example="--ics course.ics"):
            write_ics(course, ics)
    if json_output:
        print_json(course.to_json())
        return
    out = console()
    out.print(f"[bold]{programme}[/bold]: {course.programme.description}")
    out.print(f"Patch test: {course.patch_test:%Y-%m-%d %H:%M} (read it 24 h later)")
    for i, when in enumerate(course.sessions, start=1):
        out.print(f"  session {i}: {when:%Y-%m-%d %H:%M}")
    for i, when in enumerate(course.maintenance, start=1):
        out.print(f"  maintenance {i}: {when:%Y-%m-%d %H:%M}")
    out.print("Pre-care:")
    for day, text in course.precare:
        out.print(f"  from {day.isoformat()}: {text}")
    if ics is not None:
        out.print(f"Written: {ics}")
