"""From cited library data to the engine's chain and conditions.

Derived quantities, each from cited inputs (docs/transport.md gives the equations):

- the aqueous fraction of each route's top layer, from the skin's cited resistance, the
  share of conductance carried by appendages and the pore conductivity of body saline;
- the electroosmotic coefficient κ, from one measured water flow (calibration, stated);
- the active's lipid-route permeability from Potts–Guy and its SC/water partition Kow^0.71;
- the active's dermal clearance from the Dancik 2013 capillary expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dermaport.library.acid_base import charge_distribution
from dermaport.library.actives import Active
from dermaport.library.skin import SkinSite
from dermaport.physics import parameters as par
from dermaport.physics.chemistry import MeanCharge, WeakElectrolyte, fixed_charge_mol_per_m3
from dermaport.physics.constants import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    ZERO_CELSIUS_K,
    hydrogen_mol_per_m3,
    hydroxide_mol_per_m3,
)
from dermaport.physics.hindrance import renkin
from dermaport.physics.mesh import layered_mesh
from dermaport.physics.model import Chain, RouteProperties, Solute, build_chain
from dermaport.physics.solver import Conditions, ElectrodeKind, State

__all__ = ["Resolution", "Vehicle", "build", "potts_guy_kp_cm_per_h"]

#: Dermis left under split-thickness (dermatomed) skin in vitro (Dancik 2013 in-vitro default).
IN_VITRO_DERMIS_M = 400e-6


@dataclass(frozen=True)
class Resolution:
    """Cells per layer of one route (stratum corneum, viable epidermis, dermis) and grading."""

    stratum_corneum: int = 24
    viable_epidermis: int = 12
    dermis: int = 16
    growth: float = 1.3


@dataclass(frozen=True)
class Vehicle:
    """The product film: pH, volume per area (m³/m² = m), active and other solutes (mol/m³)."""

    ph: float
    volume_m: float
    active_mol_per_m3: float
    ions: tuple[tuple[Active, float], ...] = ()  # strong ions added (background electrolytes)
    buffers: tuple[tuple[Active, float], ...] = ()  # weak, non-transported (buffer species)


def potts_guy_kp_cm_per_h(log_kow: float, mw_g_per_mol: float) -> float:
    """Potts & Guy 1992: log kp (cm/h) = −2.74 + 0.71 log Kow − 0.0061 MW."""
    return float(10.0 ** (-2.74 + 0.71 * log_kow - 0.0061 * mw_g_per_mol))


def _solute(active: Active, role: str, temperature_c: float, clearance_per_s: float = 0.0) -> Solute:
    entry = active.entry
    charge = MeanCharge.of(entry.ionisable_groups, entry.fixed_charge)
    kw = {}
    if role == "active" and entry.log_kow is not None:
        log_kow = entry.log_kow.value
        kw = {
            "lipid_partition": 10.0 ** (0.71 * log_kow),
            "lipid_permeability_m_per_s": potts_guy_kp_cm_per_h(log_kow, active.mw_g_per_mol) / 3.6e5,
        }

        def neutral(ph: float, _a: Active = active) -> float:
            return charge_distribution(_a.entry.ionisable_groups, ph, fixed_charge=_a.entry.fixed_charge).get(
                0, 0.0
            )

        kw_neutral = {"neutral_fraction": neutral}
    else:
        kw_neutral = {}
    return Solute(
        name=active.name,
        role=role,  # type: ignore[arg-type]
        mw_g_per_mol=active.mw_g_per_mol,
        diffusivity_m2_s=active.diffusivity_m2_s(temperature_c),
        radius_m=active.hydrodynamic_radius_m,
        charge=charge,
        clearance_per_s=clearance_per_s,
        **kw,
        **kw_neutral,  # type: ignore[arg-type]
    )


def _pore_conductivity(solutes: list[Solute], nacl: float, pore_radius: float, rt: float) -> float:
    """Conductivity (S/m) of body saline inside pores of ``pore_radius`` (Renkin-hindered)."""
    total = 0.0
    for s in solutes:
        total += s.charge(7.4) ** 2 * s.diffusivity_m2_s * renkin(s.radius_m, pore_radius) * nacl
    return FARADAY_C_PER_MOL**2 / rt * total


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
    thickness_sc = e.thickness.stratum_corneum_um.value * 1e-6
    thickness_ve = e.thickness.viable_epidermis_um.value * 1e-6
    thickness_de = e.thickness.dermis_um.value * 1e-6
    if in_vitro:
        thickness_de = min(thickness_de, IN_VITRO_DERMIS_M)

    # dermal capillary clearance (Dancik 2013): 1 / (1/(Pcap S) + 1/Q), Pcap = 100 × Potts–Guy kp
    clearance = 0.0
    if not in_vitro:
        q = e.dermal_clearance_per_h.value / 3600.0
        log_kow = active.entry.log_kow.value if active.entry.log_kow is not None else -1.0
        pcap_cm_s = (
            par.CAPILLARY_PERMEABILITY_RATIO.value
            * potts_guy_kp_cm_per_h(log_kow, active.mw_g_per_mol)
            / 3600
        )
        ps = pcap_cm_s * par.DERMAL_CAPILLARY_AREA.value
        clearance = 1.0 / (1.0 / ps + 1.0 / q)

    # species: the active, every strong ion of the vehicle, the body's Na⁺/Cl⁻, water's H⁺/OH⁻
    solutes: list[Solute] = [_solute(active, "active", temperature, clearance)]
    strong_actives: dict[str, Active] = {"sodium": ions["sodium"], "chloride": ions["chloride"]}
    for ion, _ in vehicle.ions:
        strong_actives.setdefault(ion.name, ion)
    counter = active.entry.counter_ion
    if counter in ions and counter not in ("hydrogen_ion", "hydroxide"):
        strong_actives.setdefault(counter, ions[counter])
    for ion in strong_actives.values():
        solutes.append(_solute(ion, "strong", temperature))
    solutes.append(_solute(ions["hydrogen_ion"], "proton", temperature))
    solutes.append(_solute(ions["hydroxide"], "hydroxide", temperature))
    index = {s.name: i for i, s in enumerate(solutes)}

    # the two routes: aqueous fractions from the cited resistance and the appendageal share
    f = e.appendage_area_fraction.value
    area = (1.0 - f, f)
    body_nacl = par.BODY_NACL.value if not in_vitro else par.RECEPTOR_NACL.value
    ionic = [solutes[index["sodium"]], solutes[index["chloride"]]]
    radius = (par.PORE_RADIUS_SC.value, math.inf)
    sigma = tuple(_pore_conductivity(ionic, body_nacl, r, rt) for r in radius)
    conductance = 1.0 / (e.resistance_kohm_cm2.value * 1e3 * 1e-4)  # S/m²
    share = par.SHUNT_CONDUCTANCE_SHARE.value
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

    column = layered_mesh(
        (thickness_sc, thickness_ve, thickness_de),
        (resolution.stratum_corneum, resolution.viable_epidermis, resolution.dermis),
        resolution.growth,
    )
    chain = build_chain(
        column,
        routes,
        tuple(solutes),
        vehicle_volume_m=vehicle.volume_m,
        viable_water_fraction=e.viable_tissue_water_fraction.value,
        viable_diffusivity_ratio=e.viable_diffusivity_ratio.value,
        hindrance_of=renkin,
    )

    viable_ph = 7.4 if in_vitro else e.viable_ph.value
    bottom = np.zeros(len(solutes))
    bottom[index["sodium"]] = body_nacl
    bottom[index["chloride"]] = body_nacl
    bottom[index["hydrogen_ion"]] = hydrogen_mol_per_m3(viable_ph)
    bottom[index["hydroxide"]] = hydroxide_mol_per_m3(viable_ph)

    weak = tuple(
        WeakElectrolyte(b.name, c, MeanCharge.of(b.entry.ionisable_groups, b.entry.fixed_charge))
        for b, c in vehicle.buffers
    )
    cond = Conditions(
        temperature_c=temperature,
        viable_ph=viable_ph,
        isoelectric_point=e.isoelectric_point.value,
        fixed_charge_mol_per_m3=e.fixed_charge_mol_per_l.value * 1e3,
        electroosmotic_coefficient=kappa,
        electrode=electrode,
        bottom=bottom,
        weak_vehicle=weak,
        active=0,
        proton=index["hydrogen_ion"],
        hydroxide=index["hydroxide"],
        chloride=index["chloride"],
        strong=tuple(i for i, s in enumerate(solutes) if s.role == "strong"),
    )
    return chain, cond, _initial_state(chain, cond, vehicle, index, body_nacl, active)


def _initial_state(
    chain: Chain, cond: Conditions, vehicle: Vehicle, index: dict[str, int], body_nacl: float, active: Active
) -> State:
    u = np.zeros((len(chain.solutes), chain.n_cells))
    u[:, :] = cond.bottom[:, None]
    u[0, :] = 0.0
    # the top layers' pores hold body saline in Donnan equilibrium with their fixed charge
    x = fixed_charge_mol_per_m3(cond.fixed_charge_mol_per_m3, vehicle.ph, cond.isoelectric_point)
    cation = 0.5 * (-x + math.sqrt(x * x + 4 * body_nacl**2))
    u[index["sodium"], chain.top_cells] = cation
    u[index["chloride"], chain.top_cells] = cation + x
    u[cond.proton, chain.top_cells] = hydrogen_mol_per_m3(vehicle.ph)
    u[cond.hydroxide, chain.top_cells] = hydroxide_mol_per_m3(vehicle.ph)
    # the vehicle: active, added ions, water ions, and the counter-ion that makes it neutral
    veh = chain.vehicle
    u[:, veh] = 0.0
    u[0, veh] = vehicle.active_mol_per_m3
    for ion, conc in vehicle.ions:
        u[index[ion.name], veh] += conc
    u[cond.proton, veh] = hydrogen_mol_per_m3(vehicle.ph)
    u[cond.hydroxide, veh] = hydroxide_mol_per_m3(vehicle.ph)
    charge = sum(s.charge(vehicle.ph) * u[i, veh] for i, s in enumerate(chain.solutes))
    charge += sum(w.concentration * w.charge(vehicle.ph) for w in cond.weak_vehicle)
    counter = active.entry.counter_ion
    if charge < 0:
        name = counter if counter in index and chain.solutes[index[counter]].charge(7) > 0 else "sodium"
    else:
        name = counter if counter in index and chain.solutes[index[counter]].charge(7) < 0 else "chloride"
    z_counter = chain.solutes[index[name]].charge(vehicle.ph)
    u[index[name], veh] += -charge / z_counter
    return State(u=u, ph=vehicle.ph, dpsi=np.zeros(chain.n_cells + 1))
