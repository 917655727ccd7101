"""The ``--today`` option shared by screen, plan and course."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from dermaport.errors import InputError

__all__ = ["TodayOption", "today_or_now"]

TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today", help="Decide as on this date (ISO, e.g. 2026-11-21). Default: today.", show_default=False
    ),
]


def today_or_now(value: str | None) -> dt.date:
    """The ``--today`` date, or the system's date."""
    if value is None:
        return dt.date.today()
    try:
        if len(value.strip()) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"--today {value!r} is not an ISO date: e.g. --today 2026-11-21") from None
