"""Keep-out sites and current paths (IEC 60601-2-10; DOMAIN.md §8).

No electrode on the eyes or orbit, the front of the neck or the chest; never a current
path across the head (electrodes on both sides of it) or across the chest (electrodes on
both sides of the trunk, arm to arm included). The return electrode goes on the same side
as the treated area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dermaport.errors import SafetyError
from dermaport.safety.sources import cite

__all__ = ["AREA_PLACEMENTS", "KEEP_OUT", "Placement", "Site", "check_path", "placement_for"]

Side = Literal["left", "right", "midline"]
Region = Literal["head", "neck", "trunk", "arm", "leg"]

#: Sites no electrode may touch.
KEEP_OUT = frozenset({"eyes", "orbit", "front_of_neck", "chest"})
SOURCE = cite("iec60601-2-10", "002")


@dataclass(frozen=True)
class Site:
    """Where an electrode lies: a named site, its body region and side."""

    name: str
    region: Region
    side: Side


@dataclass(frozen=True)
class Placement:
    """Active electrode (with the product) and return electrode."""

    active: Site
    ret: Site
    note: str


_SAME_SIDE_ARM = Site("upper_arm", "arm", "right")

#: The placement dermaport plans for each area: active on the area, on one side at a time,
#: the return electrode on the upper arm of the same side.
AREA_PLACEMENTS: dict[str, Placement] = {
    "face": Placement(
        Site("face", "head", "right"),
        _SAME_SIDE_ARM,
        "one side of the face at a time, the roller kept off the orbit; return electrode on that arm",
    ),
    "neck": Placement(
        Site("side_of_neck", "neck", "right"),
        _SAME_SIDE_ARM,
        "side and back of the neck only, never the front; return electrode on the same-side arm",
    ),
    "decollete": Placement(
        Site("chest", "trunk", "midline"),
        _SAME_SIDE_ARM,
        "the décolleté is chest: no current path there",
    ),
    "scalp": Placement(
        Site("scalp", "head", "right"),
        _SAME_SIDE_ARM,
        "one side of the scalp at a time; return electrode on the same-side arm",
    ),
    "body": Placement(
        Site("thigh", "leg", "right"),
        Site("lower_back", "trunk", "right"),
        "one limb or flank at a time; return electrode on the same side",
    ),
}


def placement_for(area: str) -> Placement:
    """The planned placement for ``area`` (a key of :data:`AREA_PLACEMENTS`)."""
    return AREA_PLACEMENTS[area]


def check_path(placement: Placement) -> None:
    """Raise SafetyError naming the keep-out rule a placement breaks."""
    for site in (placement.active, placement.ret):
        if site.name in KEEP_OUT:
            raise SafetyError(
                f"refused: keep-out site {site.name.replace('_', ' ')}: no electrode on the eyes or orbit, "
                "the front of the neck or the chest (IEC 60601-2-10)"
            )
    sides = {placement.active.side, placement.ret.side}
    if sides == {"left", "right"}:
        regions = {placement.active.region, placement.ret.region}
        where = "the head" if regions <= {"head", "neck"} else "the chest"
        raise SafetyError(
            f"refused: keep-out path: a current path across {where} (electrodes on both sides) "
            "is never allowed (IEC 60601-2-10)"
        )
