"""Cited inputs of the barrier-breakdown model, SI units, each with its source.

Three groups: the pore kinetics of a lipid bilayer (:class:`PoreKinetics`), the stratum
corneum as routes of bilayers in series with local transport regions (:class:`SkinBarrier`),
and the circuit the applied voltage is divided over (:class:`Circuit`). :data:`SOURCES` names
the source of every default; values marked "calibration" or "assumption" are choices the
model makes within, or in the absence of, a cited range (docs/electroporation.md says which).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

__all__ = ["SOURCES", "Circuit", "PoreKinetics", "SkinBarrier"]


@dataclass(frozen=True)
class PoreKinetics:
    """The asymptotic pore-density model of one bilayer (DeBruin & Krassowska 1999).

    dN/dt = α e^{(V/Vep)²} (1 − N / (N0 e^{q (V/Vep)²})), V the voltage across the bilayer.
    At V = 0 a porated bilayer reseals towards N0 with the time constant N0/α.
    """

    alpha_per_m2_s: float = 1e9
    v_ep_v: float = 0.258
    n0_per_m2: float = 1.5e9
    q: float = 2.46
    pore_radius_m: float = 0.8e-9
    bilayer_thickness_m: float = 5e-9
    pore_conductivity_s_per_m: float = 1.5

    @property
    def resealing_time_s(self) -> float:
        """Time constant of resealing at zero voltage, N0/α (s)."""
        return self.n0_per_m2 / self.alpha_per_m2_s

    @property
    def pore_conductance_s(self) -> float:
        """Conductance of one pore with its access resistance, σ π r² / (h + π r / 2) (S)."""
        r, h = self.pore_radius_m, self.bilayer_thickness_m
        return self.pore_conductivity_s_per_m * math.pi * r**2 / (h + math.pi * r / 2)


@dataclass(frozen=True)
class SkinBarrier:
    """The stratum corneum: two routes of bilayers in series and local transport regions (LTRs).

    The lipid–corneocyte matrix covers ``1 − appendage_area_fraction`` of the area with
    ``lipid_bilayers`` in series; the appendage ducts (and other weak spots) cover
    ``appendage_area_fraction`` with ``appendage_bilayers`` in series, so they porate first.
    Both see the whole stratum-corneum voltage, divided evenly over their bilayers. LTRs are
    columns through the stratum corneum whose lipids have melted (Joule heating above the
    lipid phase transition): they open towards ``ltr_max_area_fraction`` while hot and close
    with ``ltr_recovery_time_s``; their aqueous pathways have ``ltr_pathway_radius_m``.
    A porated appendage route conducts at most ``appendage_max_conductance_ratio`` times the
    intact conductance (its ducts' lumen and lining in series with the porated walls).
    Joule heat of the porated matrix concentrates ``heating_concentration``-fold in the
    sites that become LTRs (:mod:`.heating`).
    """

    sc_resistance_ohm_m2: float = 0.8
    sc_thickness_m: float = 16.8e-6
    lipid_bilayers: int = 70
    appendage_bilayers: int = 15
    appendage_area_fraction: float = 0.0128
    appendage_max_conductance_ratio: float = 4.0
    heating_concentration: float = 16.0
    electrolyte_conductivity_s_per_m: float = 1.5
    ltr_max_area_fraction: float = 1e-5
    ltr_pathway_radius_m: float = 20e-9
    ltr_formation_time_s: float = 1.0
    ltr_recovery_time_s: float = 3600.0
    lipid_transition_rise_k: float = 38.0
    thermal_diffusivity_m2_per_s: float = 1.43e-7
    heat_capacity_j_per_m3_k: float = 4.18e6

    @property
    def intact_conductance_s_per_m2(self) -> float:
        """Conductance of the intact stratum corneum, 1/R (S/m²)."""
        return 1.0 / self.sc_resistance_ohm_m2

    @property
    def thermal_time_s(self) -> float:
        """Lumped cooling time of a heated column of the stratum corneum, L²/(4κ) (s)."""
        return self.sc_thickness_m**2 / (4.0 * self.thermal_diffusivity_m2_per_s)


@dataclass(frozen=True)
class Circuit:
    """What the applied voltage crosses besides the stratum corneum, per unit area (Ω·m²).

    ``crossings`` is how many times the current crosses the stratum corneum between the
    electrodes: 1 for an active electrode over a diffusion cell or a large return electrode,
    2 for two electrodes on the skin (a bipolar handpiece, Gallo 1997's surface electrodes).
    Each crossing has its own film; the viable tissue is crossed once.
    """

    film_ohm_m2: float
    viable_ohm_m2: float
    crossings: int = 1

    @classmethod
    def from_layers(
        cls,
        *,
        film_thickness_m: float = 0.5e-3,
        film_conductivity_s_per_m: float = 1.5,
        viable_thickness_m: float = 981e-6,
        viable_conductivity_s_per_m: float = 0.27,
        crossings: int = 1,
    ) -> Circuit:
        """A circuit from layer thicknesses (m) and conductivities (S/m)."""
        return cls(
            film_thickness_m / film_conductivity_s_per_m,
            viable_thickness_m / viable_conductivity_s_per_m,
            crossings,
        )

    def series_ohm_m2(self) -> float:
        """Everything but the stratum corneum, all crossings together (Ω·m²)."""
        return self.crossings * self.film_ohm_m2 + self.viable_ohm_m2


#: Where every default comes from (docs/electroporation.md gives the full references).
SOURCES: Final = {
    "alpha_per_m2_s": "DeBruin & Krassowska 1999 (a = 1e9 m^-2 s^-1 as in Rems' model code, "
    "learems/EPmodels-Electroporation-MolTransport, Parameters_ModS2011_LL2011.m)",
    "v_ep_v": "DeBruin & Krassowska 1999 (beta = 1/0.258² in the same code)",
    "q": "(r_m / r*)² with r_m = 0.8 nm, r* = 0.51 nm (same code) = 2.46",
    "n0_per_m2": "Neu & Krassowska 1999 / DeBruin & Krassowska 1999 [1.5e9 m^-2 unverified; N0/α = 1.5 s "
    "matches the 1.5 s resealing constant of the same code]",
    "pore_radius_m": "r_m = 0.8 nm, the minimum-energy pore radius (same code)",
    "pore_conductance": "Li & Lin 2011 single-pore conductance 2π r² σ / (π r + 2h) (same code)",
    "bilayer_thickness_m": "5 nm membrane thickness (same code)",
    "pore_conductivity_s_per_m": "assumption: 0.9 % saline, about 1.5 S/m",
    "sc_resistance_ohm_m2": "skin library human_face resistance_kohm_cm2 = 8 (Song 2002, an enhanced state)",
    "sc_thickness_m": "skin library human_face stratum_corneum_um = 16.8 (Egawa 2007)",
    "lipid_bilayers": "calibration within 'the generally accepted estimate of 70-100' bilayers in series "
    "(Lochner 2003): the lower end puts lipid poration near 50 V with 1 ms pulses (Chen 1998)",
    "appendage_bilayers": "Lochner 2003: a small part of the area behaves as 15 bilayers in series",
    "appendage_max_conductance_ratio": "calibration: Gallo 1997, resistance falls to about 20 % in the "
    "low-voltage (appendage) regime, so the route adds at most 4 times the intact conductance",
    "heating_concentration": "calibration: puts the LTR lipid transition (and lasting change) at about "
    "80 V per path with 1 ms pulses (Gallo 1997); no measured concentration factor was found",
    "appendage_area_fraction": "skin library human_face appendage_area_fraction = 0.0128 (Otberg 2004)",
    "ltr_max_area_fraction": "Pliquett 2004: transport area for molecules > 200 g/mol about 1e-3 %",
    "ltr_pathway_radius_m": "Chizmadzhev 1995: fitted electropore radius about 200 Å (tortuous model)",
    "ltr_formation_time_s": "calibration: lasting change saturating after about 2-3 s of hot pulsing, the "
    "> 200 V·s at 80 V of Gallo 1997",
    "ltr_recovery_time_s": "Gallo 1997: lasting drop recovers over tens of minutes to hours (1 h chosen)",
    "lipid_transition_rise_k": "SC lipid phase transition at about 70 °C (Pliquett et al.) minus 32 °C skin",
    "thermal_diffusivity_m2_per_s": "water, 1.43e-7 m²/s (CRC)",
    "heat_capacity_j_per_m3_k": "water, 4.18e6 J/(m³·K) (CRC)",
    "film_conductivity_s_per_m": "assumption: a saline-like vehicle film of 0.5 mm",
    "viable_conductivity_s_per_m": "skin library viable_conductivity_s_per_m = 0.27 (Cheng 1996)",
    "viable_thickness_m": "skin library human_face viable epidermis 61 µm + dermis 920 µm",
}
