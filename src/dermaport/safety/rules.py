"""One rule per question: what its answer means, with a plain-language reason and source.

Rules follow the texts (DOMAIN.md §4): some forbid treatment (``stop``), some postpone it
to a computed date (``defer``), some need a doctor's written clearance (``clearance``),
some change the settings (``adjust``). Where the texts conflict the rule says how it is
resolved (see :mod:`dermaport.safety.combinations` and docs/planning.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dermaport.safety.combinations import COMBINATIONS, Combination
from dermaport.safety.outcomes import Finding, Outcome
from dermaport.safety.questionnaire import NEVER, Answers, AnswerValue
from dermaport.safety.sources import cite

__all__ = ["RULES", "Rule", "add_months"]

#: Rule function: (answer, all answers, today) → finding fields (outcome, reason, defer, adjustment).
Evaluate = Callable[[AnswerValue, Answers, dt.date], tuple[Outcome, str, dt.date | None, str | None]]

HEAD_AREAS = frozenset({"face", "neck", "scalp"})
ISOTRETINOIN_WINDOW_MONTHS = 6
RETINOID_WINDOW_DAYS = 3
SCAR_WINDOW_MONTHS = 12


@dataclass(frozen=True)
class Rule:
    """The rule for one question: the sources it follows (full text) and its evaluation."""

    question_id: str
    source: str
    evaluate: Evaluate

    def apply(self, value: AnswerValue, answers: Answers, today: dt.date) -> Finding:
        """The finding for ``value`` (the answer to this rule's question)."""
        outcome, reason, until, adjustment = self.evaluate(value, answers, today)
        return Finding(self.question_id, outcome, reason, self.source, until, adjustment)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month if needed)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _yes(outcome: Outcome, reason_yes: str, reason_no: str = "no") -> Evaluate:
    def evaluate(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, None]:
        return (outcome, reason_yes, None, None) if value is True else (Outcome.OK, reason_no, None, None)

    return evaluate


def _no(outcome: Outcome, reason_no: str, adjustment: str) -> Evaluate:
    def evaluate(
        value: AnswerValue, answers: Answers, today: dt.date
    ) -> tuple[Outcome, str, None, str | None]:
        return (outcome, reason_no, None, adjustment) if value is False else (Outcome.OK, "yes", None, None)

    return evaluate


def _window(what: str, *, days: int = 0, months: int = 0, why: str | None = None) -> Evaluate:
    span = f"{months} months" if months else f"{days} days"

    def evaluate(
        value: AnswerValue, answers: Answers, today: dt.date
    ) -> tuple[Outcome, str, dt.date | None, None]:
        if value == NEVER or not isinstance(value, dt.date):
            return Outcome.OK, f"no {what}", None, None
        until = add_months(value, months) + dt.timedelta(days=days)
        if today < until:
            because = why or f"wait {span}"
            return (
                Outcome.DEFER,
                f"{what} on {value.isoformat()}: {because}; treat from {until.isoformat()}",
                until,
                None,
            )
        return Outcome.OK, f"{what} on {value.isoformat()}: {span} have passed", None, None

    return evaluate


def _metal(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, str | None]:
    if value == "in_treatment_area":
        return Outcome.STOP, "metal in the treatment area would lie in the current path", None, None
    if value == "elsewhere":
        return (
            Outcome.ADJUST,
            "metal implant away from the treatment area: keep the current path off it",
            None,
            "place the return electrode on the side away from the implant so no current crosses it",
        )
    return Outcome.OK, "no metal implants", None, None


def _dental(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, None]:
    area = answers.get("area")
    if value is not True:
        return Outcome.OK, "no", None, None
    if area in HEAD_AREAS:
        return Outcome.STOP, f"many metal fillings lie close to the current path on the {area}", None, None
    if area is None:
        return Outcome.ASK, "many metal fillings: the treatment area is needed to decide", None, None
    return Outcome.OK, f"many metal fillings, but the {area} is far from the teeth", None, None


def _sensitivity(
    value: AnswerValue, answers: Answers, today: dt.date
) -> tuple[Outcome, str, None, str | None]:
    if value == "sensitive":
        return (
            Outcome.ADJUST,
            "sensitive skin: lowest intensity and a shorter time",
            None,
            "sensitive skin: current density at most 0.2 mA/cm² and a shorter time",
        )
    if value == "very_sensitive":
        return (
            Outcome.ADJUST,
            "very sensitive skin: lowest intensity and a shorter time; rash or dark marks are possible",
            None,
            "very sensitive skin: current density at most 0.1 mA/cm² and a shorter time",
        )
    return Outcome.OK, "normal skin", None, None


def _thinners(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, str | None]:
    if value == "prescribed":
        return (
            Outcome.CLEARANCE,
            "prescribed blood thinners: never stop them for a beauty treatment; ask the doctor",
            None,
            None,
        )
    if value == "supplements_or_otc":
        return (
            Outcome.ADJUST,
            "aspirin or blood-thinning supplements: the texts ask for a one-week pause before a session",
            None,
            "advise pausing aspirin and blood-thinning supplements for a week before each session",
        )
    return Outcome.OK, "no blood thinners", None, None


def _other(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, None]:
    text = str(value).strip()
    if text.lower() in ("", "none", "no", "nothing", "n/a"):
        return Outcome.OK, "nothing else declared", None, None
    return (
        Outcome.CLEARANCE,
        f"other condition or medication declared ({text}): a doctor should clear it",
        None,
        None,
    )


def _combination(combo: Combination) -> Rule:
    return Rule(combo.question_id, combo.source, _window(combo.treatment, days=combo.days, why=combo.why))


def _rule(qid: str, keys: tuple[str, ...], evaluate: Evaluate) -> Rule:
    return Rule(qid, cite(*keys), evaluate)


_NOT_TODAY = "do not treat today; screen again once it has healed"

RULES: tuple[Rule, ...] = (
    _rule("skin_sensitivity", ("000", "gbo"), _sensitivity),
    _rule(
        "pacemaker",
        ("002", "manuals", "iec60601-2-10"),
        _yes(Outcome.STOP, "implanted electronics can be disturbed by the current"),
    ),
    _rule("metal_implants", ("002", "manuals", "beauty-contraindications"), _metal),
    _rule("excessive_dental_fillings", ("000",), _dental),
    _rule(
        "epilepsy",
        ("manuals", "beauty-contraindications"),
        _yes(Outcome.STOP, "epilepsy: the device manuals exclude it"),
    ),
    _rule(
        "heart_disease", ("000", "004", "manuals"), _yes(Outcome.STOP, "heart disease is a contraindication")
    ),
    _rule(
        "pregnant",
        ("002", "004", "manuals"),
        _yes(Outcome.STOP, "pregnancy: safety is not established; do not treat"),
    ),
    _rule("breastfeeding", ("004",), _yes(Outcome.STOP, "breastfeeding: not a candidate for mesotherapy")),
    _rule(
        "cancer_treatment",
        ("000", "004"),
        _yes(Outcome.STOP, "cancer, chemotherapy or radiotherapy: do not treat"),
    ),
    _rule(
        "diabetes_insulin",
        ("004",),
        _yes(Outcome.CLEARANCE, "insulin-treated diabetes: skin healing and sensation can be affected"),
    ),
    _rule(
        "coagulation_disorder",
        ("004", "beauty-contraindications"),
        _yes(Outcome.STOP, "a blood clotting disorder: not a candidate for mesotherapy"),
    ),
    _rule("paralysis_history", ("004",), _yes(Outcome.STOP, "a history of paralysis: not a candidate")),
    _rule(
        "reduced_sensation",
        ("manuals",),
        _yes(Outcome.STOP, "reduced feeling in the area: the client could not tell a burn starting"),
    ),
    _rule(
        "allergy_to_ingredients",
        ("004", "manuals"),
        _yes(Outcome.STOP, "allergy to an ingredient of the products: do not use them"),
    ),
    _rule("urticaria", ("004",), _yes(Outcome.STOP, "urticaria (hives): not a candidate")),
    _rule(
        "skin_condition_flare",
        ("000", "beauty-contraindications", "borciani"),
        _yes(Outcome.STOP, f"inflamed psoriasis, eczema, rosacea or pustular acne: {_NOT_TODAY}"),
    ),
    _rule(
        "skin_infection",
        ("000", "borciani"),
        _yes(Outcome.STOP, f"a skin infection or infestation spreads with treatment: {_NOT_TODAY}"),
    ),
    _rule("eye_infection", ("000",), _yes(Outcome.STOP, f"an eye infection: {_NOT_TODAY}")),
    _rule(
        "broken_skin",
        ("002", "manuals", "beauty-contraindications"),
        _yes(Outcome.STOP, f"broken, irritated or sunburnt skin burns under current: {_NOT_TODAY}"),
    ),
    _rule(
        "steroids",
        ("000",),
        _yes(Outcome.STOP, "steroids thin the skin: do not treat while taking them"),
    ),
    _rule("blood_thinners", ("004",), _thinners),
    _rule(
        "isotretinoin_last_dose",
        ("000", "borciani", "dermaport"),
        _window("isotretinoin (thins the skin)", months=ISOTRETINOIN_WINDOW_MONTHS),
    ),
    _rule(
        "retinoid_or_vitamin_c_last_use",
        ("004", "000"),
        _window("retinol or strong vitamin C (makes the skin more sensitive)", days=RETINOID_WINDOW_DAYS),
    ),
    *(_combination(c) for c in COMBINATIONS),
    _rule(
        "recent_scar",
        ("beauty-contraindications", "manuals"),
        _window("a new scar or surgery in the area", months=SCAR_WINDOW_MONTHS),
    ),
    _rule(
        "jewellery_removed",
        ("manuals",),
        _no(Outcome.ADJUST, "jewellery still worn", "remove all jewellery from the area and the arms first"),
    ),
    _rule("other_conditions", ("000", "002"), _other),
)
