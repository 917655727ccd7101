"""The verdict is the strictest outcome; missing answers ask; deferrals end on the computed day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermaport.errors import InputError
from dermaport.safety import QUESTIONS, AnswerError, Outcome, screen
from dermaport.safety.rules import add_months
from tests.safety.helpers import OK_ANSWERS, TODAY, answers


def test_strictest_outcome_wins() -> None:
    raw = answers(
        skin_sensitivity="sensitive",  # adjust
        diabetes_insulin=True,  # clearance
        last_chemical_peel="2026-11-20",  # defer
        pregnant=True,  # stop
    )
    assert screen(raw, today=TODAY).verdict is Outcome.STOP
    del raw["pregnant"]
    assert screen(raw, today=TODAY).verdict is Outcome.ASK  # the missing answer could be a stop
    raw["pregnant"] = False
    result = screen(raw, today=TODAY)
    assert result.verdict is Outcome.DEFER
    assert result.defer_until == dt.date(2026, 12, 4)
    raw["last_chemical_peel"] = "never"
    assert screen(raw, today=TODAY).verdict is Outcome.CLEARANCE
    raw["diabetes_insulin"] = False
    assert screen(raw, today=TODAY).verdict is Outcome.ADJUST


def test_the_latest_deferral_decides_the_date() -> None:
    result = screen(answers(last_chemical_peel="2026-11-20", last_laser="2026-11-10"), today=TODAY)
    assert result.defer_until == dt.date(2026, 12, 4)


@pytest.mark.parametrize("qid", [q.id for q in QUESTIONS if q.id != "written_clearance"])
def test_a_missing_answer_is_never_ok(qid: str) -> None:
    raw = dict(OK_ANSWERS)
    del raw[qid]
    result = screen(raw, today=TODAY)
    finding = next(f for f in result.findings if f.question_id == qid)
    assert finding.outcome is Outcome.ASK
    assert result.verdict is Outcome.ASK
    assert not result.may_treat


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_null_or_blank_is_missing(blank: object) -> None:
    assert screen(answers(pregnant=blank), today=TODAY).verdict is Outcome.ASK


def test_no_answers_at_all_asks_every_question() -> None:
    result = screen({}, today=TODAY)
    assert result.verdict is Outcome.ASK
    assert {f.question_id for f in result.findings} >= {"area", "pregnant", "pacemaker"}


@pytest.mark.parametrize(
    ("qid", "done", "last_deferred_day", "first_free_day"),
    [
        ("last_chemical_peel", "2026-11-10", "2026-11-23", "2026-11-24"),  # 14 days
        ("last_microdermabrasion", "2026-11-10", "2026-11-16", "2026-11-17"),  # 7 days
        ("retinoid_or_vitamin_c_last_use", "2026-11-10", "2026-11-12", "2026-11-13"),  # 3 days
        ("isotretinoin_last_dose", "2026-05-10", "2026-11-09", "2026-11-10"),  # 6 months
        ("recent_scar", "2025-11-10", "2026-11-09", "2026-11-10"),  # 12 months
    ],
)
def test_deferral_ends_on_the_computed_day(
    qid: str, done: str, last_deferred_day: str, first_free_day: str
) -> None:
    last = dt.date.fromisoformat(last_deferred_day)
    first = dt.date.fromisoformat(first_free_day)
    deferred = screen(answers(**{qid: done}), today=last)
    assert deferred.verdict is Outcome.DEFER
    assert deferred.defer_until == first
    assert screen(answers(**{qid: done}), today=first).verdict is Outcome.OK


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"pregnnt": False}, "unknown question id 'pregnnt'"),
        ({"last_chemical_peel": "12/03/2026"}, "not a date: '12/03/2026'"),
        ({"last_chemical_peel": "2026-3-1"}, "not a date"),
        ({"last_chemical_peel": "2027-01-01"}, "in the future"),
        ({"pregnant": "maybe"}, "must be true or false"),
        ({"area": "elbow"}, "not one of face, neck"),
        ({"area": 3}, "must be one of"),
    ],
)
def test_bad_answers_are_one_clear_error(raw: dict[str, object], fragment: str) -> None:
    with pytest.raises(AnswerError) as info:
        screen(raw, today=TODAY)
    assert fragment in str(info.value)
    assert isinstance(info.value, InputError)
    assert "\n" not in str(info.value)


def test_choices_fold_case_and_dates_accept_date_objects() -> None:
    result = screen(answers(area="Décolleté", last_laser=dt.date(2026, 1, 1)), today=TODAY)
    assert result.answers["area"] == "decollete"
    assert result.verdict is Outcome.OK


stop_questions = st.sampled_from(
    ["pacemaker", "pregnant", "epilepsy", "heart_disease", "broken_skin", "steroids"]
)


@given(stop_questions, st.dictionaries(st.sampled_from(sorted(OK_ANSWERS)), st.none()))
def test_any_stop_answer_gives_a_stop_whatever_else(stop: str, dropped: dict[str, None]) -> None:
    raw = {**OK_ANSWERS, **dropped, stop: True}
    assert screen(raw, today=TODAY).verdict is Outcome.STOP
