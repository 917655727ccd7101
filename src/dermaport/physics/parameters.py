"""Transport parameters that are not site-specific, each with its source.

Site-specific numbers (thicknesses, resistance, fixed charge, isoelectric point, clearance…)
come from the skin library; these are the few the engine needs beyond them. Where a value is
*derived* from a measurement rather than read, the derivation is stated, and
``docs/transport.md`` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PARAMETERS", "CitedParameter", "references"]


@dataclass(frozen=True)
class CitedParameter:
    """A number, its unit, the reference key it comes from, and how it was obtained."""

    value: float
    unit: str
    source: str
    note: str


PORE_RADIUS_SC = CitedParameter(
    2.0e-9,
    "m",
    "peck1994",
    "Effective radius of the polar pathway of the stratum corneum. Hairless mouse skin under DC "
    "iontophoresis: 1.9-4.9 nm from ion pairs (liddell2011); human epidermal membrane 1.5-2.5 nm "
    "from hindered diffusion of polar solutes (peck1994, range not re-read: [unverified]).",
)
APPENDAGE_CONDUCTANCE_RATIO = CitedParameter(
    99.0,
    "1",
    "scott1993",
    "Conductance per unit area of the appendageal (follicle/duct) route over that of the intercellular "
    "route. Derived: pores carry 50-95 % of the conductance of hairless mouse skin at quasi-steady "
    "state (scott1993); the lower end, 50 %, with appendages covering about 1 % of that skin "
    "[assumed, not measured here] gives 0.5/0.5 × 0.99/0.01 = 99. Each site's share then follows from "
    "its own appendage area fraction f: f·99 / (f·99 + 1 − f), 9 % at f = 0.1 % (trunk), 56 % at "
    "1.28 % (forehead).",
)
SC_PH_INFLECTION_DEPTH = CitedParameter(
    2.0 / 3.0,
    "1",
    "ohman1994",
    "Depth (fraction of the SC) where the pH is half-way between the surface's and the viable "
    "tissue's: tape stripping of the forearm gave a sigmoid from pH 4.5-5.3 at the surface to 6.8-6.9 "
    "under the SC, with its inflection after about 60 of 100-120 strippings, 'the lower third of "
    "stratum corneum'.",
)
SC_PH_TRANSITION_WIDTH = CitedParameter(
    0.1,
    "1",
    "ohman1994",
    "Logistic width (fraction of the SC) of that sigmoid; read roughly from the shape described "
    "(most of the rise within the lower half) [unverified: curve not digitised].",
)
VIABLE_BUFFER_CAPACITY = CitedParameter(
    25.0,
    "mol/m³ per pH",
    "roos1981",
    "Intrinsic (non-bicarbonate) buffering power of cells and tissue, typically 10-50 mM per pH unit "
    "[range from the review, value within it: unverified]; bicarbonate, an open system in vivo, is left "
    "out (a lower bound on the tissue's capacity). Modelled as immobile groups with pKa at the viable pH.",
)
CAPILLARY_ION_PERMEABILITY = CitedParameter(
    1.0e-5 * 1e-2,
    "m/s",
    "crone1985",
    "Capillary wall permeability to a small ion (K+) of continuous (muscle/skin-type) capillaries; "
    "Crone 1985 gives 3e-7 (brain) to 7e-4 cm/s (mesentery) for single continuous capillaries; 1e-5 cm/s "
    "is taken for skin-type vessels [value within the range, not read for skin: unverified].",
)
CAPILLARY_SMALL_PORE_RADIUS = CitedParameter(
    4.4e-9,
    "m",
    "rippe1987",
    "Small-pore radius of continuous capillaries (two-pore theory): 44-45 Å from dog paw lymph and rat "
    "muscle data. Hydrophilic solutes cross the capillary wall through these pores, hindered by their "
    "size (Dechadilok & Deen 2006 hindrance).",
)
SUBCUTIS_MODELLED_M = CitedParameter(
    2.0e-3,
    "m",
    "frayn2014",
    "Depth of subcutaneous tissue modelled under the dermis in vivo (its own capillary clearance at "
    "adipose blood flow); the body fluid below it is held at body composition. Thin on the forehead "
    "(~2 mm, skin library notes); the deep boundary is far below where the bulk of an active reaches.",
)
ADIPOSE_BLOOD_FLOW = CitedParameter(
    3.0 / 100.0 / 60.0,
    "1/s",
    "frayn2014",
    "Subcutaneous adipose tissue blood flow about 2-4 mL/(100 g·min) fasting (3 taken), the "
    "flow-limited ceiling of clearance in the subcutis [value range from the review: unverified].",
)
ELECTROOSMOTIC_WATER_FLOW = CitedParameter(
    2.7e-9 / 3600.0 / 1e-4,
    "m/s",
    "kim1993",
    "Anodal water volume flow 2.7 ± 1.3 µL/(h·cm²) across hairless mouse skin at 0.36 mA/cm², "
    "pH 7.4, 150 mM NaCl, Ag/AgCl. The engine's electroosmotic coefficient is derived from this "
    "one measurement (calibration); every other electroosmosis figure is a prediction.",
)
ELECTROOSMOTIC_CURRENT_DENSITY = CitedParameter(
    0.36e-3 / 1e-4, "A/m²", "kim1993", "Current density of the water-flow measurement above."
)
BODY_NACL = CitedParameter(
    140.0,
    "mol/m³",
    "guyton2016",
    "Interstitial Na⁺ about 140 mM; the body's anions are lumped into Cl⁻ so the fluid is neutral.",
)
RECEPTOR_NACL = CitedParameter(
    137.0, "mol/m³", "pbs", "Phosphate-buffered saline of Franz-cell receptors: NaCl 137 mM (pH 7.4)."
)
DERMAL_CAPILLARY_AREA = CitedParameter(
    100.0,
    "cm²/cm³",
    "dancik2013",
    "Capillary surface area per dermis volume in the Dancik 2013 clearance expression.",
)
CAPILLARY_PERMEABILITY_RATIO = CitedParameter(
    100.0,
    "1",
    "dancik2013",
    "Lipophilic (transcellular) capillary wall permeability = 100 × the Potts–Guy permeability "
    "coefficient (Kretsos 2008 / Dancik 2013); hydrophilic solutes add the small-pore route.",
)

PARAMETERS: dict[str, CitedParameter] = {
    "pore_radius_sc_m": PORE_RADIUS_SC,
    "appendage_conductance_ratio": APPENDAGE_CONDUCTANCE_RATIO,
    "sc_ph_inflection_depth": SC_PH_INFLECTION_DEPTH,
    "sc_ph_transition_width": SC_PH_TRANSITION_WIDTH,
    "viable_buffer_capacity_mol_per_m3_ph": VIABLE_BUFFER_CAPACITY,
    "capillary_ion_permeability_m_per_s": CAPILLARY_ION_PERMEABILITY,
    "capillary_small_pore_radius_m": CAPILLARY_SMALL_PORE_RADIUS,
    "subcutis_modelled_m": SUBCUTIS_MODELLED_M,
    "adipose_blood_flow_per_s": ADIPOSE_BLOOD_FLOW,
    "electroosmotic_water_flow_m_per_s": ELECTROOSMOTIC_WATER_FLOW,
    "electroosmotic_current_density_a_per_m2": ELECTROOSMOTIC_CURRENT_DENSITY,
    "body_nacl_mol_per_m3": BODY_NACL,
    "receptor_nacl_mol_per_m3": RECEPTOR_NACL,
    "dermal_capillary_area_cm2_per_cm3": DERMAL_CAPILLARY_AREA,
    "capillary_permeability_ratio": CAPILLARY_PERMEABILITY_RATIO,
}

_REFERENCES = {
    "peck1994": "Peck KD, Ghanem AH, Higuchi WI. Hindered diffusion of polar molecules through and "
    "effective pore radii estimates of intact and ethanol treated human epidermal membrane. Pharm Res "
    "1994;11(9):1306-1314 [details unverified]",
    "scott1993": "Scott ER et al. Transport of ionic species in skin: contribution of pores to the "
    "overall skin conductance. Pharm Res 1993;10(12):1699-1709. doi:10.1023/A:1018909811672 (abstract)",
    "liddell2011": "Liddell MR, Li SK, Higuchi WI. Transport behavior of hairless mouse skin during "
    "constant current DC iontophoresis I: baseline studies. J Pharm Sci 2011;100(4):1475-1487 (abstract)",
    "kim1993": "Kim A, Green PG, Rao G, Guy RH. Convective solvent flow across the skin during "
    "iontophoresis. Pharm Res 1993;10(9):1315-1320 [authors unverified; numbers from the abstract]",
    "guyton2016": "Hall JE. Guyton and Hall Textbook of Medical Physiology, 13th ed. Elsevier 2016, "
    "ch. 25: interstitial fluid Na+ about 140 mmol/L",
    "pbs": "Cold Spring Harbor Protocols. Phosphate-buffered saline (PBS). doi:10.1101/pdb.rec8247 "
    "(NaCl 137 mM, KCl 2.7 mM, phosphate 10 mM, pH 7.4)",
    "dancik2013": "Dancik Y, Miller MA, Jaworska J, Kasting GB. Design and performance of a "
    "spreadsheet-based model for estimating bioavailability of chemicals from dermal exposure. Adv Drug "
    "Deliv Rev 2013;65(2):221-236. doi:10.1016/j.addr.2012.01.006",
    "pottsguy1992": "Potts RO, Guy RH. Predicting skin permeability. Pharm Res 1992;9(5):663-669: "
    "log kp (cm/h) = -2.74 + 0.71 log Kow - 0.0061 MW",
    "ohman1994": "Ohman H, Vahlquist A. In vivo studies concerning a pH gradient in human stratum "
    "corneum and upper epidermis. Acta Derm Venereol 1994;74(5):375-379. doi:10.2340/0001555574375379",
    "roos1981": "Roos A, Boron WF. Intracellular pH. Physiol Rev 1981;61(2):296-434 (intrinsic buffering "
    "power) [value not re-read]",
    "crone1985": "Crone C. Permeability of single capillaries. Clin Invest Med 1985;8(1):89-95 (abstract: "
    "small-solute permeabilities of continuous capillaries 7e-4 cm/s mesentery to 3e-7 cm/s brain)",
    "rippe1987": "Rippe B, Haraldsson B. Fluid and protein fluxes across small and large pores in the "
    "microvasculature. Application of two-pore equations. Acta Physiol Scand 1987;131:411-428 (abstract: "
    "small-pore radius 44-45 Å) [bibliographic details unverified]",
    "frayn2014": "Frayn KN, Karpe F. Regulation of human subcutaneous adipose tissue blood flow. Int J Obes "
    "2014;38(8):1019-1026 [value not re-read]",
    "dechadilok2006": "Dechadilok P, Deen WM. Hindrance factors for diffusion and convection in pores. "
    "Ind Eng Chem Res 2006;45(21):6953-6959 (H = Φ K_d and W = Φ K_c polynomial fits)",
    "bandura2006": "Bandura AV, Lvov SN. The ionization constant of water over wide ranges of temperature "
    "and density. J Phys Chem Ref Data 2006;35(1):15-30 (pKw at 0.1 MPa as tabulated in the CRC Handbook)",
    "renkin1954": "Renkin EM. Filtration, diffusion, and molecular sieving through porous cellulose "
    "membranes. J Gen Physiol 1954;38(2):225-243 (hindrance factor of a sphere in a cylindrical pore)",
    "scharfetter1969": "Scharfetter DL, Gummel HK. Large-signal analysis of a silicon Read diode "
    "oscillator. IEEE Trans Electron Devices 1969;16(1):64-77 (exponentially fitted flux)",
}


def references() -> dict[str, str]:
    """Reference key → text for every source this module and the engine's relations cite."""
    return dict(_REFERENCES)
