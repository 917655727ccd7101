"""Client safety: the screening questionnaire and its rules, hard limits, patch test, combinations.

Each rule names the text or source it follows (:mod:`dermaport.safety.sources`); the hard
limits in :mod:`dermaport.safety.limits` are module constants that no option can raise.
"""

from dermaport.safety.outcomes import Finding, Outcome
from dermaport.safety.questionnaire import (
    QUESTIONNAIRE_VERSION,
    QUESTIONS,
    AnswerError,
    Question,
    read_answers,
)
from dermaport.safety.screening import ScreeningResult, screen

__all__ = [
    "QUESTIONNAIRE_VERSION",
    "QUESTIONS",
    "AnswerError",
    "Finding",
    "Outcome",
    "Question",
    "ScreeningResult",
    "read_answers",
    "screen",
]
