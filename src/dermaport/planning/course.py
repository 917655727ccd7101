"""Courses: the texts' programmes as dated sessions, with the patch test and pre-care before them.

Programmes (source text 004):

* ``standard``: 6–8 sessions two weeks apart, then maintenance 1–2 times a year
  (dermaport books two, 6 and 12 months after the last session);
* ``monthly``: three sessions a month apart, then maintenance every 3–6 months (dermaport
  books the shorter interval for the first year: 3, 6, 9 and 12 months after the last).

Before them: a patch test 24 h before the first session (004; Beurer FC76), and pre-care
for every session (004): aspirin and blood-thinning supplements paused a week before,
strong actives (vitamin C, retinol) a few days (3) before, alcohol limited the day before.
The first session must leave room for the week of pre-care: it is refused (with the first
possible date) when it starts sooner; without a start, the course begins on that first
possible date (:func:`earliest_start`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from dermaport.errors import InputError
from dermaport.safety.patch_test import PATCH_TEST_HOURS
from dermaport.safety.rules import add_months
from dermaport.safety.sources import cite

__all__ = [
    "PRECARE",
    "PROGRAMMES",
    "Course",
    "PrecareItem",
    "Programme",
    "earliest_start",
    "parse_start",
    "plan_course",
]

DEFAULT_TIME = dt.time(10, 0)
SESSION_MINUTES = 60


@dataclass(frozen=True)
class Programme:
    """Interval between sessions, allowed numbers of sessions, maintenance offsets (months)."""

    name: str
    every_days: int
    every_months: int
    sessions: tuple[int, int]
    maintenance_months: tuple[int, ...]
    description: str


PROGRAMMES: dict[str, Programme] = {
    "standard": Programme(
        "standard", 14, 0, (6, 8), (6, 12), "6–8 sessions two weeks apart, then maintenance 1–2 times a year"
    ),
    "monthly": Programme(
        "monthly",
        0,
        1,
        (3, 3),
        (3, 6, 9, 12),
        "three sessions a month apart, then maintenance every 3–6 months",
    ),
}


@dataclass(frozen=True)
class PrecareItem:
    """Something the client does from ``day`` before a session (``days_before`` it)."""

    days_before: int
    text: str


PRECARE: tuple[PrecareItem, ...] = (
    PrecareItem(
        7,
        "pause aspirin and blood-thinning supplements (fish oil, garlic, ginkgo, vitamin E, high-dose "
        "anti-inflammatories); never stop prescribed medicine without the doctor",
    ),
    PrecareItem(3, "pause strong actives on the area (vitamin C, retinol)"),
    PrecareItem(1, "limit alcohol"),
)
LEAD_DAYS = max(item.days_before for item in PRECARE)


@dataclass(frozen=True)
class Course:
    """Dated sessions, maintenance, the patch test and the pre-care items of one course."""

    programme: Programme
    sessions: tuple[dt.datetime, ...]
    maintenance: tuple[dt.datetime, ...]
    patch_test: dt.datetime
    precare: tuple[tuple[dt.date, str], ...]

    def to_json(self) -> dict[str, Any]:
        """The contract object of ``dermaport course --json``."""
        return {
            "programme": self.programme.name,
            "description": self.programme.description,
            "sessions": [s.isoformat() for s in self.sessions],
            "maintenance": [m.isoformat() for m in self.maintenance],
            "patch_test": self.patch_test.isoformat(),
            "precare": [{"date": day.isoformat(), "item": text} for day, text in self.precare],
            "source": cite("004", "beurer"),
        }


def parse_start(text: str) -> dt.datetime:
    """Read ``2026-12-01`` (at 10:00) or ``2026-12-01T14:30`` as the first session's start."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(raw), DEFAULT_TIME)
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(
            f"start {text!r} is not an ISO date: e.g. --start 2026-12-01 or 2026-12-01T14:30"
        ) from None
    if value.tzinfo is not None:
        raise InputError(f"start {text!r}: give local time without a zone, e.g. 2026-12-01T14:30")
    return value


def earliest_start(today: dt.date) -> dt.datetime:
    """The first session's earliest allowed start: the week of pre-care after ``today``, at 10:00."""
    return dt.datetime.combine(today + dt.timedelta(days=LEAD_DAYS), DEFAULT_TIME)


def plan_course(
    start: dt.datetime,
    programme: Literal["standard", "monthly"] | str,
    *,
    sessions: int | None = None,
    today: dt.date,
) -> Course:
    """Date a course starting at ``start``; raises InputError for a bad programme, count or start."""
    if programme not in PROGRAMMES:
        raise InputError(f"unknown programme {programme!r}: standard or monthly; e.g. --programme standard")
    spec = PROGRAMMES[programme]
    low, high = spec.sessions
    count = low if sessions is None else sessions
    if not low <= count <= high:
        span = f"{low}–{high}" if low != high else f"{low}"
        raise InputError(
            f"{count} sessions do not fit the {programme} programme ({span} sessions, source text 004): "
            f"e.g. --sessions {low}"
        )
    earliest = earliest_start(today).date()
    if start.date() < earliest:
        raise InputError(
            f"start {start.date().isoformat()} is too soon: the week of pre-care and the "
            f"{PATCH_TEST_HOURS} h patch test need it on or after {earliest.isoformat()}; "
            f"e.g. --start {earliest.isoformat()}"
        )
    dates = [_nth(start, i, spec) for i in range(count)]
    last = dates[-1]
    maintenance = tuple(
        dt.datetime.combine(add_months(last.date(), m), last.time()) for m in spec.maintenance_months
    )
    precare = tuple(
        sorted(
            (
                session.date() - dt.timedelta(days=item.days_before),
                f"{item.text} (before {session.date().isoformat()})",
            )
            for session in (*dates, *maintenance)
            for item in PRECARE
        )
    )
    return Course(spec, tuple(dates), maintenance, start - dt.timedelta(hours=PATCH_TEST_HOURS), precare)


def _nth(start: dt.datetime, index: int, spec: Programme) -> dt.datetime:
    if spec.every_months:
        return dt.datetime.combine(add_months(start.date(), index * spec.every_months), start.time())
    return start + dt.timedelta(days=index * spec.every_days)
