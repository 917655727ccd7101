"""Named protocols: the steps of a needle-free facial (or scalp or body treatment) per concern and area.

A protocol lists the steps before and after the delivery step; planning builds the delivery
step itself (polarity from physics, settings within the hard limits) and inserts it. The
procedure follows the NNM facial (source text 000: cleanse, optional desincrustation for
oily or congested skin, optional massage with a water-soluble cream, the ampoule under
current, finish); the concerns and areas are those of source text 004. The décolleté is
chest, a keep-out site for current (IEC 60601-2-10), so its protocol applies the ampoule
without current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError
from dermaport.protocol.facial import parse_any_step

__all__ = ["AREAS", "CONCERNS", "PROTOCOLS", "Protocol", "find_protocol", "fold_name", "protocol_named"]

AREAS = ("face", "neck", "decollete", "scalp", "body")
CONCERNS = ("hydration", "pigmentation", "wrinkles", "texture_acne", "scarring", "hair_loss", "cellulite")

Delivery = Literal["iontophoresis", "passive"]


@dataclass(frozen=True)
class Protocol:
    """A named protocol: concerns and areas it serves, steps around the delivery, its sources."""

    name: str
    title: str
    concerns: tuple[str, ...]
    areas: tuple[str, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]
    delivery: Delivery
    desincrustation: bool
    source: str

    def __post_init__(self) -> None:
        for text in (*self.before, *self.after):
            if str(parse_any_step(text)) != text:
                raise ValueError(f"protocol {self.name}: step {text!r} does not print back the same")


_FACE = ("face", "neck")
_SOURCE = "source text 000 (NNM facial procedure); source text 004 (concerns)"

PROTOCOLS: tuple[Protocol, ...] = (
    Protocol(
        "hydration",
        "Hydration facial",
        ("hydration",),
        _FACE,
        ("cleanse for 3 min", "massage with water-soluble cream for 5 min"),
        ("mask for 15 min", "finish"),
        "iontophoresis",
        False,
        _SOURCE,
    ),
    Protocol(
        "brightening",
        "Brightening and pigmentation facial",
        ("pigmentation",),
        _FACE,
        ("cleanse for 3 min",),
        ("mask for 15 min", "finish"),
        "iontophoresis",
        False,
        _SOURCE,
    ),
    Protocol(
        "fine_lines",
        "Fine lines facial",
        ("wrinkles",),
        _FACE,
        ("cleanse for 3 min", "massage with water-soluble cream for 5 min"),
        ("mask for 15 min", "finish"),
        "iontophoresis",
        False,
        _SOURCE,
    ),
    Protocol(
        "texture_acne",
        "Texture and acne-prone skin facial",
        ("texture_acne",),
        ("face",),
        ("cleanse for 3 min",),
        ("high frequency for 3 min", "mask for 15 min", "finish"),
        "iontophoresis",
        True,
        _SOURCE + "; desincrustation and high frequency for acne (000)",
    ),
    Protocol(
        "scarring",
        "Acne scar facial",
        ("scarring",),
        ("face",),
        ("cleanse for 3 min",),
        ("mask for 15 min", "finish"),
        "iontophoresis",
        False,
        _SOURCE,
    ),
    Protocol(
        "scalp",
        "Scalp and hair loss",
        ("hair_loss",),
        ("scalp",),
        ("cleanse for 3 min",),
        ("finish",),
        "iontophoresis",
        False,
        "source text 004 (alopecia, scalp)",
    ),
    Protocol(
        "body_cellulite",
        "Body and cellulite",
        ("cellulite",),
        ("body",),
        ("cleanse for 3 min", "ultrasound for 10 min"),
        ("finish",),
        "iontophoresis",
        False,
        "source text 004 (cellulite, local fat); source text 000 (ultrasound on fat)",
    ),
    Protocol(
        "decollete",
        "Décolleté (no current: the chest is a keep-out site)",
        ("hydration", "pigmentation", "wrinkles"),
        ("decollete",),
        ("cleanse for 3 min", "massage with water-soluble cream for 5 min"),
        ("mask for 15 min", "finish"),
        "passive",
        False,
        _SOURCE + "; IEC 60601-2-10 (no current path across the chest)",
    ),
)


def fold_name(value: str) -> str:
    """A name as the protocol library keys it: lower case, underscores, no accents."""
    return value.strip().lower().replace("-", "_").replace(" ", "_").replace("é", "e")


def protocol_named(name: str) -> Protocol:
    """The protocol called ``name``; raises InputError listing the names."""
    for protocol in PROTOCOLS:
        if protocol.name == fold_name(name):
            return protocol
    names = ", ".join(p.name for p in PROTOCOLS)
    raise InputError(f"unknown protocol {name!r}: one of {names}; e.g. hydration")


def find_protocol(concern: str, area: str) -> Protocol:
    """The protocol for ``concern`` on ``area``; raises InputError naming a bad value."""
    c, a = fold_name(concern), fold_name(area)
    if c not in CONCERNS:
        raise InputError(
            f"unknown concern {concern!r}: one of {', '.join(CONCERNS)}; e.g. --concern hydration"
        )
    if a not in AREAS:
        raise InputError(f"unknown area {area!r}: one of {', '.join(AREAS)}; e.g. --area face")
    for protocol in PROTOCOLS:
        if c in protocol.concerns and a in protocol.areas:
            return protocol
    served = sorted({x for p in PROTOCOLS if c in p.concerns for x in p.areas})
    raise InputError(
        f"no protocol for concern {c!r} on area {a!r}: that concern is treated on {', '.join(served)}; "
        f"e.g. --concern {c} --area {served[0]}"
    )
