"""Patch test: 24 h before the first session with a product and whenever the product changes.

A session may start only when a *negative* patch test with the same product, read at least
24 h after it was applied, is on record (004: "skin reactions should be checked 24 hours
before"; Beurer FC76: lowest intensity, an inconspicuous area of the neck, do not treat if
red or painful). The runner and the records enforce this when they land; planning lists a
missing test as a pending requirement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dermaport.safety.sources import cite

__all__ = ["PATCH_TEST_HOURS", "PatchTest", "PatchTestStatus", "patch_test_status"]

PATCH_TEST_HOURS = 24
SOURCE = cite("004", "beurer", "002")
HOW = (
    "apply the product at the lowest intensity on an inconspicuous area of the neck, and read it "
    f"at least {PATCH_TEST_HOURS} h later: do not treat if it is red or painful"
)


@dataclass(frozen=True)
class PatchTest:
    """One patch test on record: product, when applied, result (``None`` while not read)."""

    product: str
    applied_at: dt.datetime
    result: Literal["negative", "positive"] | None


@dataclass(frozen=True)
class PatchTestStatus:
    """Whether a session with ``product`` may start at ``at``, and why."""

    may_start: bool
    reason: str
    source: str = SOURCE


def patch_test_status(records: Iterable[PatchTest], *, product: str, at: dt.datetime) -> PatchTestStatus:
    """Decide from the records whether a session with ``product`` may start at ``at``."""
    same = [r for r in records if r.product.casefold() == product.casefold() and r.applied_at <= at]
    if any(r.result == "positive" for r in same):
        return PatchTestStatus(False, f"patch test with {product} was positive: do not use it")
    due = dt.timedelta(hours=PATCH_TEST_HOURS)
    if any(r.result == "negative" and at - r.applied_at >= due for r in same):
        return PatchTestStatus(True, f"negative patch test with {product} at least {PATCH_TEST_HOURS} h old")
    if any(r.result is None or at - r.applied_at < due for r in same):
        return PatchTestStatus(False, f"patch test with {product} not yet read {PATCH_TEST_HOURS} h on: wait")
    return PatchTestStatus(False, f"patch test pending with {product}: {HOW}")
