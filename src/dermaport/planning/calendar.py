"""Export a course as an iCalendar file (RFC 5545), written atomically.

Sessions, maintenance sessions and the patch test are timed events in floating local time;
pre-care items are all-day events on the day they start. The file is written to a temporary
file beside the target and renamed over it, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import icalendar

from dermaport.errors import InputError
from dermaport.planning.course import SESSION_MINUTES, Course

__all__ = ["course_calendar", "write_ics"]


def _event(
    uid: str, summary: str, start: dt.datetime | dt.date, minutes: int | None, stamp: dt.datetime
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", start)
    if minutes is not None:
        event.add("duration", dt.timedelta(minutes=minutes))
    return event


def course_calendar(course: Course, *, stamp: dt.datetime | None = None) -> icalendar.Calendar:
    """The course as an iCalendar object."""
    stamp = stamp or dt.datetime.now(dt.UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//dermaport//course//EN")
    calendar.add("version", "2.0")
    key = course.sessions[0].strftime("%Y%m%dT%H%M")
    total = len(course.sessions)
    for i, when in enumerate(course.sessions, start=1):
        calendar.add_component(
            _event(
                f"{key}-session-{i}@dermaport",
                f"Mesotherapy session {i} of {total}",
                when,
                SESSION_MINUTES,
                stamp,
            )
        )
    for i, when in enumerate(course.maintenance, start=1):
        calendar.add_component(
            _event(
                f"{key}-maintenance-{i}@dermaport",
                f"Mesotherapy maintenance {i}",
                when,
                SESSION_MINUTES,
                stamp,
            )
        )
    calendar.add_component(
        _event(f"{key}-patch-test@dermaport", "Patch test (read it 24 h later)", course.patch_test, 15, stamp)
    )
    for i, (day, text) in enumerate(course.precare, start=1):
        calendar.add_component(_event(f"{key}-precare-{i}@dermaport", f"Pre-care: {text}", day, None, stamp))
    return calendar


def write_ics(course: Course, path: str | Path) -> Path:
    """Write the course to ``path`` atomically; raises InputError if it cannot be written."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(
            f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist; e.g. --ics course.ics"
        )
    if target.is_dir():
        raise InputError(f"cannot write {str(path)!r}: it is a folder; e.g. --ics course.ics")
    data = course_calendar(course).to_ical()
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror}") from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
