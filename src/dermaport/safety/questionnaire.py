"""The screening questionnaire: versioned questions and strict reading of answers.

Answers arrive as ``{question_id: value}`` (from a JSON or YAML file, or typed at the
terminal). Yes/no answers are booleans; dates are ISO dates (``2026-03-12``) or ``never``;
choices are one of the listed words; text is free text. A missing answer (absent, ``null``
or blank) is kept as missing, and screening asks for it: it is never taken as "no". A value
that cannot be read (an unknown question id, a date in another format, a choice not
offered, a date in the future) raises :class:`AnswerError` naming the value and showing a
valid example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dermaport.errors import InputError

__all__ = [
    "QUESTIONNAIRE_VERSION",
    "QUESTIONS",
    "AnswerError",
    "AnswerValue",
    "Answers",
    "Question",
    "question",
    "read_answers",
]

#: Bump when a question is added, removed or changes meaning; recorded with every screening.
QUESTIONNAIRE_VERSION = "1.0"

Kind = Literal["yes_no", "date", "choice", "text"]
#: A read answer: a boolean, a date (``None`` inside a date answer is not used: "never" is
#: the string ``"never"``), a choice or text.
AnswerValue = bool | dt.date | str
Answers = dict[str, AnswerValue]

NEVER = "never"


class AnswerError(InputError):
    """An answer that cannot be read, or an answer to a question that does not exist."""


@dataclass(frozen=True)
class Question:
    """One question: ``id`` (stable key), ``text`` for the client, ``kind`` and ``choices``."""

    id: str
    text: str
    kind: Kind
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The contract object of ``dermaport screen --questions --json``."""
        data: dict[str, Any] = {"id": self.id, "text": self.text, "kind": self.kind}
        if self.choices:
            data["choices"] = list(self.choices)
        return data


def _yn(qid: str, text: str) -> Question:
    return Question(qid, text, "yes_no")


def _date(qid: str, text: str) -> Question:
    return Question(qid, text + " (an ISO date such as 2026-03-12, or 'never')", "date")


QUESTIONS: tuple[Question, ...] = (
    Question(
        "area", "Which area is to be treated?", "choice", ("face", "neck", "decollete", "scalp", "body")
    ),
    Question(
        "skin_sensitivity", "How sensitive is the skin?", "choice", ("normal", "sensitive", "very_sensitive")
    ),
    _yn(
        "pacemaker",
        "Do you have a pacemaker, an implanted defibrillator (ICD) or other implanted electronics?",
    ),
    Question(
        "metal_implants",
        "Do you have metal implants, plates, pins or a metal IUD, and where?",
        "choice",
        ("none", "in_treatment_area", "elsewhere"),
    ),
    _yn("excessive_dental_fillings", "Do you have many metal dental fillings?"),
    _yn("epilepsy", "Do you have epilepsy?"),
    _yn("heart_disease", "Do you have heart disease?"),
    _yn("pregnant", "Are you pregnant, or could you be?"),
    _yn("breastfeeding", "Are you breastfeeding?"),
    _yn("cancer_treatment", "Do you have cancer, or are you having chemotherapy or radiotherapy?"),
    _yn("diabetes_insulin", "Do you have diabetes treated with insulin?"),
    _yn("coagulation_disorder", "Do you have a blood clotting disorder (such as haemophilia)?"),
    _yn("paralysis_history", "Have you ever had paralysis?"),
    _yn("reduced_sensation", "Is feeling reduced (numbness) anywhere in the treatment area?"),
    _yn("allergy_to_ingredients", "Are you allergic to any ingredient of the products to be used?"),
    _yn("urticaria", "Do you have urticaria (hives)?"),
    _yn(
        "skin_condition_flare",
        "Is there inflamed psoriasis, eczema, rosacea or pustular acne in the treatment area now?",
    ),
    _yn(
        "skin_infection",
        "Is there a skin infection now: bacterial (impetigo, boils), viral (cold sores, warts), "
        "fungal (ringworm), scabies or lice?",
    ),
    _yn("eye_infection", "Do you have an eye infection such as conjunctivitis?"),
    _yn("broken_skin", "Is the skin in the treatment area broken, irritated or sunburnt?"),
    _yn("steroids", "Are you taking steroid medication (tablets, or creams on the treatment area)?"),
    Question(
        "blood_thinners",
        "Do you take blood thinners: prescribed, or aspirin, fish oil, garlic, ginkgo, vitamin E or "
        "high-dose anti-inflammatories?",
        "choice",
        ("none", "supplements_or_otc", "prescribed"),
    ),
    _date("isotretinoin_last_dose", "When did you last take isotretinoin (Accutane)?"),
    _date("retinoid_or_vitamin_c_last_use", "When did you last use retinol or strong vitamin C on the area?"),
    _date("last_chemical_peel", "When did you last have a chemical peel?"),
    _date("last_laser", "When did you last have a laser treatment on the area?"),
    _date("last_microneedling", "When did you last have microneedling on the area?"),
    _date("last_microdermabrasion", "When did you last have microdermabrasion on the area?"),
    _date("recent_scar", "When did you last have a new scar or surgery in the treatment area?"),
    _yn("jewellery_removed", "Has all jewellery been removed from the treatment area and the arms?"),
    Question(
        "other_conditions",
        "Any other medical condition or medication we have not asked about? ('none' if not)",
        "text",
    ),
    _yn("written_clearance", "Has a doctor given written clearance for this treatment (kept on file)?"),
)

_BY_ID = {q.id: q for q in QUESTIONS}


def question(qid: str) -> Question:
    """The question ``qid`` (of the questionnaire or one a modality adds); AnswerError naming it."""
    try:
        return _BY_ID[qid]
    except KeyError:
        from dermaport.safety.modalities import extra_questions  # they import this module

        extra = next((q for q in extra_questions() if q.id == qid), None)
        if extra is not None:
            return extra
        raise AnswerError(
            f"unknown question id {qid!r}: see 'dermaport screen --questions'; e.g. 'pregnant'"
        ) from None


def _read_date(q: Question, value: object, today: dt.date) -> AnswerValue:
    example = f"give an ISO date such as {today.replace(day=1).isoformat()}, or 'never'"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() == NEVER:
            return NEVER
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise AnswerError(f"answer to {q.id!r} is not a date: {value!r}; {example}") from None
        if len(text) != 10:
            raise AnswerError(f"answer to {q.id!r} is not a date: {value!r}; {example}")
    else:
        raise AnswerError(f"answer to {q.id!r} is not a date: {value!r}; {example}")
    if day > today:
        raise AnswerError(f"answer to {q.id!r} is in the future: {day.isoformat()}; {example}")
    return day


def _read_one(q: Question, value: object, today: dt.date) -> AnswerValue:
    if q.kind == "yes_no":
        if isinstance(value, bool):
            return value
        raise AnswerError(
            f"answer to {q.id!r} must be true or false, not {value!r}: e.g. {{{q.id!r}: false}}"
        )
    if q.kind == "date":
        return _read_date(q, value, today)
    if not isinstance(value, str):
        hint = f"one of {', '.join(q.choices)}" if q.choices else "text"
        raise AnswerError(f"answer to {q.id!r} must be {hint}, not {value!r}")
    if q.kind == "choice":
        folded = value.strip().lower().replace("-", "_").replace(" ", "_").replace("é", "e")
        if folded not in q.choices:
            raise AnswerError(
                f"answer to {q.id!r} is not one of {', '.join(q.choices)}: {value!r}; e.g. {q.choices[0]!r}"
            )
        return folded
    return value.strip()


def _blank(q: Question, value: object) -> bool:
    if value is None:
        return True
    return q.kind != "text" and isinstance(value, str) and not value.strip()


def read_answers(raw: Mapping[str, object], *, today: dt.date) -> Answers:
    """Read ``{question_id: value}`` strictly; missing (``null``, blank) answers are left out.

    Raises :class:`AnswerError` for an unknown id or a value that cannot be read.
    """
    answers: Answers = {}
    for qid, value in raw.items():
        q = question(str(qid))
        if _blank(q, value):
            continue
        answers[q.id] = _read_one(q, value, today)
    return answers
