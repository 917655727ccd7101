"""The load a current source sees on the skin: a DC resistance from the skin library.

Load (Ω) = skin resistance (kΩ·cm², the skin library's ``resistance_kohm_cm2``, the same field
the transport engine splits between its routes; docs/transport.md) ÷ electrode area (cm²)
+ a series resistance for the electrodes and the product pad.

The series resistance, 200 Ω, is this model's stated assumption, not a sourced value (a wet
pad of a few cm² of saline-soaked gel is of that order). The skin's capacitance is left out:
the model is the DC steady state the runner regulates in, not the first milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from dermaport.errors import InputError
from dermaport.library.skin import DEFAULT_SKIN, load_skin

__all__ = ["SERIES_OHM", "SkinLoad", "skin_load"]

#: Electrodes and product pad in series with the skin (stated assumption, see the module text).
SERIES_OHM = 200.0


@dataclass(frozen=True)
class SkinLoad:
    """The resistive load between the electrodes: skin (Ω) plus the series part (Ω)."""

    skin_ohm: float
    series_ohm: float
    site: str
    source: str

    @property
    def ohm(self) -> float:
        """Total load resistance, Ω."""
        return self.skin_ohm + self.series_ohm


def skin_load(area_cm2: float, *, site: str = DEFAULT_SKIN, series_ohm: float = SERIES_OHM) -> SkinLoad:
    """The load for an electrode of ``area_cm2`` (cm²) on ``site`` (a skin library name)."""
    if not area_cm2 > 0:
        raise InputError(f"electrode area {area_cm2!r} cm² must be above zero: e.g. '10 cm2'")
    entry = load_skin().get(site).entry
    resistance = entry.resistance_kohm_cm2
    return SkinLoad(
        skin_ohm=resistance.value * 1e3 / area_cm2,
        series_ohm=series_ohm,
        site=entry.name,
        source=f"skin library {entry.name}.resistance_kohm_cm2 [{resistance.source}]",
    )
