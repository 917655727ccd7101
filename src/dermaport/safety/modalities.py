"""Screening per modality: the questions and rules a modality adds to the galvanic ones.

The questionnaire (:mod:`dermaport.safety.questionnaire`) and its rules
(:mod:`dermaport.safety.rules`) are those of galvanic current, what every treatment of the
texts is screened for. A modality whose output carries risks of its own registers here the
questions it adds and the rules it applies (:data:`MODALITY_SCREENING`): electroporation's
high-voltage contraindications (:mod:`dermaport.safety.pulse_contraindications`, with their
sources). :func:`dermaport.safety.screening.screen` applies them when asked to screen for a
treatment with that modality (``modalities=``), and a plan's steps say which modalities it
has (:func:`modalities_of`). A later modality (ultrasound, radio frequency) adds its module and
one entry here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS, PULSE_RULES
from dermaport.safety.questionnaire import Question
from dermaport.safety.rules import Rule

__all__ = ["MODALITY_SCREENING", "STEP_MODALITY", "extra_questions", "modalities_of"]

#: The questions and rules each modality adds (galvanic: none beyond the questionnaire's).
MODALITY_SCREENING: Final[dict[str, tuple[tuple[Question, ...], tuple[Rule, ...]]]] = {
    "electroporation": (PULSE_QUESTIONS, PULSE_RULES),
}

#: A step's first word → the modality of its output (steps without output have none).
STEP_MODALITY: Final = {
    "iontophoresis": "galvanic",
    "desincrustation": "galvanic",
    "electroporation": "electroporation",
}


def modalities_of(steps: Iterable[str]) -> tuple[str, ...]:
    """The modalities of ``steps`` (step texts), each once, galvanic always among them.

    Galvanic is always screened for: its questionnaire is every treatment's.
    """
    found = [STEP_MODALITY.get(text.strip().split(" ", 1)[0].lower()) for text in steps]
    return tuple(dict.fromkeys(["galvanic", *(m for m in found if m is not None)]))


def extra_questions() -> tuple[Question, ...]:
    """Every question a modality adds, each once."""
    seen: dict[str, Question] = {}
    for questions, _ in MODALITY_SCREENING.values():
        for q in questions:
            seen.setdefault(q.id, q)
    return tuple(seen.values())
