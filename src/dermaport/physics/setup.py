"""From cited library data to the engine's chain and conditions.

Derived quantities, each from cited inputs (docs/transport.md gives the equations):

- the appendageal route's share of the SC conductance from the site's appendage area and
  the conductance ratio of the two routes, and each route's aqueous fraction from the
  skin's cited resistance and the pore conductivity of body saline;
- the electroosmotic coefficient κ, from one measured water flow (calibration, stated);
- the active's lipid-route permeability from Potts–Guy and its SC/water partition Kow^0.71;
- capillary clearance from the small-pore (hydrophilic) and transcellular (lipophilic)
  permeability of the capillary wall, limited by blood flow;
- the SC pH profile (Öhman & Vahlquist 1994) and the tissue's buffer groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dermaport.library.actives import Active
from dermaport.library.skin import SkinSite
from dermaport.physics import parameters as par
from dermaport.physics.chemistry import MeanCharge, fixed_charge_mol_per_m3
from dermaport.physics.constants import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    ZERO_CELSIUS_K,
    hydrogen_mol_per_m3,
    hydroxide_mol_per_m3,
    water_ion_product,
)
from dermaport.physics.hindrance import convective_hindrance, diffusive_hindrance
from dermaport.physics.mesh import layered_mesh
from dermaport.physics.model import TOP, Chain, RouteProperties, Solute, TissueBuffer, build_chain
from dermaport.physics.solver import Conditions, ElectrodeKind, State, buffer_charge, speciation

__all__ = ["Resolution", "Vehicle", "build", "capillary_clearance_per_s", "potts_guy_kp_cm_per_h"]

#: Dermis left under split-thickness (dermatomed) skin in vitro (Dancik 2013 in-vitro default).
IN_VITRO_DERMIS_M = 400e-6
_LN10 = math.log(10.0)
_POTASSIUM_RADIUS_M = 0.125e-9  # hydrated K+ Stokes radius (Robinson & Stokes), the reference ion
_POTASSIUM_D_25C = 1.957e-9  # m²/s, K+ limiting diffusivity at 25 °C (CRC)


@dataclass(frozen=True)
class Resolution:
    """Cells per layer (stratum corneum, viable epidermis, dermis, subcutis) and grading."""

    stratum_corneum: int = 24
    viable_epidermis: int = 12
    dermis: int = 16
    subcutis: int = 8
    growth: float = 1.3


@dataclass(frozen=True)
class Vehicle:
    """The product film: pH, volume per area (m³/m² = m), active and other solutes (mol/m³)."""

    ph: float
    volume_m: float
    active_mol_per_m3: float
    ions: tuple[tuple[Active, float], ...] = ()  # strong ions added (background electrolytes)
    buffers: tuple[tuple[Active, float], ...] = ()  # weak electrolytes added (buffer species)


def potts_guy_kp_cm_per_h(log_kow: float, mw_g_per_mol: float) -> float:
    """Potts & Guy 1992: log kp (cm/h) = −2.74 + 0.71 log Kow − 0.0061 MW."""
    return float(10.0 ** (-2.74 + 0.71 * log_kow - 0.0061 * mw_g_per_mol))


def capillary_clearance_per_s(active: Active, temperature_c: float, blood_flow_per_s: float) -> float:
    """First-order capillary clearance (1/s) of ``active`` from tissue perfused at ``blood_flow_per_s``.

    ``k = 1 / (1/(P S) + 1/Q)`` (Kretsos 2008 / Dancik 2013 form) with the wall permeability
    ``P`` the sum of the transcellular route of lipophilic solutes, 100 × Potts–Guy kp, and
    the small-pore route of hydrophilic ones: a small ion's permeability scaled by the
    solute's free diffusivity and its hindrance in 4.4 nm pores (Dechadilok & Deen 2006),
    relative to K⁺.
    """
    log_kow = active.entry.log_kow.value if active.entry.log_kow is not None else -1.0
    lipophilic = (
        par.CAPILLARY_PERMEABILITY_RATIO.value * potts_guy_kp_cm_per_h(log_kow, active.mw_g_per_mol) / 3.6e5
    )
    r_pore = par.CAPILLARY_SMALL_PORE_RADIUS.value
    d_ref = _POTASSIUM_D_25C * (temperature_c + ZERO_CELSIUS_K) / (25.0 + ZERO_CELSIUS_K)
    pore = (
        par.CAPILLARY_ION_PERMEABILITY.value
        * active.diffusivity_m2_s(temperature_c)
        / d_ref
        * diffusive_hindrance(active.hydrodynamic_radius_m, r_pore)
        / diffusive_hindrance(_POTASSIUM_RADIUS_M, r_pore)
    )
    ps = (lipophilic + pore) * par.DERMAL_CAPILLARY_AREA.value * 100.0  # m/s × cm²/cm³ → 1/s
    if ps <= 0:
        return 0.0
    return 1.0 / (1.0 / ps + 1.0 / blood_flow_per_s)


def _solute(
    active: Active,
    role: str,
    temperature_c: float,
    clearance_per_s: float = 0.0,
    subcutis_clearance_per_s: float = 0.0,
) -> Solute:
    entry = active.entry
    charge = MeanCharge.of(entry.ionisable_groups, entry.fixed_charge)
    lipid: dict[str, float] = {}
    if role == "active" and entry.log_kow is not None:
        log_kow = entry.log_kow.value
        lipid = {
            "lipid_partition": 10.0 ** (0.71 * log_kow),
            "lipid_permeability_m_per_s": potts_guy_kp_cm_per_h(log_kow, active.mw_g_per_mol) / 3.6e5,
        }
    binding = getattr(entry, "stratum_corneum_binding", None)
    return Solute(
        name=active.name,
        role=role,  # type: ignore[arg-type]
        mw_g_per_mol=active.mw_g_per_mol,
        diffusivity_m2_s=active.diffusivity_m2_s(temperature_c),
        radius_m=active.hydrodynamic_radius_m,
        charge=charge,
        clearance_per_s=clearance_per_s,
        subcutis_clearance_per_s=subcutis_clearance_per_s,
        sc_binding=float(binding.value) if role == "active" and binding is not None else 0.0,
        **lipid,
    )


def _pore_conductivity(solutes: list[Solute], nacl: float, pore_radius: float, rt: float) -> float:
    """Conductivity (S/m) of body saline inside pores of ``pore_radius`` (hindered)."""
    total = 0.0
    for s in solutes:
        total += s.charge(7.4) ** 2 * s.diffusivity_m2_s * diffusive_hindrance(s.radius_m, pore_radius) * nacl
    return FARADAY_C_PER_MOL**2 / rt * total


def appendage_share(area_fraction: float) -> float:
    """Share of the SC's conductance carried by the appendageal route at this area fraction."""
    r = par.APPENDAGE_CONDUCTANCE_RATIO.value
    return area_fraction * r / (area_fraction * r + 1.0 - area_fraction)


def sc_ph_profile(depth_fraction: np.ndarray, surface_ph: float, viable_ph: float) -> np.ndarray:
    """PH across the SC (0 at the surface, 1 at the viable epidermis): Öhman & Vahlquist's sigmoid."""
    mid = par.SC_PH_INFLECTION_DEPTH.value
    width = par.SC_PH_TRANSITION_WIDTH.value

    def logistic(x: np.ndarray | float) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-(np.asarray(x) - mid) / width)))

    lo, hi = logistic(0.0), logistic(1.0)
    share = (logistic(depth_fraction) - lo) / (hi - lo)
    return np.asarray(surface_ph + (viable_ph - surface_ph) * share)


def build(
    active: Active,
    vehicle: Vehicle,
    skin: SkinSite,
    ions: dict[str, Active],
    *,
    electrode: ElectrodeKind,
    in_vitro: bool,
    resolution: Resolution = Resolution(),
) -> tuple[Chain, Conditions, State]:
    """Chain, conditions and initial state for one run.

    ``ions`` must hold the library's ``sodium``, ``chloride``, ``hydrogen_ion`` and
    ``hydroxide`` entries (body electrolytes and water ions).
    """
    e = skin.entry
    temperature = e.surface_temperature_c.value
    rt = GAS_CONSTANT_J_PER_MOL_K * (temperature + ZERO_CELSIUS_K)
    kw = water_ion_product(temperature)
    thickness_sc = e.thickness.stratum_corneum_um.value * 1e-6
    thickness_ve = e.thickness.viable_epidermis_um.value * 1e-6
    thickness_de = e.thickness.dermis_um.value * 1e-6
    if in_vitro:
        thickness_de = min(thickness_de, IN_VITRO_DERMIS_M)

    clearance = subcutis = 0.0
    if not in_vitro:
        clearance = capillary_clearance_per_s(active, temperature, e.dermal_clearance_per_h.value / 3600.0)
        subcutis = capillary_clearance_per_s(active, temperature, par.ADIPOSE_BLOOD_FLOW.value)

    # species: the active, every strong ion of the vehicle and the body, the vehicle's buffers
    solutes: list[Solute] = [_solute(active, "active", temperature, clearance, subcutis)]
    strong_actives: dict[str, Active] = {"sodium": ions["sodium"], "chloride": ions["chloride"]}
    for ion, _ in vehicle.ions:
        strong_actives.setdefault(ion.name, ion)
    counter = active.entry.counter_ion
    if counter in ions and counter not in ("hydrogen_ion", "hydroxide"):
        strong_actives.setdefault(counter, ions[counter])
    for ion in strong_actives.values():
        solutes.append(_solute(ion, "strong", temperature))
    for buf, _ in vehicle.buffers:
        solutes.append(_solute(buf, "buffer", temperature))
    index = {s.name: i for i, s in enumerate(solutes) if i > 0}

    # the two SC routes: each one's share of the cited conductance from its area and conductivity
    f = e.appendage_area_fraction.value
    area = (1.0 - f, f)
    body_nacl = par.BODY_NACL.value if not in_vitro else par.RECEPTOR_NACL.value
    ionic = [solutes[index["sodium"]], solutes[index["chloride"]]]
    radius = (par.PORE_RADIUS_SC.value, math.inf)
    sigma = tuple(_pore_conductivity(ionic, body_nacl, r, rt) for r in radius)
    conductance = 1.0 / (e.resistance_kohm_cm2.value * 1e3 * 1e-4)  # S/m²
    share = appendage_share(f)
    porosity = (
        (1.0 - share) * conductance * thickness_sc / (area[0] * sigma[0]),
        share * conductance * thickness_sc / (area[1] * sigma[1]),
    )
    routes = RouteProperties(area, porosity, e.stratum_corneum_water_fraction.value, radius)

    # electroosmotic coefficient calibrated to one measured water flow at pH 7.4
    x_ref = abs(fixed_charge_mol_per_m3(e.fixed_charge_mol_per_l.value * 1e3, 7.4, e.isoelectric_point.value))
    kappa = (
        par.ELECTROOSMOTIC_WATER_FLOW.value
        * (area[0] * porosity[0] * sigma[0] + area[1] * porosity[1] * sigma[1])
        / (
            x_ref
            * FARADAY_C_PER_MOL
            * par.ELECTROOSMOTIC_CURRENT_DENSITY.value
            * (area[0] * porosity[0] + area[1] * porosity[1])
        )
    )

    layers = [thickness_sc, thickness_ve, thickness_de]
    cells = [resolution.stratum_corneum, resolution.viable_epidermis, resolution.dermis]
    if not in_vitro:
        layers.append(par.SUBCUTIS_MODELLED_M.value)
        cells.append(resolution.subcutis)
    column = layered_mesh(layers, cells, resolution.growth)
    viable_ph = 7.4 if in_vitro else e.viable_ph.value
    water_d = (
        ions["hydrogen_ion"].diffusivity_m2_s(temperature),
        ions["hydroxide"].diffusivity_m2_s(temperature),
    )

    # the tissue's immobile acid-base groups: the SC's fixed charge, the living tissue's buffers
    n_sc = resolution.stratum_corneum
    n_cells = 1 + 2 * n_sc + (column.size - n_sc)
    x0 = e.fixed_charge_mol_per_l.value * 1e3
    b_live = 4.0 * par.VIABLE_BUFFER_CAPACITY.value / _LN10
    total = np.full(n_cells, b_live)
    pka = np.full(n_cells, viable_ph)
    offset = np.full(n_cells, -0.5 * b_live)
    sc_cells = np.arange(1, 1 + 2 * n_sc)
    total[sc_cells] = 2.0 * x0
    pka[sc_cells] = e.isoelectric_point.value
    offset[sc_cells] = -x0
    total[0] = offset[0] = 0.0
    tissue = TissueBuffer(total, pka, offset)

    chain = build_chain(
        column,
        routes,
        tuple(solutes),
        vehicle_volume_m=vehicle.volume_m,
        viable_water_fraction=e.viable_tissue_water_fraction.value,
        viable_diffusivity_ratio=e.viable_diffusivity_ratio.value,
        water_ion_diffusivity_m2_s=water_d,
        diffusive_hindrance=diffusive_hindrance,
        convective_hindrance=convective_hindrance,
        buffer=tissue,
    )
    bottom = np.zeros(len(solutes))
    bottom[index["sodium"]] = body_nacl
    bottom[index["chloride"]] = body_nacl
    cond = Conditions(
        temperature_c=temperature,
        viable_ph=viable_ph,
        electroosmotic_coefficient=kappa,
        electrode=electrode,
        bottom=bottom,
        bottom_ph=viable_ph,
        kw=kw,
        active=0,
        sodium=index["sodium"],
        chloride=index["chloride"],
    )
    return chain, cond, _initial_state(chain, cond, vehicle, index, body_nacl, active, e.surface_ph.value)


def salt_counter_ions(active_charge_at_7: float, counter_charge: float) -> float:
    """Counter-ions per molecule of an active sold as a salt (lidocaine HCl: 1 Cl⁻; SAP: 3 Na⁺).

    The salt neutralises the active's charge at neutral pH, rounded to whole charges (at
    least one): lidocaine +0.88 → 1 Cl⁻, sodium ascorbyl phosphate −2.8 → 3 Na⁺, magnesium
    ascorbyl phosphate → 1.5 Mg²⁺. A counter-ion of the same sign as the active adds nothing.
    """
    if active_charge_at_7 * counter_charge >= 0:
        return 0.0
    return max(1.0, float(round(abs(active_charge_at_7)))) / abs(counter_charge)


def _initial_state(
    chain: Chain,
    cond: Conditions,
    vehicle: Vehicle,
    index: dict[str, int],
    body_nacl: float,
    active: Active,
    surface_ph: float,
) -> State:
    n = chain.n_cells
    u = np.zeros((len(chain.solutes), n))
    ph = np.full(n, cond.viable_ph)
    # the SC: Öhman & Vahlquist's pH profile; its pores hold body saline in Donnan equilibrium
    sc = chain.kind == TOP
    depth = (
        chain.column.centers_m[np.maximum(chain.depth_index, 0)]
        / chain.column.widths_m[chain.column.layer == 0].sum()
    )
    ph[sc] = sc_ph_profile(depth[sc], surface_ph, cond.viable_ph)
    ph[0] = vehicle.ph
    fixed = buffer_charge(chain, ph)
    water_charge = np.array([hydrogen_mol_per_m3(p) - hydroxide_mol_per_m3(p, cond.kw) for p in ph])
    x = fixed + water_charge
    cation = 0.5 * (-x + np.sqrt(x * x + 4 * body_nacl**2))
    u[cond.sodium] = cation
    u[cond.chloride] = cation + x
    # the vehicle: the active as its salt (with its counter-ion), added ions and buffers, and
    # the NaOH or HCl that brings the product to its pH (Na⁺ or Cl⁻ for the charge left over)
    u[:, 0] = 0.0
    u[0, 0] = vehicle.active_mol_per_m3
    for ion, conc in vehicle.ions:
        u[index[ion.name], 0] += conc
    for buf, conc in vehicle.buffers:
        u[index[buf.name], 0] += conc
    counter = active.entry.counter_ion
    if counter in index:
        u[index[counter], 0] += vehicle.active_mol_per_m3 * salt_counter_ions(
            chain.solutes[0].charge(7.0), chain.solutes[index[counter]].charge(7.0)
        )
    alpha, _ = speciation(chain, ph[:1], cond.kw)
    mi = chain.micro
    z_mean = np.add.reduceat(alpha[: mi.proton, 0] * mi.z[: mi.proton], mi.starts)
    charge = float(np.sum(z_mean * u[:, 0])) + float(alpha[mi.proton, 0] - alpha[mi.proton + 1, 0])
    name = "sodium" if charge < 0 else "chloride"
    u[index[name], 0] += abs(charge)
    return State(u=u, ph=ph, dpsi=np.zeros(chain.n_faces))
