"""The stratum corneum's state under pulses: conductance, voltage division, transport pathways.

The state is the pore density per bilayer of each route (lipid matrix, appendage ducts) and
the area fraction of local transport regions (LTRs). The conductance per area is the intact
one plus what the pores and LTRs add:

    G_SC = G₀ + (1 − f_a) (N_l − N0) g_p / n_l + [f_a (N_a − N0) g_p / n_a ∥ G_a,max] + f_LTR σ / L

(g_p one pore's conductance, n the bilayers in series of a route, f_a the appendage area;
the porated duct walls are in series with the ducts' own conductance G_a,max).
Pores porate each bilayer with the route's share: V_SC / n for the lipid matrix; for the
appendages, the walls' share of V_SC (they are in series with the ducts) over n. The applied
voltage divides over the stratum corneum (each crossing) and the circuit's series part:
V_SC = V R_SC / (c R_SC + R_series).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dermaport.physics.electroporation.hindrance import diffusive_hindrance
from dermaport.physics.electroporation.parameters import Circuit, PoreKinetics, SkinBarrier

__all__ = [
    "BarrierState",
    "appendage_wall_share",
    "current_area_fraction",
    "ltr_permeability",
    "route_conductances",
    "sc_conductance",
    "sc_voltage",
]


@dataclass(frozen=True)
class BarrierState:
    """Pores per bilayer of the lipid and appendage routes (m⁻²) and the LTR area fraction."""

    lipid_pores_per_m2: float
    appendage_pores_per_m2: float
    ltr_area_fraction: float = 0.0

    @classmethod
    def intact(cls, k: PoreKinetics) -> BarrierState:
        """The resting barrier: N0 pores per bilayer, no LTR."""
        return cls(k.n0_per_m2, k.n0_per_m2, 0.0)

    def with_ltr(self, fraction: float) -> BarrierState:
        """The same pores with another LTR area fraction."""
        return replace(self, ltr_area_fraction=fraction)


def route_conductances(
    n_lipid: float, n_appendage: float, ltr: float, skin: SkinBarrier, k: PoreKinetics
) -> tuple[float, float, float]:
    """What the lipid pores, appendage pores and LTRs add to the intact conductance (S/m²)."""
    gp = k.pore_conductance_s
    fa = skin.appendage_area_fraction
    lipid = (1.0 - fa) * max(n_lipid - k.n0_per_m2, 0.0) * gp / skin.lipid_bilayers
    walls = fa * max(n_appendage - k.n0_per_m2, 0.0) * gp / skin.appendage_bilayers
    ceiling = skin.appendage_max_conductance_ratio * skin.intact_conductance_s_per_m2
    appendage = walls * ceiling / (walls + ceiling)
    return lipid, appendage, ltr * skin.electrolyte_conductivity_s_per_m / skin.sc_thickness_m


def appendage_wall_share(n_appendage: float, skin: SkinBarrier, k: PoreKinetics) -> float:
    """Share of the appendage route's voltage across its porated walls (the rest is on the ducts)."""
    walls = skin.appendage_area_fraction * max(n_appendage - k.n0_per_m2, 0.0) * k.pore_conductance_s
    walls /= skin.appendage_bilayers
    ceiling = skin.appendage_max_conductance_ratio * skin.intact_conductance_s_per_m2
    return ceiling / (walls + ceiling)


def sc_conductance(state: BarrierState, skin: SkinBarrier, k: PoreKinetics) -> float:
    """Conductance per area of one stratum-corneum crossing (S/m²)."""
    added = route_conductances(
        state.lipid_pores_per_m2, state.appendage_pores_per_m2, state.ltr_area_fraction, skin, k
    )
    return skin.intact_conductance_s_per_m2 + sum(added)


def sc_voltage(v_applied: float, g_sc: float, circuit: Circuit) -> float:
    """Voltage across one stratum-corneum crossing for ``v_applied`` (V), given its conductance."""
    r_sc = 1.0 / g_sc
    return v_applied * r_sc / (circuit.crossings * r_sc + circuit.series_ohm_m2())


def current_area_fraction(g_sc: float, skin: SkinBarrier) -> float:
    """Area that would carry the stratum corneum's conductance at the electrolyte's conductivity.

    G_SC L / σ: how Pliquett 2004 turns a measured conductance into a fractional area.
    """
    return g_sc * skin.sc_thickness_m / skin.electrolyte_conductivity_s_per_m


def ltr_permeability(
    state: BarrierState, skin: SkinBarrier, *, solute_radius_m: float, free_diffusivity_m2_per_s: float
) -> float:
    """Diffusive permeability (m/s) of the stratum corneum through its LTRs for a solute.

    f_LTR H(a / r_LTR) D / L: the LTRs' area fraction, the hindrance of the solute in their
    aqueous pathways (:func:`~dermaport.physics.electroporation.hindrance.diffusive_hindrance`),
    free diffusion over the stratum corneum's thickness. Zero for a solute at least as large
    as the pathways.
    """
    h = diffusive_hindrance(solute_radius_m, skin.ltr_pathway_radius_m)
    return state.ltr_area_fraction * h * free_diffusivity_m2_per_s / skin.sc_thickness_m
