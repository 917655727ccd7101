"""Contraindications specific to high-voltage pulses (electroporation), as data with sources.

Not yet registered with screening (another branch changes it): :data:`PULSE_QUESTIONS` are
the questions the questionnaire lacks, :data:`PULSE_RULES` the rules that hold when a plan has
an electroporation step. A rule here replaces the galvanic rule of the same question id when
it is stricter; :func:`pulse_findings` evaluates them standalone. Sources by key in
:data:`PULSE_SOURCES` (and the shared ones of :mod:`dermaport.safety.sources`).

What changes for pulses of tens to 150 V, against galvanic current of a few volts:

- implanted electronics of any kind, not only pacemakers and ICDs (cochlear implants,
  neurostimulators, drug pumps): the standard for stimulators asks for specialist medical
  opinion first (AS/IEC 60601-2-10, 201.7.9.2.101 d);
- metal in the current path, including the face (dental implants, braces, plates, piercings):
  metal concentrates the field; the galvanic rule lets metal elsewhere pass, these rules adjust
  the set-up so that no current path runs through the body;
- heavy dental fillings become a stop, not a caution, for pulses on the face;
- keloid-prone skin: the pulses make local lesions (LTRs), and keloids exclude mesotherapy.

Epilepsy, pregnancy, pacemakers, broken skin and reduced sensation already stop treatment
under the galvanic rules and stay so (the same sources name them for stimulators).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

from dermaport.safety.outcomes import Finding, Outcome
from dermaport.safety.questionnaire import Answers, AnswerValue, Question
from dermaport.safety.rules import Evaluate, Rule
from dermaport.safety.sources import SOURCES

__all__ = ["PULSE_QUESTIONS", "PULSE_RULES", "PULSE_SOURCES", "pulse_findings"]

PULSE_SOURCES: Final = {
    "as60601-2-10-ifu": "AS 60601.2.10:2018 (IEC 60601-2-10:2012) 201.7.9.2.101 d): a patient with an "
    "implanted electronic device should not be stimulated unless specialist medical opinion has first "
    "been obtained",
    "hidrex": "Hidrex iontophoresis manual: ICD, metal IUD or implants in the current path, epilepsy, heart "
    "disease",
}


def _cite(*keys: str) -> str:
    return "; ".join(PULSE_SOURCES.get(k) or SOURCES[k] for k in keys)


PULSE_QUESTIONS: Final = (
    Question(
        "implanted_device_other",
        "Do you have any other implanted device: cochlear implant, neurostimulator, insulin or drug pump?",
        "yes_no",
    ),
    Question(
        "metal_in_face",
        "Is there metal in the face: dental implants, braces, plates, screws or a piercing?",
        "yes_no",
    ),
    Question("keloids", "Do you form keloids (raised, spreading scars)?", "yes_no"),
)


def _yes(outcome: Outcome, reason: str) -> Evaluate:
    def evaluate(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, None]:
        return (outcome, reason, None, None) if value is True else (Outcome.OK, "no", None, None)

    return evaluate


def _metal(value: AnswerValue, answers: Answers, today: dt.date) -> tuple[Outcome, str, None, str | None]:
    if value == "in_treatment_area":
        return (
            Outcome.STOP,
            "metal in the area concentrates the pulses' field: no electroporation",
            None,
            None,
        )
    if value == "elsewhere":
        return (
            Outcome.ADJUST,
            "metal elsewhere in the body: no current path may run through it",
            None,
            "pulses only with a bipolar handpiece on the area (no return electrode held in the hand)",
        )
    return Outcome.OK, "no metal implants", None, None


PULSE_RULES: Final = (
    Rule(
        "implanted_device_other",
        _cite("as60601-2-10-ifu", "manuals"),
        _yes(Outcome.CLEARANCE, "an implanted device: a specialist must clear high-voltage pulses first"),
    ),
    Rule(
        "pacemaker",
        _cite("as60601-2-10-ifu", "hidrex", "002"),
        _yes(Outcome.STOP, "a pacemaker or ICD: no high-voltage pulses"),
    ),
    Rule("metal_implants", _cite("hidrex", "beauty-contraindications", "002"), _metal),
    Rule(
        "metal_in_face",
        _cite("hidrex", "beauty-contraindications"),
        _yes(Outcome.STOP, "metal in the face lies in the current path of facial pulses"),
    ),
    Rule(
        "excessive_dental_fillings",
        _cite("000", "hidrex"),
        _yes(Outcome.STOP, "many metal fillings lie in the current path of facial pulses"),
    ),
    Rule(
        "epilepsy",
        _cite("hidrex", "beauty-contraindications"),
        _yes(Outcome.STOP, "epilepsy: pulsed stimulation is excluded"),
    ),
    Rule(
        "pregnant",
        _cite("002", "004", "manuals"),
        _yes(Outcome.STOP, "pregnancy: the safety of high-voltage pulses is not established"),
    ),
    Rule(
        "broken_skin",
        _cite("002", "manuals"),
        _yes(Outcome.STOP, "broken skin has no barrier to porate: the current would flow through the wound"),
    ),
    Rule(
        "reduced_sensation",
        _cite("manuals"),
        _yes(Outcome.STOP, "reduced feeling: the client could not report the heat of the pulses"),
    ),
    Rule(
        "keloids", _cite("borciani"), _yes(Outcome.STOP, "keloid-prone skin: the pulses make local lesions")
    ),
)


def pulse_findings(answers: Mapping[str, AnswerValue], *, today: dt.date) -> tuple[Finding, ...]:
    """The findings of :data:`PULSE_RULES` for ``answers``; a missing answer is ``ask``."""
    findings = []
    for rule in PULSE_RULES:
        if rule.question_id not in answers:
            findings.append(Finding(rule.question_id, Outcome.ASK, "not answered", rule.source))
            continue
        findings.append(rule.apply(answers[rule.question_id], dict(answers), today))
    return tuple(findings)
