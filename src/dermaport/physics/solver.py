"""Implicit finite-volume time stepping of the multi-ion Nernst–Planck system.

Per time step (backward Euler, adaptive step), Newton's method solves at once, as one sparse
system:

- every species' balance in every cell (Scharfetter–Gummel fluxes between cells);
- on every face, that the ions together carry the face's current: electroneutrality in 1-D
  makes the current density uniform along each route, which fixes the potential drop there;
- that the applied current divides between the two routes so both see the same voltage.

Between Newton iterations the vehicle pH (from the vehicle's electroneutrality) and the
electroosmotic volume flow of each route (from the fixed charge of its top layer, whose sign
follows the vehicle pH against the skin's pI, and the mean field across it) are updated. The
step is accepted when the update is at round-off, so the current is carried exactly and
charge and mass are conserved.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csc_matrix
from scipy.sparse.linalg import splu

from dermaport.physics.chemistry import WeakElectrolyte, fixed_charge_mol_per_m3, vehicle_ph
from dermaport.physics.constants import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    ZERO_CELSIUS_K,
    hydrogen_mol_per_m3,
    hydroxide_mol_per_m3,
)
from dermaport.physics.model import Array, Chain
from dermaport.physics.sg import bernoulli, bernoulli_derivative

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


@dataclass(frozen=True)
class Conditions:
    """What stays fixed during a run: temperature, chemistry, skin charge, electrode."""

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
    route_current: Array = field(default_factory=lambda: np.zeros(2))  # A/m² of route area, into skin
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
    """(S, N) mean charge of each species in each cell."""
    z = np.empty((len(chain.solutes), chain.n_cells))
    for s, solute in enumerate(chain.solutes):
        z[s, :] = solute.charge(cond.viable_ph)
        z[s, chain.vehicle_ph_cells] = solute.charge(ph)
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
    polar = chain.kd_polar / kd
    return capacity, kd, polar


def face_coefficients(chain: Chain, kd: Array, polar: Array, z: Array, hindrance: Array) -> tuple[Array, ...]:
    """Face conductance G (m/s), polar share φ, charge z and convective hindrance W: (S, N + 1)."""
    kd_l = np.concatenate((kd[:, :1], kd), axis=1)
    kd_r = np.concatenate((kd, kd[:, -1:]), axis=1)
    resistance = chain.half_left / kd_l + chain.half_right / kd_r
    conductance = 1.0 / resistance
    pol_l = np.concatenate((polar[:, :1], polar), axis=1)
    pol_r = np.concatenate((polar, polar[:, -1:]), axis=1)
    phi = np.minimum(pol_l, pol_r)
    z_l = np.concatenate((z[:, :1], z), axis=1)
    z_r = np.concatenate((z, z[:, -1:]), axis=1)
    w_l = np.concatenate((hindrance[:, :1], hindrance), axis=1)
    w_r = np.concatenate((hindrance, hindrance[:, -1:]), axis=1)
    return conductance, phi, 0.5 * (z_l + z_r), np.minimum(w_l, w_r)


class _Triplets:
    """Coordinates and values of a sparse Jacobian, collected in blocks."""

    def __init__(self) -> None:
        self.rows: list[NDArray[np.int64]] = []
        self.cols: list[NDArray[np.int64]] = []
        self.vals: list[Array] = []

    def put(self, r: ArrayLike, c: ArrayLike, v: ArrayLike) -> None:
        """Add entries (duplicates are summed)."""
        self.rows.append(np.asarray(r, dtype=np.int64))
        self.cols.append(np.asarray(c, dtype=np.int64))
        self.vals.append(np.asarray(v, dtype=np.float64))

    def drop_row(self, row: int) -> None:
        """Remove every entry of ``row``."""
        keep = [r != row for r in self.rows]
        self.rows = [r[k] for r, k in zip(self.rows, keep, strict=True)]
        self.cols = [c[k] for c, k in zip(self.cols, keep, strict=True)]
        self.vals = [v[k] for v, k in zip(self.vals, keep, strict=True)]

    def arrays(self) -> tuple[NDArray[np.int64], NDArray[np.int64], Array]:
        """All entries as three flat arrays."""
        return np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.vals)


@cache
def _banded_order(s_count: int, n: int) -> NDArray[np.int64]:
    """New position of each unknown so the Jacobian is banded with a small border.

    Unknowns are laid out species-major (``s * n + i``, then faces, then four globals);
    this interleaves them by position along the chain (face i, then every species of cell i),
    which keeps the bandwidth at about twice the number of species.
    """
    nf = n + 1
    order = np.empty(s_count * n + nf + 4, dtype=np.int64)
    block = s_count + 1
    for i in range(n):
        order[s_count * n + i] = i * block
        for s in range(s_count):
            order[s * n + i] = i * block + 1 + s
    order[s_count * n + n] = n * block
    order[s_count * n + nf :] = n * block + 1 + np.arange(4)
    return order


def advance(
    chain: Chain, cond: Conditions, state: State, dt: float, current_a_per_m2: float, *, max_iter: int = 30
) -> tuple[State, StepReport]:
    """Advance ``state`` by ``dt`` seconds with ``current_a_per_m2`` flowing into the skin.

    Positive current enters the skin from the vehicle (product under the anode); negative
    current leaves through it (product under the cathode). Raises :class:`SolverError` when
    Newton's method does not converge (the caller shortens the step).
    """
    n = chain.n_cells
    s_count = len(chain.solutes)
    nf = n + 1
    veh = chain.vehicle
    rt = cond.thermal_factor
    area = chain.face_area.copy()
    if not state.attached:
        area[veh] = 0.0
        area[veh + 1] = 0.0
        current_a_per_m2 = 0.0
    capacity_old, _, _ = capacity_and_kd(chain, cond, state.ph)
    stored_old = chain.volume_m * capacity_old * state.u
    bottom = cond.bottom
    route_of_face = chain.face_route
    dirs = chain.face_dir
    a0, a1 = chain.routes.area_fraction
    # unknown layout: u[s, i] at s * n + i, then the N + 1 face drops, then the two route currents
    off_psi = s_count * n
    off_i = off_psi + nf
    off_flow = off_i + 2
    size = off_flow + 2
    u = state.u.copy()
    dpsi = state.dpsi.copy()
    currents = state.route_current.copy()
    ph = state.ph
    flow = state.volume_flow.copy()
    cells = np.arange(n)
    faces = np.arange(nf)
    dirichlet = (cond.proton, cond.hydroxide) if state.attached else ()
    agcl = state.attached and cond.electrode == "ag-agcl"
    a_coef = b_coef = np.zeros((s_count, nf))
    mass = stored_old
    iteration = 0
    for iteration in range(1, max_iter + 1):
        z = charges(chain, cond, ph)
        capacity, kd, polar = capacity_and_kd(chain, cond, ph)
        g, phi, zf, w_face = face_coefficients(chain, kd, polar, z, chain.hindrance)
        mass = chain.volume_m * capacity
        pe = w_face * (flow[route_of_face] * dirs) / (phi * g)
        ul = np.concatenate((bottom[:, None], u), axis=1)
        ur = np.concatenate((u, bottom[:, None]), axis=1)
        w = zf * dpsi - pe
        bw, bmw = bernoulli(w), bernoulli(-w)
        dbw, dbmw = bernoulli_derivative(w), bernoulli_derivative(-w)
        a_coef = g * (phi * bw + 1.0 - phi)  # J = A u_left - B u_right (chain direction)
        b_coef = g * (phi * bmw + 1.0 - phi)
        flux = a_coef * ul - b_coef * ur
        dflux_dpsi = phi * g * zf * (dbw * ul + dbmw * ur)
        dflux_dflow = -w_face * dirs * (dbw * ul + dbmw * ur)  # per unit flow of the face's route
        triplets = _Triplets()
        put = triplets.put

        residual = np.zeros(size)
        for s in range(s_count):
            row = s * n + cells
            fa, fb = area * a_coef[s], area * b_coef[s]
            res = (
                (mass[s] * u[s] - stored_old[s]) / dt
                + mass[s] * chain.clearance[s] * u[s]
                + area[1:] * flux[s, 1:]
                - area[:-1] * flux[s, :-1]
            )
            if agcl and s == cond.chloride:
                # Ag/AgCl: the anode takes Cl⁻ out of the vehicle (AgCl forms), the cathode releases it
                res[veh] -= max(-current_a_per_m2 / FARADAY_C_PER_MOL, -0.999 * stored_old[s, veh] / dt)
            # d res_i / d u_i: + a_{i+1} A_{i+1} + a_i B_i ; neighbours: - a_{i+1} B_{i+1}, - a_i A_i
            diag = mass[s] / dt + mass[s] * chain.clearance[s] + fa[1:] + fb[:-1]
            upper = -fb[1:-1]
            lower = -fa[1:-1]
            d_left = area[1:] * dflux_dpsi[s, 1:]  # d res_i / d dpsi_{i+1}
            d_right = -area[:-1] * dflux_dpsi[s, :-1]  # d res_i / d dpsi_i
            keep = np.ones(n, dtype=bool)
            if s in dirichlet:
                keep[veh] = False
                value = hydrogen_mol_per_m3(ph) if s == cond.proton else hydroxide_mol_per_m3(ph)
                res[veh] = u[s, veh] - value
                put(np.array([row[veh]]), np.array([row[veh]]), np.array([1.0]))
            residual[row] = res
            put(row[keep], row[keep], diag[keep])
            k_up = keep[:-1]
            put(row[:-1][k_up], row[1:][k_up], upper[k_up])
            k_lo = keep[1:]
            put(row[1:][k_lo], row[:-1][k_lo], lower[k_lo])
            put(row[keep], off_psi + 1 + cells[keep], d_left[keep])
            put(row[keep], off_psi + cells[keep], d_right[keep])
            # d res_i / d flow of the routes of faces i+1 and i
            put(row[keep], off_flow + route_of_face[1:][keep], (area[1:] * dflux_dflow[s, 1:])[keep])
            put(row[keep], off_flow + route_of_face[:-1][keep], (-area[:-1] * dflux_dflow[s, :-1])[keep])
        # face constraints: the ions' charge flux carries the route's current
        charge_w = zf * phi * g
        residual[off_psi + faces] = (
            np.sum(zf * phi * g * (bw * ul - bmw * ur), axis=0)
            - currents[route_of_face] * dirs / FARADAY_C_PER_MOL
        )
        for s in range(s_count):
            left_cells = faces - 1
            ok_l = left_cells >= 0
            put(off_psi + faces[ok_l], s * n + left_cells[ok_l], (charge_w[s] * bw[s])[ok_l])
            ok_r = faces < n
            put(off_psi + faces[ok_r], s * n + faces[ok_r], (-charge_w[s] * bmw[s])[ok_r])
        put(off_psi + faces, off_psi + faces, np.sum(zf * dflux_dpsi, axis=0))
        put(off_psi + faces, off_i + route_of_face, -dirs / FARADAY_C_PER_MOL)
        put(off_psi + faces, off_flow + route_of_face, np.sum(zf * dflux_dflow, axis=0))
        # electroosmotic flow of each route from the mean field across its top layer
        fixed = fixed_charge_mol_per_m3(cond.fixed_charge_mol_per_m3, ph, cond.isoelectric_point)
        for r in (0, 1):
            top = chain.top_faces[r]
            coef = (
                cond.electroosmotic_coefficient * chain.routes.porosity[r] * fixed * rt / chain.top_span_m[r]
            )
            residual[off_flow + r] = flow[r] - coef * float(np.sum(dpsi[top] * dirs[top]))
            put(np.array([off_flow + r]), np.array([off_flow + r]), np.array([1.0]))
            put(np.full(top.size, off_flow + r), off_psi + top, -coef * dirs[top])
        if not state.attached:
            # the product is off: nothing crosses the surface faces; hold their drops at zero
            for f in (veh, veh + 1):
                triplets.drop_row(off_psi + f)
                residual[off_psi + f] = dpsi[f]
                put(np.array([off_psi + f]), np.array([off_psi + f]), np.array([1.0]))
        # routes: currents add up; equal voltage (or no current at all when the vehicle is off)
        if state.attached:
            residual[off_i] = a0 * currents[0] + a1 * currents[1] - current_a_per_m2
            put(np.array([off_i, off_i]), np.array([off_i, off_i + 1]), np.array([a0, a1]))
            signed = np.where(route_of_face == 0, dirs, -dirs)
            residual[off_i + 1] = float(np.sum(signed * dpsi))
            put(np.full(nf, off_i + 1), off_psi + faces, signed)
        else:
            residual[off_i : off_i + 2] = currents
            put(np.array([off_i, off_i + 1]), np.array([off_i, off_i + 1]), np.array([1.0, 1.0]))
        order = _banded_order(s_count, n)
        rows, cols, vals = triplets.arrays()
        matrix = csc_matrix((vals, (order[rows], order[cols])), shape=(size, size))
        rhs = np.empty(size)
        rhs[order] = -residual
        try:
            solved = splu(matrix, permc_spec="NATURAL", diag_pivot_thresh=0.0).solve(rhs)
            step = solved[order]
        except RuntimeError as exc:  # singular matrix
            raise SolverError(str(exc)) from exc
        du = step[:off_psi].reshape(s_count, n)
        dp = step[off_psi:off_i]
        scale = min(1.0, 5.0 / max(float(np.max(np.abs(dp))), 1e-300))
        u = np.maximum(u + scale * du, 0.0)
        dpsi = dpsi + scale * dp
        currents = currents + scale * step[off_i:off_flow]
        flow = flow + scale * step[off_flow:]
        new_ph = ph
        if state.attached:
            strong = float(sum(z[s, veh] * u[s, veh] for s in cond.strong))
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
        ph = new_ph
        if scale == 1.0 and (change < 1e-8 or (iteration >= 10 and change < 1e-6)):
            break
    else:
        raise SolverError(f"no convergence in {max_iter} Newton iterations (last change {change:.2e})")
    if not np.all(np.isfinite(u)):
        raise SolverError("non-finite concentrations")
    new = State(u=u, ph=ph, dpsi=dpsi, route_current=currents, volume_flow=flow, attached=state.attached)
    ul = np.concatenate((bottom[:, None], u), axis=1)
    ur = np.concatenate((u, bottom[:, None]), axis=1)
    flux = a_coef * ul - b_coef * ur
    surface = (area[veh + 1] * flux[:, veh + 1] - area[veh] * flux[:, veh]) * dt
    bottom_out = (area[-1] * flux[:, -1] - area[0] * flux[:, 0]) * dt
    cleared = np.sum(mass * chain.clearance * u, axis=1) * dt
    z_vehicle = chain.solutes[cond.active].charge(ph)
    voltage = float(-np.sum((dpsi * dirs)[route_of_face == 0]) * rt / FARADAY_C_PER_MOL)
    report = StepReport(
        surface=surface,
        surface_charge=float(z_vehicle * surface[cond.active]),
        bottom=bottom_out,
        cleared=cleared,
        voltage_v=voltage,
        iterations=iteration,
    )
    return new, report
