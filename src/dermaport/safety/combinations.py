"""Time windows between needle-free mesotherapy and other treatments.

The texts conflict: 002 recommends combining iontophoresis with chemical peels and
microdermabrasion, and 001 with laser and microneedling, while 000 lists "recent chemical
peels" as a contraindication and 002 itself forbids current on broken or irritated skin.
dermaport resolves this with waiting times, in both directions: the combination the
recommending texts want is allowed, in sequence, once the skin has closed. The length of a
window follows the clinic aftercare rule "no other treatments for 1–2 weeks": the upper end
(14 days) for treatments that breach or strip the skin, the lower end (7 days) for
microdermabrasion, the mildest, which 002 names as a partner.
"""

from __future__ import annotations

from dataclasses import dataclass

from dermaport.safety.sources import cite

__all__ = ["COMBINATIONS", "Combination"]


@dataclass(frozen=True)
class Combination:
    """A treatment and the days to wait between it and needle-free mesotherapy (either way)."""

    treatment: str
    question_id: str
    days: int
    why: str
    source: str


COMBINATIONS: tuple[Combination, ...] = (
    Combination(
        "chemical peel",
        "last_chemical_peel",
        14,
        "a recent chemical peel is a contraindication (000); 002 recommends combining, so the two are "
        "combined in sequence, two weeks apart",
        cite("000", "002", "clinic-aftercare"),
    ),
    Combination(
        "laser",
        "last_laser",
        14,
        "001 recommends mesotherapy after laser, but current must not flow on broken or irritated skin "
        "(002): wait two weeks for the skin to close",
        cite("001", "002", "clinic-aftercare"),
    ),
    Combination(
        "microneedling",
        "last_microneedling",
        14,
        "001 recommends combining with microneedling, but current must not flow through open channels "
        "(002, broken skin): wait two weeks",
        cite("001", "002", "clinic-aftercare"),
    ),
    Combination(
        "microdermabrasion",
        "last_microdermabrasion",
        7,
        "002 recommends combining with microdermabrasion; it leaves the skin irritated, so wait one week",
        cite("002", "clinic-aftercare"),
    ),
)
