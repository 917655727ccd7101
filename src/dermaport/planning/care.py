"""Pre-care and aftercare in plain language, each line with its source.

From source text 004 (written for injected mesotherapy: where its reason is bruising, which
a needle-free method does not cause, the line says so but keeps the advice where the other
reason, sensitivity, still holds), the clinic aftercare pages (sun, sweat, sauna, other
treatments) and the device notes on erythema after current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dermaport.safety.combinations import COMBINATIONS
from dermaport.safety.sources import cite

__all__ = ["CareItem", "CareSheet", "care_sheet"]


@dataclass(frozen=True)
class CareItem:
    """One instruction and its source."""

    text: str
    source: str


@dataclass(frozen=True)
class CareSheet:
    """What the client does before and after the treatment."""

    area: str | None
    before: tuple[CareItem, ...]
    after: tuple[CareItem, ...]
    side_effects: tuple[CareItem, ...]

    def to_json(self) -> dict[str, Any]:
        """A plain object for ``dermaport care --json``."""

        def items(group: tuple[CareItem, ...]) -> list[dict[str, str]]:
            return [{"text": i.text, "source": i.source} for i in group]

        return {
            "area": self.area,
            "before": items(self.before),
            "after": items(self.after),
            "side_effects": items(self.side_effects),
        }

    def to_text(self) -> str:
        """The sheet as plain text to print and hand to the client."""
        where = f" ({self.area})" if self.area else ""
        lines = [f"Needle-free mesotherapy{where}: care before and after", "", "Before your treatment"]
        lines += [f"  - {i.text}" for i in self.before]
        lines += ["", "After your treatment"]
        lines += [f"  - {i.text}" for i in self.after]
        lines += ["", "Tell us at once if you notice"]
        lines += [f"  - {i.text}" for i in self.side_effects]
        sources = sorted({i.source for i in (*self.before, *self.after, *self.side_effects)})
        lines += ["", "Sources:"] + [f"  {s}" for s in sources]
        return "\n".join(lines)


def _before() -> tuple[CareItem, ...]:
    s004 = cite("004")
    windows = ", ".join(f"{c.treatment} {c.days} days" for c in COMBINATIONS)
    return (
        CareItem("A patch test of the product 24 hours before your first session, and whenever the product "
                 "changes: tell us if the spot turns red or sore.", cite("004", "beurer")),
        CareItem("For a week before: no aspirin or blood-thinning supplements (fish oil, garlic, ginkgo, "
                 "vitamin E, high-dose anti-inflammatories). Never stop a prescribed medicine without your "
                 "doctor. (The texts ask this for injections, against bruising; we keep it as a precaution.)",
                 s004),
        CareItem("For 3 days before: no strong actives on the area (vitamin C, retinol): they make "
                 "the skin more sensitive.", s004),
        CareItem("The day before: limit alcohol.", s004),
        CareItem(f"Keep these gaps to other treatments on the area: {windows}.", COMBINATIONS[0].source),
        CareItem("On the day: come without make-up on the area, and remove jewellery from the area "
                 "and the arms.", cite("manuals")),
    )  # fmt: skip


def _after() -> tuple[CareItem, ...]:
    s004 = cite("004")
    clinic = cite("clinic-aftercare")
    return (
        CareItem("Keep water off the treated area for 10–15 hours.", s004),
        CareItem("No make-up on the area for 10–15 hours.", s004),
        CareItem("Wear loose clothing over the area; avoid tight clothes.", s004),
        CareItem("No hard exercise for two days.", s004),
        CareItem("No anti-inflammatory medicines before or after, unless your doctor prescribed them.", s004),
        CareItem("Avoid caffeine, alcohol and smoking.", s004),
        CareItem("Protect the area from the sun (SPF 30 or more) and avoid sweating for 24 hours.", clinic),
        CareItem("No sauna and no other treatments on the area for 1–2 weeks.", clinic),
        CareItem(
            "Some redness where the current flowed is normal and fades within about 12 hours.",
            cite("manuals"),
        ),
    )


def _side_effects() -> tuple[CareItem, ...]:
    s004 = cite("004")
    return (
        CareItem("a burning feeling, a rash, swelling or bruising", s004),
        CareItem("skin that stays sensitive, or dark marks (more likely on very sensitive skin)", s004),
        CareItem("any sign of allergy: itching, hives, swelling of the face or lips, difficulty breathing "
                 "(call emergency services)", s004),
    )  # fmt: skip


def care_sheet(area: str | None = None) -> CareSheet:
    """The care sheet for a treatment on ``area`` (the instructions are the same for every area)."""
    return CareSheet(area, _before(), _after(), _side_effects())
