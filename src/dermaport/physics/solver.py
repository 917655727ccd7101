"""Implicit finite-volume time stepping of the multi-ion Nernst–Planck system.

Per time step (backward Euler, adaptive step), Newton's method solves at once, as one sparse
system:

- every species' balance in every cell (Scharfetter–Gummel fluxes between cells);
- on every face, that the ions together carry the face's current: electroneutrality in 1-D
  makes the current density uniform along each route, which fixes the potential drop there;
- that the applied current divides between the two routes so both see the same voltage.

The electroosmotic volume flow of each route (from the fixed charge of its top layer, whose
sign follows the vehicle pH against the skin's pI, and the mean field across it) is solved
with them; the vehicle pH (from the vehicle's electroneutrality) is updated between Newton
iterations. A step is accepted when the update is below 1e-8, or once convergence is
clearly quadratic with the pH settled (an update under 1e-4 and a hundredth of the one
before, so the next would be at round-off), or after ten iterations below 1e-6; the fluxes
reported are those of the accepted state, so mass is conserved to round-off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import LinAlgError

from dermaport.physics.bordered import BorderedBandedSystem
from dermaport.physics.chemistry import WeakElectrolyte, fixed_charge_mol_per_m3, vehicle_ph
from dermaport.physics.constants import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    ZERO_CELSIUS_K,
    hydrogen_mol_per_m3,
    hydroxide_mol_per_m3,
)
from dermaport.physics.model import Array, Chain
from dermaport.physics.sg import bernoulli_pair

__all__ = [
    "Conditions",
    "SolverError",
    "State",
    "StepReport",
    "advance",
    "capacity_and_kd",
    "charges",
    "face_coefficients",
]

logger = logging.getLogger(__name__)

ElectrodeKind = Literal["inert", "ag-agcl"]


class SolverError(RuntimeError):
    """The time step could not be made to converge."""


@dataclass(frozen=True, eq=False)
class Conditions:
    """What stays fixed during a run: temperature, chemistry, skin charge, electrode.

    Compared and hashed by identity, so per-run results can be cached.
    """

    temperature_c: float
    viable_ph: float
    isoelectric_point: float
    fixed_charge_mol_per_m3: float  # magnitude, per pore water
    electroosmotic_coefficient: float  # κ, m²/(Pa·s)
    electrode: ElectrodeKind
    bottom: Array  # (S,) reservoir concentrations under the dermis (mol/m³)
    weak_vehicle: tuple[WeakElectrolyte, ...]  # non-transported weak electrolytes (buffers)
    active: int
    proton: int
    hydroxide: int
    chloride: int
    strong: tuple[int, ...]

    @property
    def thermal_factor(self) -> float:
        """RT in J/mol."""
        return GAS_CONSTANT_J_PER_MOL_K * (self.temperature_c + ZERO_CELSIUS_K)


@dataclass
class State:
    """Concentrations and the electrical state after a step."""

    u: Array  # (S, N) aqueous-equivalent concentrations, mol/m³
    ph: float  # vehicle pH
    dpsi: Array  # (N + 1,) dimensionless potential drops across faces (chain direction)
    route_current: Array = field(default_factory=lambda: np.zeros(2))  # A/m² of skin, into skin
    volume_flow: Array = field(default_factory=lambda: np.zeros(2))  # m/s per route area, into skin
    attached: bool = True

    def copy(self) -> State:
        """A deep copy."""
        return State(
            self.u.copy(),
            self.ph,
            self.dpsi.copy(),
            self.route_current.copy(),
            self.volume_flow.copy(),
            self.attached,
        )


@dataclass(frozen=True)
class StepReport:
    """What crossed which boundary during one accepted step (mol per m² of skin)."""

    surface: Array  # (S,) into the skin from the vehicle
    surface_charge: float  # charge carried by the active into the skin (mol of charge per m²)
    bottom: Array  # (S,) out of the dermis into the body or receptor
    cleared: Array  # (S,) removed by dermal clearance
    voltage_v: float  # intercellular route, vehicle to the deep reservoir
    iterations: int


def charges(chain: Chain, cond: Conditions, ph: float) -> Array:
    """(S, N) mean charge of each species in each cell.

    The vehicle's solutes carry their charge at the vehicle pH; in the skin every species
    carries its charge at the tissue's pH, which its buffers hold. One charge per species
    along the skin keeps every cell's charge conserved exactly: a charge that changed from
    cell to cell at a fixed pH would need protons the model does not move. The vehicle is
    where charge states change: its pH re-balances its electroneutrality at every step.
    """
    z = np.empty((len(chain.solutes), chain.n_cells))
    for s, solute in enumerate(chain.solutes):
        z[s, :] = solute.charge(cond.viable_ph)
        z[s, chain.vehicle] = solute.charge(ph)
    return z


def capacity_and_kd(chain: Chain, cond: Conditions, ph: float) -> tuple[Array, Array, Array]:
    """(S, N) capacity, total K·D and polar share, with the active's lipid route at ``ph``."""
    capacity = chain.capacity.copy()
    kd = chain.kd_polar.copy()
    active = chain.solutes[cond.active]
    if active.neutral_fraction is not None and active.lipid_permeability_m_per_s > 0:
        fn = active.neutral_fraction(ph)
        thickness = chain.column.widths_m[chain.column.layer == 0].sum()
        capacity[cond.active, chain.lipid_cells] += fn * active.lipid_partition
        kd[cond.active, chain.lipid_cells] += fn * active.lipid_permeability_m_per_s * thickness
    # a solute too large for a pathway (K·D = 0 there) has no lipid share either: polar share 1
    polar = np.divide(chain.kd_polar, kd, out=np.ones_like(kd), where=kd > 0)
    return capacity, kd, polar


def face_coefficients(chain: Chain, kd: Array, polar: Array, z: Array, hindrance: Array) -> tuple[Array, ...]:
    """Face conductance G (m/s), polar share φ, charge z and convective hindrance W: (S, N + 1)."""
    kd_l = np.concatenate((kd[:, :1], kd), axis=1)
    kd_r = np.concatenate((kd, kd[:, -1:]), axis=1)
    with np.errstate(divide="ignore"):  # a closed pathway: infinite resistance, no conductance
        resistance = chain.half_left / kd_l + chain.half_right / kd_r
        conductance = 1.0 / resistance
    pol_l = np.concatenate((polar[:, :1], polar), axis=1)
    pol_r = np.concatenate((polar, polar[:, -1:]), axis=1)
    phi = np.minimum(pol_l, pol_r)
    z_l = np.concatenate((z[:, :1], z), axis=1)
    z_r = np.concatenate((z, z[:, -1:]), axis=1)
    veh = chain.vehicle
    z_l[:, veh + 1] = z_r[:, veh + 1]  # a solute crosses the surface with its charge in the skin
    z_r[:, veh] = z_l[:, veh]
    w_l = np.concatenate((hindrance[:, :1], hindrance), axis=1)
    w_r = np.concatenate((hindrance, hindrance[:, -1:]), axis=1)
    return conductance, phi, 0.5 * (z_l + z_r), np.minimum(w_l, w_r)


@dataclass(frozen=True)
class _Layout:
    """Where each unknown sits in the banded part of the Newton system.

    Unknowns are interleaved by position along the chain (face i, then every species of
    cell i), so each couples only to unknowns at most ``S + 1`` places away; the two route
    currents and the two electroosmotic flows form the border.
    """

    cell: NDArray[np.int64]  # (S, N) band position of u[s, i]
    face: NDArray[np.int64]  # (N + 1,) band position of the drop across face i
    half_bandwidth: int
    size: int
    entries: NDArray[np.int64]  # flat storage positions of every band entry, in assembly order


@cache
def _layout(s_count: int, n: int) -> _Layout:
    block = s_count + 1
    cell = (np.arange(n)[None, :] * block + 1 + np.arange(s_count)[:, None]).astype(np.int64)
    face = (np.arange(n + 1) * block).astype(np.int64)
    size = n * block + 1

    def at(row: NDArray[np.int64], col: NDArray[np.int64]) -> NDArray[np.int64]:
        return BorderedBandedSystem.band_position(block, row, col)

    face_right = np.broadcast_to(face[None, 1:], cell.shape)
    face_left = np.broadcast_to(face[None, :-1], cell.shape)
    face_of_left_cell = np.broadcast_to(face[None, 1:], cell.shape)  # face f sees cell f - 1
    entries = np.concatenate(
        [
            at(cell, cell).ravel(),  # species balances: own cell
            at(cell[:, :-1], cell[:, 1:]).ravel(),  # the cell to the right
            at(cell[:, 1:], cell[:, :-1]).ravel(),  # the cell to the left
            at(cell, face_right).ravel(),  # the drop across the right face
            at(cell, face_left).ravel(),  # the drop across the left face
            at(face_of_left_cell, cell).ravel(),  # face constraints: the cell to the left
            at(face_left, cell).ravel(),  # the cell to the right
            at(face, face),  # their own drop
        ]
    )
    return _Layout(cell=cell, face=face, half_bandwidth=block, size=size, entries=entries)


@dataclass(frozen=True)
class _Coefficients:
    """One Newton iterate's face fluxes and their derivatives, (S, N + 1) unless noted."""

    mass: Array  # (S, N) stored amount per unit concentration (m)
    a: Array  # J = A u_left - B u_right (chain direction)
    b: Array
    flux: Array
    dflux_dpsi: Array
    dflux_dflow: Array  # per unit volume flow of the face's route
    charge_weight: Array  # z φ G: the charge flux's share of each face's SG terms
    bw: Array  # B(w) and B(-w)
    bmw: Array
    zf: Array


@lru_cache(maxsize=16)
def _at_ph(chain: Chain, cond: Conditions, ph: float) -> tuple[Array, ...]:
    """Storage per unit concentration and the face coefficients, which depend only on the pH."""
    z = charges(chain, cond, ph)
    capacity, kd, polar = capacity_and_kd(chain, cond, ph)
    g, phi, zf, w_face = face_coefficients(chain, kd, polar, z, chain.hindrance)
    phi_g = phi * g
    # Péclet number per unit volume flow; zero on a face the solute cannot cross at all
    peclet_per_flow = np.divide(w_face * chain.face_dir, phi_g, out=np.zeros_like(phi_g), where=phi_g > 0)
    return chain.volume_m * capacity, g, phi, zf, peclet_per_flow, phi_g


def _coefficients(
    chain: Chain, cond: Conditions, u: Array, dpsi: Array, flow: Array, ph: float
) -> _Coefficients:
    mass, g, phi, zf, peclet_per_flow, phi_g = _at_ph(chain, cond, ph)
    pe = peclet_per_flow * flow[chain.face_route]
    ul = np.concatenate((cond.bottom[:, None], u), axis=1)
    ur = np.concatenate((u, cond.bottom[:, None]), axis=1)
    w = zf * dpsi - pe
    bw, bmw, dbw, dbmw = bernoulli_pair(w)
    a = g * (phi * bw + 1.0 - phi)
    b = g * (phi * bmw + 1.0 - phi)
    spread = dbw * ul + dbmw * ur
    return _Coefficients(
        mass=mass,
        a=a,
        b=b,
        flux=a * ul - b * ur,
        dflux_dpsi=phi_g * zf * spread,
        dflux_dflow=-peclet_per_flow * phi_g * spread,
        charge_weight=zf * phi_g,
        bw=bw,
        bmw=bmw,
        zf=zf,
    )


def _assemble(
    chain: Chain,
    cond: Conditions,
    co: _Coefficients,
    *,
    u: Array,
    dpsi: Array,
    currents: Array,
    flow: Array,
    ph: float,
    stored_old: Array,
    dt: float,
    current_a_per_m2: float,
    area: Array,
    attached: bool,
) -> tuple[BorderedBandedSystem, Array, Array]:
    """The Newton system and its residuals (band part, border part) at one iterate."""
    n = chain.n_cells
    s_count = len(chain.solutes)
    veh = chain.vehicle
    lay = _layout(s_count, n)
    routes = chain.face_route
    dirs = chain.face_dir
    system = BorderedBandedSystem(lay.size, lay.half_bandwidth, 4)
    right, bottom, corner = system.right, system.bottom, system.corner
    residual = np.empty(lay.size)
    border_residual = np.empty(4)

    # species balances in every cell
    mass = co.mass
    fa, fb = area * co.a, area * co.b
    res = (
        (mass * u - stored_old) / dt
        + mass * chain.clearance * u
        + area[1:] * co.flux[:, 1:]
        - area[:-1] * co.flux[:, :-1]
    )
    if attached and cond.electrode == "ag-agcl":
        # Ag/AgCl: the anode takes Cl⁻ out of the vehicle (AgCl forms), the cathode releases it
        taken = max(-current_a_per_m2 / FARADAY_C_PER_MOL, -0.999 * stored_old[cond.chloride, veh] / dt)
        res[cond.chloride, veh] -= taken
    residual[lay.cell] = res
    right[lay.cell, 2 + routes[None, 1:]] = area[1:] * co.dflux_dflow[:, 1:]
    right[lay.cell, 2 + routes[None, :-1]] += -area[:-1] * co.dflux_dflow[:, :-1]

    # faces: the ions' charge flux through the face carries the route's current
    weight = area * co.charge_weight
    weighted_bw, weighted_bmw = weight * co.bw, weight * co.bmw
    residual[lay.face] = (
        np.sum(weighted_bw * np.concatenate((cond.bottom[:, None], u), axis=1), axis=0)
        - np.sum(weighted_bmw * np.concatenate((u, cond.bottom[:, None]), axis=1), axis=0)
        - currents[routes] * dirs / FARADAY_C_PER_MOL
    )
    right[lay.face, routes] = -dirs / FARADAY_C_PER_MOL
    right[lay.face, 2 + routes] = area * np.sum(co.zf * co.dflux_dflow, axis=0)
    values = (
        mass / dt + mass * chain.clearance + fa[:, 1:] + fb[:, :-1],
        -fb[:, 1:-1],
        -fa[:, 1:-1],
        area[1:] * co.dflux_dpsi[:, 1:],
        -area[:-1] * co.dflux_dpsi[:, :-1],
        weighted_bw[:, 1:],
        -weighted_bmw[:, :-1],
        area * np.sum(co.zf * co.dflux_dpsi, axis=0),
    )
    system.set_band(lay.entries, np.concatenate([v.ravel() for v in values]))

    # pinned unknowns: water ions in the vehicle (set by its pH), surface drops when detached
    if attached:
        for s, value in ((cond.proton, hydrogen_mol_per_m3(ph)), (cond.hydroxide, hydroxide_mol_per_m3(ph))):
            row = int(lay.cell[s, veh])
            system.make_identity_row(row)
            residual[row] = u[s, veh] - value
    else:
        for f in (veh, veh + 1):
            row = int(lay.face[f])
            system.make_identity_row(row)
            residual[row] = dpsi[f]

    # electroosmotic flow of each route from the mean field across its top layer
    fixed = fixed_charge_mol_per_m3(cond.fixed_charge_mol_per_m3, ph, cond.isoelectric_point)
    for r in (0, 1):
        top = chain.top_faces[r]
        coef = (
            cond.electroosmotic_coefficient
            * chain.routes.porosity[r]
            * fixed
            * cond.thermal_factor
            / chain.top_span_m[r]
        )
        border_residual[2 + r] = flow[r] - coef * float(np.sum(dpsi[top] * dirs[top]))
        corner[2 + r, 2 + r] = 1.0
        bottom[2 + r, lay.face[top]] = -coef * dirs[top]
    # routes: currents add up; equal voltage (or no current at all when the vehicle is off)
    if attached:
        border_residual[0] = currents[0] + currents[1] - current_a_per_m2
        corner[0, :2] = 1.0
        signed = np.where(routes == 0, dirs, -dirs)
        border_residual[1] = float(np.sum(signed * dpsi))
        bottom[1, lay.face] = signed
    else:
        border_residual[:2] = currents
        corner[0, 0] = corner[1, 1] = 1.0
    return system, residual, border_residual


def advance(
    chain: Chain,
    cond: Conditions,
    state: State,
    dt: float,
    current_a_per_m2: float,
    *,
    guess: State | None = None,
    max_iter: int = 30,
) -> tuple[State, StepReport]:
    """Advance ``state`` by ``dt`` seconds with ``current_a_per_m2`` flowing into the skin.

    Positive current enters the skin from the vehicle (product under the anode); negative
    current leaves through it (product under the cathode). ``guess`` is where Newton's
    method starts (default: ``state``); a good one saves iterations, and the converged
    answer does not depend on it beyond the solver's tolerance. Raises :class:`SolverError`
    when Newton's method does not converge (the caller shortens the step).
    """
    veh = chain.vehicle
    area = chain.face_area.copy()
    if not state.attached:
        area[veh] = 0.0
        area[veh + 1] = 0.0
        current_a_per_m2 = 0.0
    capacity_old, _, _ = capacity_and_kd(chain, cond, state.ph)
    stored_old = chain.volume_m * capacity_old * state.u
    lay = _layout(len(chain.solutes), chain.n_cells)
    start = guess if guess is not None else state
    u = np.maximum(start.u, 0.0)
    dpsi = start.dpsi.copy()
    currents = start.route_current.copy()
    ph = start.ph
    flow = start.volume_flow.copy()
    co = _coefficients(chain, cond, u, dpsi, flow, ph)
    change = previous = np.inf
    iteration = 0
    for iteration in range(1, max_iter + 1):
        system, residual, border_residual = _assemble(
            chain,
            cond,
            co,
            u=u,
            dpsi=dpsi,
            currents=currents,
            flow=flow,
            ph=ph,
            stored_old=stored_old,
            dt=dt,
            current_a_per_m2=current_a_per_m2,
            area=area,
            attached=state.attached,
        )
        try:
            step, border_step = system.solve(-residual, -border_residual)
        except LinAlgError as exc:  # singular matrix
            raise SolverError(str(exc)) from exc
        du = step[lay.cell]
        dp = step[lay.face]
        scale = min(1.0, 5.0 / max(float(np.max(np.abs(dp))), 1e-300))
        u = np.maximum(u + scale * du, 0.0)
        dpsi = dpsi + scale * dp
        currents = currents + scale * border_step[:2]
        flow = flow + scale * border_step[2:]
        new_ph = ph
        if state.attached:
            z_vehicle = [solute.charge(ph) for solute in chain.solutes]
            strong = float(sum(z_vehicle[s] * u[s, veh] for s in cond.strong))
            weak = (
                WeakElectrolyte("active", float(u[cond.active, veh]), chain.solutes[cond.active].charge),
                *cond.weak_vehicle,
            )
            new_ph = vehicle_ph(strong, weak, ph)
        change = max(
            float(np.max(np.abs(dp))) * scale,
            float(
                np.max(np.abs(du) / (np.abs(u) + 1e-6 * (np.max(np.abs(u), axis=1, keepdims=True) + 1e-30)))
            ),
            abs(new_ph - ph),
        )
        old_ph, ph = ph, new_ph
        co = _coefficients(chain, cond, u, dpsi, flow, ph)
        # quadratic convergence: once a full step is small and far smaller than the one
        # before, the next would be below round-off relative to this one
        quadratic = change < 1e-4 and change < 1e-2 * previous and abs(new_ph - old_ph) < 1e-9
        previous = change
        if scale == 1.0 and (change < 1e-8 or quadratic or (iteration >= 10 and change < 1e-6)):
            break
    else:
        raise SolverError(f"no convergence in {max_iter} Newton iterations (last change {change:.2e})")
    if not np.all(np.isfinite(u)):
        raise SolverError("non-finite concentrations")
    new = State(u=u, ph=ph, dpsi=dpsi, route_current=currents, volume_flow=flow, attached=state.attached)
    surface = (area[veh + 1] * co.flux[:, veh + 1] - area[veh] * co.flux[:, veh]) * dt
    bottom_out = (area[-1] * co.flux[:, -1] - area[0] * co.flux[:, 0]) * dt
    cleared = np.sum(co.mass * chain.clearance * u, axis=1) * dt
    z_active = chain.solutes[cond.active].charge(cond.viable_ph)  # its charge as it crosses the surface
    rt = cond.thermal_factor
    voltage = float(-np.sum((dpsi * chain.face_dir)[chain.face_route == 0]) * rt / FARADAY_C_PER_MOL)
    report = StepReport(
        surface=surface,
        surface_charge=float(z_active * surface[cond.active]),
        bottom=bottom_out,
        cleared=cleared,
        voltage_v=voltage,
        iterations=iteration,
    )
    return new, report
