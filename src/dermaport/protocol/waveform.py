"""The one place a current step becomes its current waveform: polarity, peak, ramps, dose.

The transport engine, the device runner's session plan and the planning stand-in all read a
step through :func:`current_waveform`, so that a step predicts exactly the charge it delivers.

A current step ramps up linearly over ``ramp`` from zero, holds its peak, and ramps down over
``ramp`` to zero, all *within* its duration: a trapezoid. A step written without a ramp takes
:data:`DEFAULT_RAMP_S` (30 s up and 30 s down, as the Soterix IontoDC does and as the hard
limits require); a ramp longer than half the step is cut to half the step (a triangle). The
charge per area is therefore ``J·(T − ramp)``.

Desincrustation is galvanic work under the cathode (DOMAIN.md §1): its waveform's polarity is
``cathode``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError
from dermaport.protocol.steps import Desincrustation, Iontophoresis, Step

__all__ = ["DEFAULT_RAMP_S", "CurrentWaveform", "current_waveform", "is_current_step"]

#: Ramp taken by a current step that does not state one, s (Soterix IontoDC ramps its current up
#: over 30 s and down over 30 s; dermaport.safety.limits.MIN_RAMP_S is the same figure as a limit).
DEFAULT_RAMP_S = 30.0

Polarity = Literal["anode", "cathode"]


def is_current_step(step: Step) -> bool:
    """Whether ``step`` drives a current (iontophoresis, desincrustation)."""
    return isinstance(step, Iontophoresis | Desincrustation)


@dataclass(frozen=True)
class CurrentWaveform:
    """A trapezoidal current step: polarity, peak density (A/m²), duration and ramp (s)."""

    step: str
    polarity: Polarity
    peak_density_A_per_m2: float  # noqa: N815 - unit in the name
    duration_s: float
    ramp_s: float

    @property
    def sign(self) -> float:
        """+1 for current driven in under the anode, −1 under the cathode."""
        return 1.0 if self.polarity == "anode" else -1.0

    def density_at(self, t: float) -> float:
        """Unsigned current density at ``t`` s into the step, A/m² (zero outside the step)."""
        if t < 0.0 or t > self.duration_s:
            return 0.0
        if self.ramp_s <= 0.0:
            return self.peak_density_A_per_m2
        shape = min(1.0, t / self.ramp_s, (self.duration_s - t) / self.ramp_s)
        return self.peak_density_A_per_m2 * max(0.0, shape)

    def signed_density_at(self, t: float) -> float:
        """Current density at ``t`` s with its sign (positive under the anode), A/m²."""
        return self.sign * self.density_at(t)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        """Times where the waveform's slope changes, s (end of ramp up, start of ramp down, end)."""
        points = (self.ramp_s, self.duration_s - self.ramp_s, self.duration_s)
        return tuple(sorted({p for p in points if p > 0}))

    @property
    def charge_per_area_C_per_m2(self) -> float:  # noqa: N802
        """Charge the trapezoid passes per area, C/m² (``J·(T − ramp)``)."""
        return self.peak_density_A_per_m2 * (self.duration_s - self.ramp_s)

    def peak_current_mA(self, electrode_area_cm2: float) -> float:  # noqa: N802
        """Peak current on an electrode of ``electrode_area_cm2``, mA."""
        return self.peak_density_A_per_m2 * 0.1 * electrode_area_cm2  # A/m² → mA/cm² is ×0.1

    def dose_mA_min(self, electrode_area_cm2: float) -> float:  # noqa: N802
        """Charge the step delivers on an electrode of ``electrode_area_cm2``, mA·min."""
        return self.peak_current_mA(electrode_area_cm2) * (self.duration_s - self.ramp_s) / 60.0


def current_waveform(step: Step, *, electrode_area_m2: float | None) -> CurrentWaveform:
    """The waveform of a current step; a current (not a density) needs the electrode area (m²).

    Raises :class:`InputError` for a step that drives no current, or a current without an area.
    """
    if not isinstance(step, Iontophoresis | Desincrustation):
        raise InputError(f"step '{step}' drives no current: e.g. 'iontophoresis anode 2 mA for 10 min'")
    if step.current.kind == "current":
        if electrode_area_m2 is None or not electrode_area_m2 > 0:
            raise InputError(
                f"step '{step}' gives a current, not a current density: give the electrode "
                "area (--electrode-area 10 cm2) or a density such as '0.3 mA/cm2'"
            )
        density = step.current.si / electrode_area_m2
    else:
        density = step.current.si
    duration = step.duration.si
    ramp = step.ramp.si if step.ramp is not None else DEFAULT_RAMP_S
    polarity: Polarity = step.electrode if isinstance(step, Iontophoresis) else "cathode"
    return CurrentWaveform(
        step=str(step),
        polarity=polarity,
        peak_density_A_per_m2=density,
        duration_s=duration,
        ramp_s=min(ramp, duration / 2.0),
    )
