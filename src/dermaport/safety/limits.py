"""Hard limits: module constants that no option, setting or argument can raise.

Every electrical setting dermaport plans is checked here last, whatever produced it. A
caller may ask for *lower* ceilings (sensitive skin does), never higher:
:func:`density_ceiling` takes the minimum. Units: current density in mA/cm², current in mA,
charge dose in mA·min, times in seconds (names say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dermaport.errors import SafetyError
from dermaport.safety.sources import cite

__all__ = [
    "MAX_CHARGE_DOSE_MA_MIN",
    "MAX_CURRENT_DENSITY_MA_PER_CM2",
    "MAX_CURRENT_MA",
    "MAX_CURRENT_STEP_S",
    "MIN_RAMP_S",
    "SENSITIVITY_DENSITY_MA_PER_CM2",
    "VEHICLE_PH_MAX",
    "VEHICLE_PH_MIN",
    "Breach",
    "CurrentSetting",
    "LimitError",
    "check_setting",
    "check_vehicle_ph",
    "density_ceiling",
    "enforce",
]

#: Conventional upper current density (iontophoresis review, ≈0.5 mA/cm²).
MAX_CURRENT_DENSITY_MA_PER_CM2: Final = 0.5
#: Lower ceilings for sensitive skin (gbo Duodynator: 0.2 mA/cm² galvanisation, 0.1 iontophoresis).
SENSITIVITY_DENSITY_MA_PER_CM2: Final = {"normal": 0.5, "sensitive": 0.2, "very_sensitive": 0.1}
#: Maximum current (ActivaDose II LIMIT state, 4.0 mA).
MAX_CURRENT_MA: Final = 4.0
#: Maximum charge dose per electrode and session (ActivaDose II; Dupel electrodes).
MAX_CHARGE_DOSE_MA_MIN: Final = 80.0
#: Shortest ramp up and down (IontoDC ramps over 30 s).
MIN_RAMP_S: Final = 30.0
#: Longest single current step: the longest galvanic protocol found is 2 + 8 min, the
#: treatment 20–30 min in all (004); dermaport keeps one current step within 20 min.
MAX_CURRENT_STEP_S: Final = 20 * 60.0
#: Vehicle pH window the electrodes must hold (21 CFR 890.5525; Dupel buffer 4–8).
VEHICLE_PH_MIN: Final = 4.0
VEHICLE_PH_MAX: Final = 8.0

_LIMIT_SOURCES = {
    "current density": cite("density-review", "gbo", "000"),
    "current": cite("activadose"),
    "charge dose": cite("activadose", "dupel"),
    "ramp": cite("iontodc"),
    "treatment time": cite("004", "dermaport"),
    "vehicle pH": cite("cfr890.5525", "dupel"),
}


class LimitError(SafetyError):
    """A setting that would break a hard limit; ``breaches`` names each limit broken."""

    def __init__(self, breaches: tuple[Breach, ...], *, remedy: str = "") -> None:
        super().__init__(
            "refused: " + "; ".join(str(b) for b in breaches) + (f": {remedy}" if remedy else "")
        )
        self.breaches = breaches


@dataclass(frozen=True)
class Breach:
    """One limit broken: its name, the value asked for and the ceiling (or floor)."""

    limit: str
    value: str
    bound: str

    @property
    def source(self) -> str:
        """The source of the limit."""
        return _LIMIT_SOURCES[self.limit]

    def __str__(self) -> str:
        return f"{self.limit} {self.value} breaks the hard limit {self.bound}"


@dataclass(frozen=True)
class CurrentSetting:
    """One current step as planned: density, electrode area, time and ramp."""

    density_ma_per_cm2: float
    electrode_area_cm2: float
    duration_s: float
    ramp_s: float

    @property
    def current_ma(self) -> float:
        """Peak current, mA."""
        return self.density_ma_per_cm2 * self.electrode_area_cm2

    @property
    def charge_dose_ma_min(self) -> float:
        """Charge dose counted at peak current for the whole step (ramps included), mA·min."""
        return self.current_ma * self.duration_s / 60.0


def density_ceiling(sensitivity: str | None, requested_ma_per_cm2: float | None = None) -> float:
    """The current density ceiling for ``sensitivity`` (lowered, never raised, by a request).

    Unknown or missing sensitivity takes the strictest ceiling.
    """
    ceiling = SENSITIVITY_DENSITY_MA_PER_CM2.get(
        sensitivity or "", min(SENSITIVITY_DENSITY_MA_PER_CM2.values())
    )
    ceiling = min(ceiling, MAX_CURRENT_DENSITY_MA_PER_CM2)
    if requested_ma_per_cm2 is not None:
        ceiling = min(ceiling, requested_ma_per_cm2)
    return ceiling


def check_setting(
    steps: tuple[CurrentSetting, ...], *, sensitivity: str | None = "normal"
) -> tuple[Breach, ...]:
    """Every hard limit the current ``steps`` of one session break (empty when none)."""
    breaches: list[Breach] = []
    ceiling = density_ceiling(sensitivity)
    for step in steps:
        if not step.density_ma_per_cm2 <= ceiling + 1e-12:
            breaches.append(
                Breach("current density", f"{step.density_ma_per_cm2:g} mA/cm²", f"{ceiling:g} mA/cm²")
            )
        if not step.current_ma <= MAX_CURRENT_MA + 1e-9:
            breaches.append(Breach("current", f"{step.current_ma:.3g} mA", f"{MAX_CURRENT_MA:g} mA"))
        if not step.ramp_s >= MIN_RAMP_S:
            breaches.append(Breach("ramp", f"{step.ramp_s:g} s", f"at least {MIN_RAMP_S:g} s"))
        if not step.duration_s <= MAX_CURRENT_STEP_S:
            breaches.append(
                Breach("treatment time", f"{step.duration_s / 60:g} min", f"{MAX_CURRENT_STEP_S / 60:g} min")
            )
        if not step.duration_s >= 2 * step.ramp_s:
            breaches.append(
                Breach(
                    "ramp", f"{step.duration_s:g} s step", f"at least twice the ramp ({2 * step.ramp_s:g} s)"
                )
            )
    dose = sum(step.charge_dose_ma_min for step in steps)
    if not dose <= MAX_CHARGE_DOSE_MA_MIN + 1e-9:
        breaches.append(Breach("charge dose", f"{dose:.3g} mA·min", f"{MAX_CHARGE_DOSE_MA_MIN:g} mA·min"))
    return tuple(breaches)


def check_vehicle_ph(ph_min: float, ph_max: float) -> tuple[Breach, ...]:
    """The vehicle pH limit, for the lowest and highest pH the vehicle reaches."""
    bound = f"{VEHICLE_PH_MIN:g}–{VEHICLE_PH_MAX:g}"
    breaches = []
    if not ph_min >= VEHICLE_PH_MIN:
        breaches.append(Breach("vehicle pH", f"{ph_min:.2f}", bound))
    if not ph_max <= VEHICLE_PH_MAX:
        breaches.append(Breach("vehicle pH", f"{ph_max:.2f}", bound))
    return tuple(breaches)


def enforce(breaches: tuple[Breach, ...], *, remedy: str = "") -> None:
    """Raise :class:`LimitError` naming every breach (and what would help), if there is any."""
    if breaches:
        raise LimitError(breaches, remedy=remedy)
