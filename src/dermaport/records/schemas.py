"""Typed values into and out of the records functions (the API uses the same ones).

Every string is bounded and free of NUL characters and every id fits a 32-bit integer, so
input that passes validation can always be stored on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from dermaport.errors import InputError
from dermaport.safety.questionnaire import QUESTIONNAIRE_VERSION, read_answers

__all__ = [
    "AdverseEventIn",
    "AppointmentIn",
    "AppointmentStatusIn",
    "ConsentIn",
    "ContactIn",
    "ContactPatch",
    "CourseIn",
    "Id",
    "LotIn",
    "NoteIn",
    "OutcomeIn",
    "PatchTestIn",
    "PatchTestReadingIn",
    "PhotoIn",
    "ProductIn",
    "ScreeningIn",
]

#: A database id (1 … 2³¹−1).
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]

_NO_NUL = r"^[^\x00]*$"


def _text(max_length: int, min_length: int = 0) -> Any:
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=_NO_NUL)


#: Bounded strings without NUL characters, by their longest length.
Code = Annotated[str, _text(50, 1)]
Short = Annotated[str, _text(100, 1)]
Name = Annotated[str, _text(200, 1)]
Phone = Annotated[str, _text(50)]
Email = Annotated[str, _text(320)]
Paragraph = Annotated[str, _text(5000)]
Address = Annotated[str, _text(2000)]
Long = Annotated[str, _text(20_000, 1)]
Document = Annotated[str, _text(100_000, 1)]
Picture = Annotated[str, _text(20_000_000, 1)]


def _plausible(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2200:  # the local year: converting year 1 to UTC could overflow
        raise ValueError(f"time {value.isoformat()} is outside 1900–2200, e.g. 2026-03-01T10:00:00+01:00")
    return value


def _plausible_date(value: date) -> date:
    if not 1900 <= value.year <= 2200:
        raise ValueError(f"date {value.isoformat()} is outside 1900–2200, e.g. 2027-06-30")
    return value


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]{1,64}@" + _LABEL + r"(?:\." + _LABEL + r")+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{4,40}")
#: The oldest client a date of birth may make (years).
OLDEST_AGE_Y = 130


def _email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    if not _EMAIL.fullmatch(value) or value.rsplit(".", 1)[1].isdigit():
        raise ValueError("is not an e-mail address, e.g. anna.berg@example.com")
    return value


def _phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.fullmatch(value) or not 6 <= digits <= 15:
        raise ValueError(
            "is not a phone number (6–15 digits, spaces, dashes, a leading +), e.g. +44 20 7946 0000"
        )
    return value


def _birth_date(value: date | None) -> date | None:
    if value is None:
        return None
    today = date.today()
    if value > today or today.year - value.year > OLDEST_AGE_Y:
        raise ValueError(f"must be a past date within {OLDEST_AGE_Y} years, e.g. 1985-04-12")
    return value


#: A timezone-aware time between 1900 and 2200.
Time = Annotated[AwareDatetime, AfterValidator(_plausible)]
#: A calendar date between 1900 and 2200.
Day = Annotated[date, AfterValidator(_plausible_date)]

Answer = Address | bool | int | float | None
#: A validated e-mail address, phone number and plausible date of birth (messages never quote the value).
EmailAddress = Annotated[Email | None, AfterValidator(_email)]
PhoneNumber = Annotated[Phone | None, AfterValidator(_phone)]
BirthDate = Annotated[Day | None, AfterValidator(_birth_date)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ContactIn(_In):
    """A new client's personal data and contact details (e-mail, phone and birth date checked)."""

    given_name: Name
    family_name: Name
    date_of_birth: BirthDate = None
    email: EmailAddress = None
    phone: PhoneNumber = None
    address: Address | None = None


class ContactPatch(_In):
    """Changes to a client's contact details (only the fields given change)."""

    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: BirthDate = None
    email: EmailAddress = None
    phone: PhoneNumber = None
    address: Address | None = None


def _local_today() -> date:
    return datetime.now().date()


class ScreeningIn(_In):
    """A screening's answers by question id (and the questionnaire version they answer).

    The verdict is not an input: the screening rules compute it
    (:func:`dermaport.safety.screening.screen`); a ``verdict`` key is refused. An unknown
    questionnaire version, an unknown question id or an unreadable answer is refused too.
    """

    answers: dict[Short, Answer] = Field(max_length=200)
    questionnaire_version: Code = QUESTIONNAIRE_VERSION

    @model_validator(mode="after")
    def _readable(self) -> ScreeningIn:
        if self.questionnaire_version != QUESTIONNAIRE_VERSION:
            raise ValueError(
                f"questionnaire version {self.questionnaire_version!r} is not known: this dermaport asks "
                f'version {QUESTIONNAIRE_VERSION!r}, e.g. "questionnaire_version": "{QUESTIONNAIRE_VERSION}"'
            )
        try:
            read_answers(self.answers, today=_local_today())
        except InputError as exc:
            raise ValueError(str(exc)) from exc
        return self


class ConsentIn(_In):
    """A signed consent: form name and version, the exact text shown, the signature."""

    form: Short
    form_version: Code
    text: Document
    signature: Document
    covers_photos: bool = False
    signed_at: Time | None = None


class PatchTestIn(_In):
    """A patch test applied: where, which lot (product and lot number), when (default now).

    The reading is a second step (:class:`PatchTestReadingIn`), at least 24 h after
    ``applied_at``. A test applied and read earlier may be recorded at once with ``result``
    and ``read_at`` (then the same 24 h rule holds).
    """

    site: Short
    lot_id: Id | None = None
    applied_at: Time | None = None
    result: Literal["pending", "negative", "positive"] = "pending"
    notes: Paragraph = ""
    read_at: Time | None = None


class PatchTestReadingIn(_In):
    """The reading of a pending patch test: ``negative`` or ``positive``, at ``read_at`` (default now)."""

    result: Literal["negative", "positive"]
    read_at: Time | None = None
    notes: Paragraph = ""


class NoteIn(_In):
    """A clinical note, optionally about one session."""

    text: Long
    session_id: Id | None = None


class AdverseEventIn(_In):
    """A side effect or adverse event."""

    kind: Literal["side_effect", "adverse_event"]
    severity: Literal["mild", "moderate", "severe"]
    description: Long
    session_id: Id | None = None
    onset_at: Time | None = None


class ProductIn(_In):
    """A product: its name, its active and the concentration as written on it (e.g. ``3 %``).

    ``active`` is an active of the library (by name or alias) or ``other``; the concentration,
    when given, is 0–100 % (or mg/mL, mM) and within the active's water solubility when known.
    """

    name: Name
    active: Name
    concentration: Annotated[str, _text(50)] = ""


class LotIn(_In):
    """A lot (batch) of a product, with its expiry date."""

    lot_number: Short
    expires_on: Day


class CourseIn(_In):
    """A course of treatments: a name and how many sessions it holds."""

    name: Name
    sessions_planned: int = Field(ge=1, le=100)


class AppointmentIn(_In):
    """An appointment: start time, length in minutes, optional course and practitioner."""

    starts_at: Time
    duration_min: int = Field(ge=5, le=480)
    course_id: Id | None = None
    practitioner_id: Id | None = None
    room: Short | None = None


class OutcomeIn(_In):
    """What came of a session: the practitioner's account of the result and the skin afterwards."""

    outcome: Long


class AppointmentStatusIn(_In):
    """A booked appointment's new state."""

    status: Literal["booked", "attended", "cancelled", "no_show"]


class PhotoIn(_In):
    """A photo as base64 (JPEG or PNG, at most 15 MB), and the consent that covers it."""

    consent_id: Id
    kind: Literal["before", "after", "other"]
    session_id: Id | None = None
    image_base64: Picture
