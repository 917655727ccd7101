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
SHUNT_CONDUCTANCE_SHARE = CitedParameter(
    0.5,
    "1",
    "scott1993",
    "Share of the skin's conductance carried by the appendageal (pore) route: 0-5 % at the start of "
    "current rising to 50-95 % at quasi-steady state in hairless mouse skin at 10-200 uA/cm2; the "
    "lower end of the steady range is taken, human skin being far less hairy.",
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
    "Capillary wall permeability = 100 × the Potts–Guy permeability coefficient (Dancik 2013).",
)

PARAMETERS: dict[str, CitedParameter] = {
    "pore_radius_sc_m": PORE_RADIUS_SC,
    "shunt_conductance_share": SHUNT_CONDUCTANCE_SHARE,
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
    "renkin1954": "Renkin EM. Filtration, diffusion, and molecular sieving through porous cellulose "
    "membranes. J Gen Physiol 1954;38(2):225-243 (hindrance factor of a sphere in a cylindrical pore)",
    "scharfetter1969": "Scharfetter DL, Gummel HK. Large-signal analysis of a silicon Read diode "
    "oscillator. IEEE Trans Electron Devices 1969;16(1):64-77 (exponentially fitted flux)",
}


def references() -> dict[str, str]:
    """Reference key → text for every source this module and the engine's relations cite."""
    return dict(_REFERENCES)
