"""Outcomes of screening, from the mildest to the strictest, and one finding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Outcome"]


class Outcome(StrEnum):
    """What an answer means for treatment today. Compare strictness with :attr:`rank`.

    ``ask`` is a missing answer: it blocks treatment like a ``stop`` could, because the
    answer it waits for might be one, and goes away once the answer is given.
    """

    OK = "ok"
    ADJUST = "adjust"  # treat, with changed settings
    CLEARANCE = "clearance"  # needs a doctor's written clearance
    DEFER = "defer"  # not before a computed date
    ASK = "ask"  # the answer is missing
    STOP = "stop"  # do not treat

    @property
    def rank(self) -> int:
        """0 for ``ok`` up to 5 for ``stop``: the verdict is the finding of highest rank."""
        return _RANK[self]

    @property
    def blocks_treatment(self) -> bool:
        """True when no current may flow today."""
        return self.rank >= Outcome.CLEARANCE.rank


_RANK = {outcome: i for i, outcome in enumerate(Outcome)}


@dataclass(frozen=True)
class Finding:
    """What one answer means: outcome, plain-language reason and its source."""

    question_id: str
    outcome: Outcome
    reason: str
    source: str
    defer_until: dt.date | None = None
    adjustment: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract object (``question_id``, ``outcome``, ``reason``, ``source``) and extras."""
        data: dict[str, Any] = {
            "question_id": self.question_id,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "source": self.source,
        }
        if self.defer_until is not None:
            data["defer_until"] = self.defer_until.isoformat()
        return data
