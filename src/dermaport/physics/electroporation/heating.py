"""Joule heating in local transport regions: a bounded estimate of the temperature rise.

The porated lipid matrix dissipates G_l V_SC² per area, G_l V_SC² / L per volume, where G_l
is what its pores add to the conductance. Spread evenly, that heat is a fraction of a kelvin;
Pliquett 2004 finds instead that it concentrates in local transport regions, where the
lipids pass their phase transition. The concentration factor c (``heating_concentration``)
is a calibration, not a measurement, and the power density in a site is p = c G_l V_SC² / L,
bounded above by the electrolyte's σ E². The heated column loses heat to the tissue and
vehicle on either side; a lumped model with the cooling time τ = L² / (4κ) gives

    dΔT/dt = p / (ρc) − ΔT / τ,     ΔT(t) = ΔT_ss + (ΔT₀ − ΔT_ss) e^{−t/τ},  ΔT_ss = p τ / (ρc),

so the rise is bounded by ΔT_ss however long the pulse, and it is capped at
:data:`BOILING_RISE_K` (water at 100 °C over a 32 °C skin): beyond, the heat goes into
boiling, which this model does not follow. It is an order-of-magnitude estimate
(one lumped mode, water's heat capacity and diffusivity): it decides when the lipids pass
their phase transition (Pliquett 2004) and it is checked against a safety limit.
"""

from __future__ import annotations

import math

from dermaport.physics.electroporation.parameters import SkinBarrier

__all__ = ["BOILING_RISE_K", "hot_time", "power_density", "temperature_after"]

#: The largest rise the estimate reports (K): boiling water over a 32 °C skin surface.
BOILING_RISE_K = 68.0


def power_density(v_sc: float, lipid_conductance_s_per_m2: float, skin: SkinBarrier) -> float:
    """Joule power density in a site that becomes an LTR, min(c G_l V², σ V²/L) / L (W/m³)."""
    field = v_sc / skin.sc_thickness_m
    concentrated = skin.heating_concentration * lipid_conductance_s_per_m2 * v_sc * field
    return min(concentrated, skin.electrolyte_conductivity_s_per_m * field**2)


def temperature_after(rise0_k: float, power_w_per_m3: float, t_s: float, skin: SkinBarrier) -> float:
    """Temperature rise (K) after ``t_s`` at constant power, from ``rise0_k``."""
    tau = skin.thermal_time_s
    steady = power_w_per_m3 * tau / skin.heat_capacity_j_per_m3_k
    return min(steady + (rise0_k - steady) * math.exp(-t_s / tau), BOILING_RISE_K)


def hot_time(
    rise0_k: float, power_w_per_m3: float, t_s: float, threshold_k: float, skin: SkinBarrier
) -> float:
    """Time (s) within ``t_s`` that the rise spends above ``threshold_k`` (closed form, monotone ΔT)."""
    if threshold_k >= BOILING_RISE_K:
        return 0.0
    end = temperature_after(rise0_k, power_w_per_m3, t_s, skin)
    above0, above1 = rise0_k >= threshold_k, end >= threshold_k
    if above0 and above1:
        return t_s
    if not above0 and not above1:
        return 0.0
    tau = skin.thermal_time_s
    steady = power_w_per_m3 * tau / skin.heat_capacity_j_per_m3_k
    crossing = -tau * math.log((threshold_k - steady) / (rise0_k - steady))
    crossing = min(max(crossing, 0.0), t_s)
    return t_s - crossing if above1 else crossing
