"""Default current and time per area and skin sensitivity, and step strings for them.

Defaults (each within the hard limits of :mod:`dermaport.safety.limits`, which are checked
again on every plan):

* about six minutes for the whole face and neck (000); a scalp side or a body area takes
  longer (8 and 10 min, dermaport's choice within the 20-minute step limit);
* 0.3 mA/cm² on normal skin, under the conventional 0.5 mA/cm²; the body electrode is
  larger (20 cm²), so 0.2 mA/cm² keeps the current at 4 mA;
* sensitive skin: "the lowest possible intensity" and "less time" (000): 0.1 mA/cm² (the
  gbo manual's iontophoresis figure) for two thirds of the time; very sensitive skin
  0.05 mA/cm² for half the time;
* ramps of 30 s up and down (IontoDC): the waveform's default ramp
  (:data:`dermaport.protocol.waveform.DEFAULT_RAMP_S`), written into every step;
* desincrustation (texture and acne protocol only): about 1.5 mA over a 10–15 cm²
  electrode for 3 min (galvanic practice notes), i.e. 0.1 mA/cm²; not on sensitive skin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dermaport.protocol.steps import Amount, Desincrustation, Iontophoresis
from dermaport.protocol.waveform import DEFAULT_RAMP_S, current_waveform
from dermaport.safety.limits import CurrentSetting, density_ceiling

__all__ = [
    "AREA_SETTINGS",
    "DESINCRUSTATION_DENSITY_MA_PER_CM2",
    "DESINCRUSTATION_S",
    "AreaSetting",
    "current_setting",
    "current_step",
    "default_setting",
    "format_duration",
    "skin_for_area",
]


@dataclass(frozen=True)
class AreaSetting:
    """Electrode area (cm²), current density (mA/cm²) and time (s) for an area on normal skin."""

    electrode_area_cm2: float
    density_ma_per_cm2: float
    duration_s: float
    skin: str


AREA_SETTINGS: dict[str, AreaSetting] = {
    "face": AreaSetting(10.0, 0.3, 6 * 60.0, "human_face"),
    "neck": AreaSetting(10.0, 0.3, 6 * 60.0, "human_neck"),
    "decollete": AreaSetting(10.0, 0.0, 15 * 60.0, "human_neck"),
    "scalp": AreaSetting(10.0, 0.3, 8 * 60.0, "human_scalp"),
    "body": AreaSetting(20.0, 0.2, 10 * 60.0, "human_body"),
}

_SENSITIVE = {"normal": (None, 1.0), "sensitive": (0.1, 2 / 3), "very_sensitive": (0.05, 0.5)}
DESINCRUSTATION_DENSITY_MA_PER_CM2 = 0.1
DESINCRUSTATION_S = 3 * 60.0


def skin_for_area(area: str) -> str:
    """The skin parameter set the engine uses for ``area``."""
    return AREA_SETTINGS[area].skin


def default_setting(area: str, sensitivity: str | None) -> tuple[float, float]:
    """Default (current density mA/cm², duration s) for ``area`` and ``sensitivity``.

    Never above the ceiling for the sensitivity; an unknown sensitivity is treated as the
    most sensitive.
    """
    base = AREA_SETTINGS[area]
    lowest, factor = _SENSITIVE.get(sensitivity or "", _SENSITIVE["very_sensitive"])
    density = base.density_ma_per_cm2 if lowest is None else min(base.density_ma_per_cm2, lowest)
    density = min(density, density_ceiling(sensitivity))
    duration = max(round(base.duration_s * factor / 15.0) * 15.0, 2 * DEFAULT_RAMP_S)
    return density, duration


def format_duration(seconds: float) -> str:
    """``360`` → ``"6 min"``, ``375`` → ``"375 s"`` (the step grammar reads both back)."""
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _duration(seconds: float) -> Amount:
    text = format_duration(seconds)
    magnitude, unit = text.split()
    return Amount(float(magnitude), unit, "duration", seconds)


def current_step(
    electrode: Literal["anode", "cathode"] | None, density_ma_per_cm2: float, seconds: float
) -> Iontophoresis | Desincrustation:
    """A current step at ``density_ma_per_cm2`` for ``seconds`` with the waveform's default ramp.

    ``electrode`` None is desincrustation. The ramp is written out, so the plan file, the
    engine and the device read the same trapezoid.
    """
    magnitude = round(density_ma_per_cm2, 4)
    current = Amount(magnitude, "mA/cm2", "current density", magnitude * 10.0)  # mA/cm² → A/m²
    ramp = _duration(DEFAULT_RAMP_S)
    if electrode is None:
        return Desincrustation(current, _duration(seconds), ramp)
    return Iontophoresis(electrode, current, _duration(seconds), ramp)


def current_setting(step: Iontophoresis | Desincrustation, electrode_area_cm2: float) -> CurrentSetting:
    """The step as the hard limits check it: its waveform's peak density, time and ramp."""
    wave = current_waveform(step, electrode_area_m2=electrode_area_cm2 * 1e-4)
    return CurrentSetting(wave.peak_density_A_per_m2 * 0.1, electrode_area_cm2, wave.duration_s, wave.ramp_s)
