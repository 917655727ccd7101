"""Screening: every answer through its rule, and the strictest outcome as the verdict.

``screen(raw_answers, today=...)`` reads the answers strictly (see
:mod:`dermaport.safety.questionnaire`), applies one rule per question and returns a
:class:`ScreeningResult`. ``modalities=`` screens for a treatment with more than galvanic
current: each modality's own questions and rules (:mod:`dermaport.safety.modalities`, e.g.
electroporation's high-voltage contraindications) join in, a rule for a question the
questionnaire already asks replacing the galvanic finding where it is stricter; a galvanic-only
screening is as it always was. A question left unanswered gives an ``ask`` finding: it is never
taken as "no". A ``clearance`` finding stands until ``written_clearance`` is answered yes,
and then becomes an ``adjust`` (keep the letter with the record).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dermaport.errors import SafetyError
from dermaport.safety.modalities import MODALITY_SCREENING, modalities_of
from dermaport.safety.outcomes import Finding, Outcome
from dermaport.safety.questionnaire import QUESTIONNAIRE_VERSION, QUESTIONS, Answers, read_answers
from dermaport.safety.rules import RULES, Rule
from dermaport.safety.sources import cite

__all__ = ["ScreeningResult", "for_steps", "require_for_steps", "screen", "screen_for_steps"]

logger = logging.getLogger(__name__)

_RULES = {rule.question_id: rule for rule in RULES}
#: Questions without a rule of their own, whose answer other rules and planning need.
_NEEDED = {"area": cite("002", "iec60601-2-10")}
_SOURCE_OF_MISSING = cite("dermaport")


@dataclass(frozen=True)
class ScreeningResult:
    """The verdict (strictest outcome), every finding, the date a deferral ends, adjustments."""

    verdict: Outcome
    findings: tuple[Finding, ...]
    defer_until: dt.date | None
    adjustments: tuple[str, ...]
    answers: Answers
    today: dt.date
    version: str = QUESTIONNAIRE_VERSION
    #: The modalities screened for (galvanic always).
    modalities: tuple[str, ...] = ("galvanic",)

    @property
    def may_treat(self) -> bool:
        """True when current may flow today (verdict ``ok`` or ``adjust``)."""
        return not self.verdict.blocks_treatment

    def blocking(self) -> tuple[Finding, ...]:
        """The findings that stop treatment today, strictest first."""
        found = [f for f in self.findings if f.outcome.blocks_treatment]
        return tuple(sorted(found, key=lambda f: -f.outcome.rank))

    def summary(self) -> str:
        """One line: the verdict and the reasons that decide it."""
        if self.may_treat:
            return f"{self.verdict.value}: may treat" + (
                f" with adjustments ({'; '.join(self.adjustments)})" if self.adjustments else ""
            )
        top = [f for f in self.blocking() if f.outcome is self.verdict]
        reasons = "; ".join(f"{f.question_id}: {f.reason}" for f in top)
        if self.verdict is Outcome.DEFER and self.defer_until is not None:
            return f"defer: not before {self.defer_until.isoformat()} ({reasons})"
        if self.verdict is Outcome.ASK:
            return f"ask: answers needed before treatment ({', '.join(f.question_id for f in top)})"
        return f"{self.verdict.value}: {reasons}"

    def to_json(self) -> dict[str, Any]:
        """The contract object of ``dermaport screen --answers FILE --json``."""
        data: dict[str, Any] = {
            "verdict": self.verdict.value,
            "findings": [f.to_json() for f in self.findings],
            "defer_until": self.defer_until.isoformat() if self.defer_until else None,
            "adjustments": list(self.adjustments),
            "questionnaire_version": self.version,
            "date": self.today.isoformat(),
        }
        if self.modalities != ("galvanic",):
            data["modalities"] = list(self.modalities)
        return data


def _missing(qid: str, source: str) -> Finding:
    return Finding(
        qid, Outcome.ASK, "no answer given: ask the client (a missing answer is never taken as no)", source
    )


def _with_clearance(finding: Finding, answers: Answers) -> Finding:
    if finding.outcome is not Outcome.CLEARANCE or answers.get("written_clearance") is not True:
        return finding
    return Finding(
        finding.question_id,
        Outcome.ADJUST,
        finding.reason + " (written clearance on file: keep it with the record)",
        finding.source,
        None,
        f"{finding.question_id}: treat within the doctor's written clearance",
    )


def screen(
    raw_answers: Mapping[str, object], *, today: dt.date, modalities: tuple[str, ...] = ("galvanic",)
) -> ScreeningResult:
    """Screen one client on ``today`` for a treatment of ``modalities``; AnswerError for a bad answer.

    An unknown modality is refused (SafetyError): screening fails closed.
    """
    unknown = [m for m in modalities if m != "galvanic" and m not in MODALITY_SCREENING]
    if unknown:
        raise SafetyError(f"refused: no screening rules for {', '.join(unknown)}")
    return _screen_answers(read_answers(raw_answers, today=today), today, modalities)


def _screen_answers(answers: Answers, today: dt.date, modalities: tuple[str, ...]) -> ScreeningResult:
    findings: list[Finding] = []
    for q in QUESTIONS:
        rule = _RULES.get(q.id)
        if rule is None:
            if q.id in _NEEDED and q.id not in answers:
                findings.append(_missing(q.id, _NEEDED[q.id]))
            continue
        if q.id not in answers:
            findings.append(_missing(q.id, rule.source))
            continue
        findings.append(_with_clearance(rule.apply(answers[q.id], answers, today), answers))
    for modality in modalities:
        for modality_rule in MODALITY_SCREENING.get(modality, ((), ()))[1]:
            _join(findings, _apply(modality_rule, answers, today))
    verdict = max((f.outcome for f in findings), key=lambda o: o.rank, default=Outcome.OK)
    defers = [f.defer_until for f in findings if f.defer_until is not None]
    adjustments = tuple(f.adjustment for f in findings if f.outcome is Outcome.ADJUST and f.adjustment)
    result = ScreeningResult(
        verdict=verdict,
        findings=tuple(findings),
        defer_until=max(defers) if defers else None,
        adjustments=adjustments,
        answers=answers,
        today=today,
        modalities=tuple(dict.fromkeys(("galvanic", *modalities))),
    )
    logger.info("screening %s on %s: %s", QUESTIONNAIRE_VERSION, today, verdict.value)
    return result


def _apply(rule: Rule, answers: Answers, today: dt.date) -> Finding:
    if rule.question_id not in answers:
        return _missing(rule.question_id, rule.source)
    return _with_clearance(rule.apply(answers[rule.question_id], answers, today), answers)


def _join(findings: list[Finding], finding: Finding) -> None:
    """Add a modality's finding; for a question already found, keep the stricter of the two."""
    for i, existing in enumerate(findings):
        if existing.question_id == finding.question_id:
            if finding.outcome.rank > existing.outcome.rank:
                findings[i] = finding
            return
    findings.append(finding)


def screen_for_steps(
    raw_answers: Mapping[str, object], *, today: dt.date, steps: Iterable[str]
) -> ScreeningResult:
    """Screen for the modalities of ``steps`` (step texts): :func:`screen` with ``modalities_of(steps)``."""
    return screen(raw_answers, today=today, modalities=modalities_of(steps))


def for_steps(result: ScreeningResult, steps: Iterable[str]) -> ScreeningResult:
    """``result`` again for the modalities of ``steps`` (the same answers and day).

    The same result when it was screened for them already; otherwise every modality's rules
    join in, so a plan with an electroporation step is held to the high-voltage
    contraindications whatever the screening was first made for.
    """
    wanted = modalities_of(steps)
    if set(wanted) <= set(result.modalities):
        return result
    return _screen_answers(result.answers, result.today, tuple(dict.fromkeys((*result.modalities, *wanted))))


def require_for_steps(result: ScreeningResult, steps: Iterable[str]) -> ScreeningResult:
    """:func:`for_steps`, refusing (SafetyError, with the reasons) when it does not allow treatment."""
    again = for_steps(result, steps)
    if not again.may_treat:
        kinds = ", ".join(m for m in again.modalities if m != "galvanic")
        raise SafetyError(f"refused: screening for {kinds} says {again.summary()}")
    return again
