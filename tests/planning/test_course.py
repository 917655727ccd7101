"""Courses follow the texts' programmes; the iCalendar file opens in a standard parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest

from dermaport.errors import InputError
from dermaport.planning.calendar import write_ics
from dermaport.planning.care import care_sheet
from dermaport.planning.course import parse_start, plan_course

TODAY = dt.date(2026, 11, 21)
START = dt.datetime(2026, 12, 1, 10, 0)


def test_standard_programme_is_two_weeks_apart_then_maintenance_twice_a_year() -> None:
    course = plan_course(START, "standard", today=TODAY)
    assert len(course.sessions) == 6  # 6–8 sessions two weeks apart (004)
    assert all(
        b - a == dt.timedelta(days=14) for a, b in zip(course.sessions, course.sessions[1:], strict=False)
    )
    assert course.maintenance == (dt.datetime(2027, 8, 9, 10), dt.datetime(2028, 2, 9, 10))
    assert course.patch_test == START - dt.timedelta(hours=24)
    assert len(plan_course(START, "standard", sessions=8, today=TODAY).sessions) == 8


def test_monthly_programme() -> None:
    course = plan_course(dt.datetime(2027, 1, 31, 9, 30), "monthly", today=TODAY)
    assert [s.date().isoformat() for s in course.sessions] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    assert course.maintenance[0] == dt.datetime(2027, 6, 30, 9, 30)  # 3 months after the last


def test_precare_is_dated_before_every_session() -> None:
    course = plan_course(START, "standard", today=TODAY)
    data = course.to_json()
    assert data["precare"][0]["date"] == "2026-11-24"
    assert "aspirin" in data["precare"][0]["item"]
    assert any(p["date"] == "2026-11-28" and "vitamin C" in p["item"] for p in data["precare"])
    assert set(data) >= {"sessions", "maintenance", "patch_test", "precare"}


def test_start_must_leave_room_for_precare_and_the_patch_test() -> None:
    assert plan_course(dt.datetime(2026, 11, 28, 10), "standard", today=TODAY).sessions
    with pytest.raises(InputError, match="on or after 2026-11-28"):
        plan_course(dt.datetime(2026, 11, 27, 10), "standard", today=TODAY)


@pytest.mark.parametrize(
    ("programme", "sessions", "fragment"),
    [
        ("weekly", None, "unknown programme 'weekly'"),
        ("standard", 5, "6–8 sessions"),
        ("monthly", 4, "3 sessions,"),
    ],
)
def test_bad_programmes(programme: str, sessions: int | None, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        plan_course(START, programme, sessions=sessions, today=TODAY)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text", ["01/12/2026", "2026-13-01", "tomorrow", "2026-12-01T10:00+01:00"])
def test_bad_start(text: str) -> None:
    with pytest.raises(InputError, match="start"):
        parse_start(text)


def test_start_accepts_date_or_datetime() -> None:
    assert parse_start("2026-12-01") == START
    assert parse_start("2026-12-01T14:30") == dt.datetime(2026, 12, 1, 14, 30)


def test_ics_opens_in_a_standard_parser_and_holds_every_session(tmp_path: Path) -> None:
    course = plan_course(START, "standard", sessions=7, today=TODAY)
    path = write_ics(course, tmp_path / "course.ics")
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    starts = {e.decoded("dtstart") for e in calendar.walk("VEVENT")}
    assert set(course.sessions) <= starts
    assert set(course.maintenance) <= starts
    assert course.patch_test in starts
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert sum(s.startswith("Mesotherapy session") for s in summaries) == 7
    assert len({str(e.get("uid")) for e in calendar.walk("VEVENT")}) == len(summaries)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_ics_into_a_missing_folder_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    course = plan_course(START, "standard", today=TODAY)
    with pytest.raises(InputError, match="does not exist"):
        write_ics(course, tmp_path / "nope" / "course.ics")
    assert list(tmp_path.iterdir()) == []


def test_ics_replaces_an_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "course.ics"
    path.write_text("old")
    write_ics(plan_course(START, "monthly", today=TODAY), path)
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_care_sheet_cites_every_line() -> None:
    sheet = care_sheet("face")
    items = (*sheet.before, *sheet.after, *sheet.side_effects)
    assert all(i.source for i in items)
    text = sheet.to_text()
    assert "10–15 hours" in text  # no water, no make-up (004)
    assert "SPF 30" in text  # clinic aftercare
    assert "patch test" in text
    assert sheet.to_json()["area"] == "face"
