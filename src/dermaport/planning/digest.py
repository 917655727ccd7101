"""The digest of a plan document: SHA-256 over its canonical JSON.

A plan document is what ``dermaport plan --json`` prints (and what the records store for a
client's plan): the steps and settings, the product, the prediction and the screening it was
made from. Its ``digest`` is the SHA-256 (hex) of the canonical JSON of every other key
(sorted keys, no spaces, UTF-8, no NaN), so a file or a stored plan whose content was edited
no longer matches its digest. ``id`` (a stored plan's number) is not part of the content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dermaport.planning.plan import Plan
    from dermaport.safety.screening import ScreeningResult

__all__ = [
    "NOT_DIGESTED",
    "canonical_json",
    "plan_digest",
    "plan_document",
    "screening_summary",
    "with_digest",
]

#: Keys of a plan document that are not part of what its digest covers.
NOT_DIGESTED = frozenset({"digest", "id"})


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON: sorted keys, no spaces, UTF-8 text, finite numbers only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def plan_digest(document: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of a plan document's content (every key but ``digest`` and ``id``)."""
    content = {k: v for k, v in document.items() if k not in NOT_DIGESTED}
    # through JSON once, so that tuples and lists, ints and floats hash as they will be read back
    normalised = json.loads(canonical_json(content))
    return hashlib.sha256(canonical_json(normalised).encode("utf-8")).hexdigest()


def with_digest(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with its ``digest`` key set."""
    out = dict(document)
    out["digest"] = plan_digest(document)
    return out


def screening_summary(screening: ScreeningResult, *, screening_id: int | None = None) -> dict[str, Any]:
    """What a plan document records of the screening it was made from (``id`` once stored)."""
    return {
        "id": screening_id,
        "verdict": screening.verdict.value,
        "questionnaire_version": screening.version,
        "date": screening.today.isoformat(),
        "defer_until": screening.defer_until.isoformat() if screening.defer_until else None,
        "adjustments": list(screening.adjustments),
    }


def plan_document(
    plan: Plan, screening: ScreeningResult, *, screening_id: int | None = None
) -> dict[str, Any]:
    """The plan document ``dermaport plan --json`` prints and the records store, with its digest.

    Every key of :meth:`Plan.to_json` (steps, settings, ``product``, ``predicted``), the
    ``screening`` it was made from (:func:`screening_summary`), and ``digest``.
    """
    return with_digest(
        {**plan.to_json(), "screening": screening_summary(screening, screening_id=screening_id)}
    )
