"""Implicit finite-volume time stepping of the multi-ion Nernst–Planck system with local pH.

Unknowns per cell: the total (over charge states) aqueous-equivalent concentration of every
species and the cell's pH; per face: the potential drop; globally: the two SC routes'
currents and electroosmotic flows. Per time step (backward Euler), Newton's method solves
at once, as one banded system with a dense border:

- every species' balance in every cell;
- every cell's proton balance: free H⁺ minus OH⁻, plus the protons bound to every charge
  state of every species and to the tissue's immobile buffer groups. Each charge state moves
  with its own charge in the Scharfetter–Gummel fluxes, so a proton that a drug gives up on
  passing from an acid stratum corneum into the pH 7.4 viable tissue is handed to the tissue
  buffer there, not to the product;
- on every face, that the ions together carry the face's current (electroneutrality in 1-D),
  which fixes the potential drop; since every component is conserved and the current is the
  same on both faces of a cell, every cell's charge is conserved;
- that the applied current divides between the two SC routes so both see the same voltage,
  and the electroosmotic flow of each route from the mean field across it.

The pH of every cell, the vehicle included, follows from its proton balance: nothing is
re-balanced afterwards.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import LinAlgError

from dermaport.physics.bordered import BorderedBandedSystem, FactoredSystem
from dermaport.physics.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, ZERO_CELSIUS_K
from dermaport.physics.model import Array, Chain
from dermaport.physics.sg import bernoulli_pair

__all__ = [
    "Conditions",
    "SolverError",
    "State",
    "StepReport",
    "advance",
    "buffer_charge",
    "speciation",
    "stored_amounts",
]

logger = logging.getLogger(__name__)

ElectrodeKind = Literal["inert", "ag-agcl"]
_LN10 = math.log(10.0)
_PH_LIMITS = (-1.0, 15.5)
#: A chord iteration (the last Jacobian reused) that shrinks the update by less than this
#: factor asks for a fresh Jacobian at the next iteration.
CHORD_RATIO_LIMIT = 0.1
#: Largest change of one cell's pH in one Newton iteration.
PH_STEP_LIMIT = 1.0


class SolverError(RuntimeError):
    """The time step could not be made to converge."""


@dataclass(frozen=True, eq=False)
class Conditions:
    """What stays fixed during a run: temperature, water, electrode, the reservoir below.

    Compared and hashed by identity, so per-run results can be cached.
    """

    temperature_c: float
    viable_ph: float
    electroosmotic_coefficient: float  # κ, m²/(Pa·s)
    electrode: ElectrodeKind
    bottom: Array  # (S,) reservoir concentrations under the deepest layer (mol/m³)
    bottom_ph: float
    kw: float  # water ion product, (mol/m³)²
    active: int
    sodium: int
    chloride: int

    @property
    def thermal_factor(self) -> float:
        """RT in J/mol."""
        return GAS_CONSTANT_J_PER_MOL_K * (self.temperature_c + ZERO_CELSIUS_K)


@dataclass
class State:
    """Concentrations, pH and the electrical state after a step."""

    u: Array  # (S, N) aqueous-equivalent totals, mol/m³
    ph: Array  # (N,) pH of every cell
    dpsi: Array  # (F,) dimensionless potential drops across faces (into the skin)
    route_current: Array = field(default_factory=lambda: np.zeros(2))  # A/m² of skin, into skin
    volume_flow: Array = field(default_factory=lambda: np.zeros(2))  # m/s per route area, into skin
    attached: bool = True
    #: (u, ph, stored): the stored amounts of :func:`_storage` at this ``u`` and ``ph``, as
    #: :func:`advance` leaves them for the next step (used only while ``u`` and ``ph`` are these).
    stored_at: tuple[Array, Array, Array] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def vehicle_ph(self) -> float:
        """The product's pH."""
        return float(self.ph[0])

    def copy(self) -> State:
        """A deep copy."""
        return State(
            self.u.copy(),
            self.ph.copy(),
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
    bottom: Array  # (S,) out of the deepest layer into the body or receptor
    cleared: Array  # (S,) removed by capillary clearance
    voltage_v: float  # intercellular route, vehicle to the deep reservoir
    iterations: int


def speciation(chain: Chain, ph: Array, kw: float) -> tuple[Array, Array]:
    """(M, N) concentration per unit total of each charge state, and its pH slope.

    For the water ions (the last two rows) the values are the free H⁺ and OH⁻
    concentrations themselves (mol/m³) and their slopes.
    """
    mi = chain.micro
    reg = mi.proton
    ph = np.asarray(ph, dtype=np.float64)
    alpha = np.empty((mi.size, ph.size))
    slope = np.empty_like(alpha)
    if reg:
        parent = mi.parent[:reg]
        group = _groups(chain)
        logw = mi.log_weight[:reg, None] + mi.lost[:reg, None] * ph[None, :]
        top = np.maximum.reduceat(logw, mi.starts, axis=0)
        w = 10.0 ** (logw - top[parent])
        norm = group @ w  # per-species sums over its charge states
        a = w / norm[parent]
        zbar = group @ (a * mi.z[:reg, None])
        alpha[:reg] = a
        slope[:reg] = _LN10 * a * (zbar[parent] - mi.z[:reg, None])
    h = 10.0 ** (3.0 - ph)
    oh = kw / h
    alpha[reg], alpha[reg + 1] = h, oh
    slope[reg], slope[reg + 1] = -_LN10 * h, _LN10 * oh
    return alpha, slope


@cache
def _groups(chain: Chain) -> Array:
    """(S, reg) 1 where a charge state belongs to a species: sums over charge states as one product.

    The same sums as ``np.add.reduceat(x, micro.starts, axis=0)``, in a fraction of its time on
    arrays of this size.
    """
    mi = chain.micro
    reg = mi.proton
    ends = np.append(mi.starts[1:], reg)
    if np.any(ends <= mi.starts):
        raise ValueError("every species needs at least one charge state, in order")
    group = np.zeros((mi.starts.size, reg))
    for g, (a, b) in enumerate(zip(mi.starts.tolist(), ends.tolist(), strict=True)):
        group[g, a:b] = 1.0
    return group


def _buffer(chain: Chain, ph: Array) -> tuple[Array, Array]:
    """Bound protons of the immobile groups per tissue water (mol/m³) and their pH slope."""
    b = chain.buffer
    fh = 1.0 / (1.0 + 10.0 ** (ph - b.pka))
    return b.total * fh, -_LN10 * b.total * fh * (1.0 - fh)


def buffer_charge(chain: Chain, ph: Array) -> Array:
    """Charge of the immobile groups per litre of tissue water (mol/m³): the fixed charge in the SC."""
    bound, _ = _buffer(chain, ph)
    return np.asarray(chain.buffer.offset + bound)


def stored_amounts(chain: Chain, cond: Conditions, u: Array, ph: Array) -> Array:
    """(S, N) amount of each species in each cell (mol per m² of skin)."""
    alpha, _ = speciation(chain, ph, cond.kw)
    reg = chain.micro.proton
    per_u = np.add.reduceat(chain.capacity[:reg] * alpha[:reg], chain.micro.starts, axis=0)
    return np.asarray(chain.volume_m * per_u * u)


@dataclass(frozen=True)
class _Layout:
    """Where each unknown sits in the banded part, and the flat positions of every entry."""

    cell: NDArray[np.int64]  # (S + 1, N): species then pH
    face: NDArray[np.int64]  # (F,)
    half_bandwidth: int
    size: int
    entries: NDArray[np.int64]
    signs: Array  # (entries,) +1 or −1: the sign each value enters with
    right_cell_rows: NDArray[np.int64]  # (S + 1, N) flattened band rows, for the flow columns


def _entry_pairs(
    chain: Chain, cell: NDArray[np.int64], face: NDArray[np.int64]
) -> list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]]:
    """(rows, cols, kept) of every band entry, in the order :func:`_assemble` writes the values.

    Every face has its entries, the bottom face (no cell to its right) too: ``kept`` is False
    where they stand for nothing, and :func:`_layout` sends those to a discarded slot.
    """
    s1 = cell.shape[0]
    left, right = chain.face_left, chain.face_right
    f = left.size
    valid = right >= 0
    rr = np.maximum(right, 0)
    everywhere = np.ones(f, dtype=bool)
    q = np.arange(s1)[:, None, None]
    p = np.arange(s1)[None, :, None]
    triples: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]] = []
    # cell rows (of the face's left and right cells) against the unknowns of both cells
    for row_cells, row_ok in ((left, everywhere), (rr, valid)):
        for col_cells, col_ok in ((left, everywhere), (rr, valid)):
            rows = np.broadcast_to(cell[q, row_cells[None, None, :]], (s1, s1, f))
            cols = np.broadcast_to(cell[p, col_cells[None, None, :]], (s1, s1, f))
            triples.append((rows, cols, np.broadcast_to(row_ok & col_ok, (s1, s1, f))))
    # face rows against both cells' unknowns
    pf = np.arange(s1)[:, None]
    faces = np.broadcast_to(face[None, :], (s1, f))
    triples.append((faces, cell[pf, left[None, :]], np.broadcast_to(everywhere, (s1, f))))
    triples.append((faces, cell[pf, rr[None, :]], np.broadcast_to(valid, (s1, f))))
    # cell rows against the face's drop
    triples.append((cell[pf, left[None, :]], faces, np.broadcast_to(everywhere, (s1, f))))
    triples.append((cell[pf, rr[None, :]], faces, np.broadcast_to(valid, (s1, f))))
    # face rows against their own drop; cells against their own unknowns (storage, loss)
    triples.append((face, face, everywhere))
    n = cell.shape[1]
    c = np.arange(n)
    triples.append(
        (
            np.broadcast_to(cell[q, c[None, None, :]], (s1, s1, n)),
            np.broadcast_to(cell[p, c[None, None, :]], (s1, s1, n)),
            np.ones((s1, s1, n), dtype=bool),
        )
    )
    return triples


@cache
def _layout(chain: Chain) -> _Layout:
    s1 = len(chain.solutes) + 1
    n, f = chain.n_cells, chain.n_faces
    cell = np.empty((s1, n), dtype=np.int64)
    face = np.empty(f, dtype=np.int64)
    pos = 0

    def put_cell(c: int) -> None:
        nonlocal pos
        cell[:, c] = pos + np.arange(s1)
        pos += s1

    def put_face(k: int) -> None:
        nonlocal pos
        face[k] = pos
        pos += 1

    put_cell(0)
    n_sc = chain.n_sc
    for k in range(n_sc):
        put_face(2 * k)
        put_face(2 * k + 1)
        put_cell(1 + 2 * k)
        put_cell(2 + 2 * k)
    put_face(2 * n_sc)
    put_face(2 * n_sc + 1)
    for i, c in enumerate(range(1 + 2 * n_sc, n)):
        put_cell(c)
        put_face(2 * n_sc + 2 + i)
    triples = _entry_pairs(chain, cell, face)
    rows = np.concatenate([np.asarray(r).ravel() for r, _, _ in triples])
    cols = np.concatenate([np.asarray(cc).ravel() for _, cc, _ in triples])
    kept = np.concatenate([np.asarray(m).ravel() for _, _, m in triples])
    k = int(np.max(np.abs(rows[kept] - cols[kept])))
    entries = BorderedBandedSystem.band_position(k, rows, cols)
    entries[~kept] = BorderedBandedSystem.discarded(pos, k)
    # the right cell's rows take the face's fluxes with the opposite sign (triples 3, 4 and 8)
    signs = np.concatenate(
        [np.full(np.asarray(r).size, -1.0 if i in (2, 3, 7) else 1.0) for i, (r, _, _) in enumerate(triples)]
    )
    return _Layout(
        cell=cell, face=face, half_bandwidth=k, size=pos, entries=entries, signs=signs, right_cell_rows=cell
    )


@cache
def _incidence(chain: Chain) -> Array:
    """(F, N): +1 where the face leaves the cell, −1 where it enters it (divergence operator)."""
    inc = np.zeros((chain.n_faces, chain.n_cells))
    f = np.arange(chain.n_faces)
    inc[f, chain.face_left] = 1.0
    valid = chain.face_right >= 0
    inc[f[valid], chain.face_right[valid]] = -1.0
    return inc


@cache
def _row_weights(chain: Chain) -> tuple[Array, Array]:
    """K (Q, M): each flux row's weight of each microspecies (species, protons, charge); K·P (Q, S, M)."""
    mi = chain.micro
    s_count = len(chain.solutes)
    k = np.zeros((s_count + 2, mi.size))
    parent_ind = np.zeros((s_count, mi.size))
    for m in range(mi.size):
        if mi.parent[m] >= 0:
            k[mi.parent[m], m] = 1.0
            parent_ind[mi.parent[m], m] = 1.0
    k[s_count] = mi.nh
    k[s_count + 1] = mi.z
    return k, k[:, None, :] * parent_ind[None, :, :]


def _concentrations(chain: Chain, u: Array, alpha: Array) -> Array:
    """(M, N) free concentration of every microspecies."""
    return np.asarray(alpha * _totals(chain, u))


def _totals(chain: Chain, u: Array) -> Array:
    """(M, N) each microspecies' species total (1 for the water ions, whose alpha is already free)."""
    return np.asarray(np.vstack((u, np.ones((1, u.shape[1]))))[_parent_rows(chain)])


@cache
def _parent_rows(chain: Chain) -> NDArray[np.int64]:
    """(M,) each microspecies' row in ``u`` stacked over a row of ones (the water ions' row)."""
    mi = chain.micro
    return np.where(mi.parent >= 0, mi.parent, len(chain.solutes)).astype(np.int64)


@cache
def _right_cells(chain: Chain) -> tuple[NDArray[np.int64], int]:
    """(F,) every face's right cell, the bottom face's read as cell 0; and the bottom face."""
    right = chain.face_right
    bottom = np.flatnonzero(right < 0)
    if bottom.size != 1 or int(bottom[0]) != chain.bottom_face:
        raise ValueError("the chain needs exactly one face into the reservoir, its bottom face")
    return np.maximum(right, 0), int(bottom[0])


@dataclass(frozen=True)
class _Fluxes:
    rows: Array  # (Q, F) flux of each species, of protons, of charge (area-weighted)
    micro: Array  # (M, F) flux of each microspecies
    d_left: Array  # (Q, S + 1, F) d rows / d (u, pH) of the left cell
    d_right: Array  # (Q, S + 1, F)
    d_psi: Array  # (Q, F)
    d_flow: Array  # (Q, F) per unit volume flow of the face


def _fluxes(
    chain: Chain, cond: Conditions, u: Array, ph: Array, dpsi: Array, flow: Array, bottom: tuple[Array, Array]
) -> tuple[_Fluxes, Array, Array, Array]:
    alpha, slope = speciation(chain, ph, cond.kw)
    totals = _totals(chain, u)
    c = alpha * totals
    dc = slope * totals
    mi = chain.micro
    left = chain.face_left
    rr, bottom_face = _right_cells(chain)
    c_bottom, _ = bottom
    c_l = c[:, left]
    c_r = c[:, rr]
    c_r[:, bottom_face] = c_bottom
    w = mi.z[:, None] * dpsi[None, :] - chain.peclet_per_flow * (chain.flow_weight @ flow)[None, :]
    bw, bmw, dbw, dbmw = bernoulli_pair(w)
    ag = chain.face_area[None, :] * chain.conductance
    polar = ag * chain.polar
    plain = ag - polar
    a = polar * bw + plain
    b = polar * bmw + plain
    j = a * c_l - b * c_r
    spread = polar * (dbw * c_l + dbmw * c_r)
    k, kp = _row_weights(chain)
    s_count = len(chain.solutes)
    q_count = k.shape[0]
    d_left = np.empty((q_count, s_count + 1, left.size))
    d_right = np.empty_like(d_left)
    alpha_r = alpha[:, rr]
    alpha_r[:, bottom_face] = 0.0
    dc_r = dc[:, rr]
    dc_r[:, bottom_face] = 0.0
    kp_flat = kp.reshape(q_count * s_count, -1)
    d_left[:, :s_count] = (kp_flat @ (a * alpha[:, left])).reshape(q_count, s_count, -1)
    d_right[:, :s_count] = (kp_flat @ (b * alpha_r)).reshape(q_count, s_count, -1)
    d_left[:, s_count] = k @ (a * dc[:, left])
    d_right[:, s_count] = k @ (b * dc_r)
    np.negative(d_right, out=d_right)
    fl = _Fluxes(
        rows=k @ j,
        micro=j,
        d_left=d_left,
        d_right=d_right,
        d_psi=k @ (mi.z[:, None] * spread),
        d_flow=k @ (-chain.peclet_per_flow * spread),
    )
    return fl, alpha, slope, c


@cache
def _state_weights(chain: Chain) -> Array:
    """(reg, 3, N): each charge state's capacity, times 1, its bound protons and its charge."""
    mi = chain.micro
    reg = mi.proton
    weights = np.stack((np.ones(reg), mi.nh[:reg], mi.z[:reg]), axis=1)  # (reg, 3)
    return np.asarray(chain.capacity[:reg, None, :] * weights[:, :, None])


def _per_unit(chain: Chain, alpha: Array, slope: Array) -> Array:
    """(S, 6, N) per unit total of each species: stored, bound protons, charge; then their pH slopes."""
    reg = chain.micro.proton
    w = _state_weights(chain)
    stacked = np.concatenate((w * alpha[:reg, None, :], w * slope[:reg, None, :]), axis=1)
    return np.asarray((_groups(chain) @ stacked.reshape(reg, -1)).reshape(-1, 6, chain.n_cells))


def _storage(
    chain: Chain,
    cond: Conditions,
    u: Array,
    ph: Array,
    alpha: Array,
    slope: Array,
    per: Array | None = None,
    *,
    with_derivatives: bool = True,
) -> tuple[Array, Array]:
    """(S + 1, N) stored species and protons, and (S + 1, S + 1, N) their derivatives.

    ``per`` is :func:`_per_unit` at ``alpha``, ``slope`` when the caller has it already.
    Without derivatives the second array is empty.
    """
    mi = chain.micro
    reg = mi.proton
    s_count = len(chain.solutes)
    vol = chain.volume_m
    water_cap = chain.capacity[reg]
    if per is None:
        per = _per_unit(chain, alpha, slope)
    per_u, h_per_u = per[:, 0], per[:, 1]
    bound, dbound = _buffer(chain, ph)
    stored = np.empty((s_count + 1, chain.n_cells))
    stored[:s_count] = vol * per_u * u
    stored[s_count] = vol * (
        (h_per_u * u).sum(axis=0) + water_cap * (alpha[reg] - alpha[reg + 1]) + chain.water * bound
    )
    if not with_derivatives:
        return stored, np.empty((0, 0, 0))
    dper_u, dh_per_u = per[:, 3], per[:, 4]
    dwater = water_cap * (slope[reg] - slope[reg + 1])
    deriv = np.zeros((s_count + 1, s_count + 1, chain.n_cells))
    idx = np.arange(s_count)
    deriv[idx, idx] = vol * per_u
    deriv[:s_count, s_count] = vol * dper_u * u
    deriv[s_count, :s_count] = vol * h_per_u
    deriv[s_count, s_count] = vol * ((dh_per_u * u).sum(axis=0) + dwater + chain.water * dbound)
    return stored, deriv


@cache
def _cleared(chain: Chain) -> tuple[NDArray[np.int64], Array]:
    """The species with capillary clearance and their loss rate per cell times its volume (1/s · m)."""
    which = np.flatnonzero(np.any(chain.clearance > 0, axis=1)).astype(np.int64)
    return which, np.asarray(chain.clearance[which] * chain.volume_m[None, :])


def _clearance(
    chain: Chain,
    cond: Conditions,
    u: Array,
    alpha: Array,
    slope: Array,
    per: Array | None = None,
    *,
    with_derivatives: bool = True,
) -> tuple[Array, Array]:
    """(S + 1, N) loss rates to the blood (mol/m²/s) and (S + 1, S + 1, N) their derivatives.

    A cleared species leaves with its bound protons and with body-fluid counter-ions for
    its charge (Cl⁻ for a cation, Na⁺ for an anion), so clearance keeps every cell neutral.
    ``per`` is :func:`_per_unit` at ``alpha``, ``slope`` when the caller has it already.
    """
    s_count = len(chain.solutes)
    loss = np.zeros((s_count + 1, chain.n_cells))
    deriv = np.zeros((s_count + 1, s_count + 1, chain.n_cells) if with_derivatives else (0, 0, 0))
    which, k = _cleared(chain)
    if which.size == 0:
        return loss, deriv
    if per is None:
        per = _per_unit(chain, alpha, slope)
    p = per[which]  # (C, 6, N)
    uc = u[which]
    per_u, h_u, z_u = p[:, 0], p[:, 1], p[:, 2]
    loss[which] += k * per_u * uc
    loss[s_count] += (k * h_u * uc).sum(axis=0)
    charge = k * z_u * uc  # (C, N)
    pos = charge > 0
    loss[cond.chloride] += np.maximum(charge, 0.0).sum(axis=0)
    loss[cond.sodium] -= np.minimum(charge, 0.0).sum(axis=0)
    if not with_derivatives:
        return loss, deriv
    deriv[which, which] += k * per_u
    deriv[which, s_count] += k * p[:, 3] * uc
    deriv[s_count, which] += k * h_u
    deriv[s_count, s_count] += np.sum(k * p[:, 4] * uc, axis=0)
    dz_u = k * z_u
    dz = k * p[:, 5] * uc
    for ion, sign, mask in ((cond.chloride, 1.0, pos), (cond.sodium, -1.0, ~pos)):
        deriv[ion, which] += np.where(mask, sign * dz_u, 0.0)
        deriv[ion, s_count] += np.sum(np.where(mask, sign * dz, 0.0), axis=0)
    return loss, deriv


def _electroosmotic_coefficients(chain: Chain, cond: Conditions, ph: Array) -> tuple[float, float]:
    """Flow per unit summed drop across each route's SC, from the SC's fixed charge at its pH."""
    fixed = _sc_means(chain) @ buffer_charge(chain, ph)  # mean fixed charge of each route's SC
    scale = cond.electroosmotic_coefficient * cond.thermal_factor / chain.top_span_m
    out = [scale * float(chain.routes.porosity[r]) * float(fixed[r]) for r in (0, 1)]
    return out[0], out[1]


@cache
def _sc_means(chain: Chain) -> Array:
    """(2, N): the mean over each SC route's cells, as one product."""
    means = np.zeros((2, chain.n_cells))
    for r in (0, 1):
        cells = chain.sc_cells[r]
        np.add.at(means[r], cells, 1.0 / len(cells))
    return means


@lru_cache(maxsize=8)
def _bottom(chain: Chain, cond: Conditions) -> tuple[Array, Array]:
    ph = np.array([cond.bottom_ph])
    alpha, slope = speciation(chain, ph, cond.kw)
    u = cond.bottom[:, None]
    return _concentrations(chain, u, alpha)[:, 0], slope[:, 0]


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
    method starts (default: ``state``). Raises :class:`SolverError` when Newton's method
    does not converge (the caller shortens the step).
    """
    s_count = len(chain.solutes)
    attached = state.attached
    if not attached:
        current_a_per_m2 = 0.0
    lay = _layout(chain)
    inc = _incidence(chain)
    bottom = _bottom(chain, cond)
    known = state.stored_at
    if known is not None and known[0] is state.u and known[1] is state.ph:
        stored_old = known[2]
    else:
        alpha0, slope0 = speciation(chain, state.ph, cond.kw)
        stored_old, _ = _storage(chain, cond, state.u, state.ph, alpha0, slope0, with_derivatives=False)
    eo = _electroosmotic_coefficients(chain, cond, state.ph)  # lagged: the SC's charge at the last pH

    rate = current_a_per_m2 / FARADAY_C_PER_MOL if attached else 0.0

    start = guess if guess is not None else state
    u = np.maximum(start.u, 0.0)
    ph = np.clip(start.ph, *_PH_LIMITS)
    dpsi = start.dpsi.copy()
    currents = start.route_current.copy()
    flow = start.volume_flow.copy()
    if not attached:
        dpsi[chain.surface_faces] = 0.0
        currents[:] = 0.0
    change = previous = np.inf
    iteration = 0
    factored: FactoredSystem | None = None
    water_side = np.zeros(chain.n_cells)
    recent: list[float] = []
    for iteration in range(1, max_iter + 1):
        fresh = factored is None
        try:
            if factored is None:  # Newton: assemble and factor the Jacobian here
                fl, alpha, slope, _ = _fluxes_for(chain, cond, u, ph, dpsi, flow, bottom, attached)
                per = _per_unit(chain, alpha, slope)
                stored, dstore = _storage(chain, cond, u, ph, alpha, slope, per)
                loss, dloss = _clearance(chain, cond, u, alpha, slope, per)
                source, dsource = _electrode(cond, s_count, rate, float(u[cond.chloride, 0]))
                dloss[:, :, 0] -= dsource
                system, residual, border_residual = _assemble(
                    chain,
                    lay,
                    inc,
                    fl,
                    stored=stored,
                    dstore=dstore,
                    loss=loss,
                    dloss=dloss,
                    stored_old=stored_old,
                    source=source,
                    dt=dt,
                    dpsi=dpsi,
                    currents=currents,
                    flow=flow,
                    eo=eo,
                    current_a_per_m2=current_a_per_m2,
                    attached=attached,
                )
                factored = system.factor()
                water_side = _water_dominated(chain, alpha, slope, dstore[s_count, s_count])
            else:  # chord iteration: the residual here, the Jacobian factored at the last Newton one
                rows, alpha, slope = _flux_rows(chain, cond, u, ph, dpsi, flow, bottom, attached)
                per = _per_unit(chain, alpha, slope)
                stored, _ = _storage(chain, cond, u, ph, alpha, slope, per, with_derivatives=False)
                loss, _ = _clearance(chain, cond, u, alpha, slope, per, with_derivatives=False)
                source, _ = _electrode(cond, s_count, rate, float(u[cond.chloride, 0]))
                residual, border_residual = _residuals(
                    chain,
                    lay,
                    inc,
                    rows,
                    stored=stored,
                    loss=loss,
                    stored_old=stored_old,
                    source=source,
                    dt=dt,
                    dpsi=dpsi,
                    currents=currents,
                    flow=flow,
                    eo=eo,
                    current_a_per_m2=current_a_per_m2,
                    attached=attached,
                )
            step, border_step = factored.solve(-residual, -border_residual)
        except LinAlgError as exc:  # singular matrix
            raise SolverError(str(exc)) from exc
        du = step[lay.cell[:s_count]]
        dph = step[lay.cell[s_count]]
        dp = step[lay.face]
        if not (_finite(step) and _finite(border_step)):
            raise SolverError("non-finite Newton update")
        # Damping: the potential drops scale the whole update (at most 5 thermal voltages a
        # face); each cell's pH moves at most PH_STEP_LIMIT. A cell whose proton balance is
        # nearly unbuffered (a steep pH front) asks for a huge pH change on its own; clipping
        # it there leaves the rest of the chain its full Newton step. Where free OH⁻ or H⁺
        # holds the cell's protons, the pH step is taken in that ion's concentration first.
        dp_max = float(np.abs(dp).max())
        scale = min(1.0, 1.0 / max(dp_max / 5.0, 1e-300))
        raw_du = du  # the change below measures the undamped concentration step
        if scale < 1.0:
            du, dph, dp, border_step = scale * du, scale * dph, scale * dp, scale * border_step
        dph = _water_ion_steps(dph, water_side)
        dph = np.minimum(np.maximum(dph, -PH_STEP_LIMIT), PH_STEP_LIMIT)
        dph_max = float(np.abs(dph).max())
        clipped = dph_max >= PH_STEP_LIMIT
        u = np.maximum(u + du, 0.0)  # so u ≥ 0 below
        ph = np.minimum(np.maximum(ph + dph, _PH_LIMITS[0]), _PH_LIMITS[1])
        dpsi = dpsi + dp
        currents = currents + border_step[:2]
        flow = flow + border_step[2:]
        floor = 1e-6 * (u.max(axis=1, keepdims=True) + 1e-30)
        change = max(dp_max * scale, dph_max, float((np.abs(raw_du) / (u + floor)).max()))
        ratio = change / previous if previous > 0 else 0.0
        previous = change
        recent.append(change)
        if iteration >= STALL_CHECK_AFTER and min(recent[-STALL_WINDOW:]) > STALL_CHANGE:
            raise SolverError(
                f"no progress in {iteration} Newton iterations (changes of {min(recent[-STALL_WINDOW:]):.2e}"
                f" or more in the last {STALL_WINDOW})"
            )
        if fresh:  # Newton: quadratic once close, so a hundredfold drop leaves about change²
            close = change < 1e-4 and ratio < 1e-2
        else:  # chord: linear, the error left is about change · ratio / (1 − ratio)
            close = change < 1e-4 and ratio < 0.5 and change * ratio / (1.0 - ratio) < 1e-8
        settled = change < 1e-8 or close or (iteration >= 10 and change < 1e-6)
        if scale == 1.0 and not clipped and settled:
            break
        if scale < 1.0 or clipped or (not fresh and ratio > CHORD_RATIO_LIMIT):
            factored = None  # far from the solution or contracting slowly: a fresh Jacobian
    else:
        raise SolverError(f"no convergence in {max_iter} Newton iterations (last change {change:.2e})")
    if not np.all(np.isfinite(u)):
        raise SolverError("non-finite concentrations")
    new = State(u=u, ph=ph, dpsi=dpsi, route_current=currents, volume_flow=flow, attached=attached)
    rows, micro, alpha, slope = _boundary_fluxes(chain, cond, u, ph, dpsi, flow, bottom, attached)
    per = _per_unit(chain, alpha, slope)
    loss, _ = _clearance(chain, cond, u, alpha, slope, per, with_derivatives=False)
    new.stored_at = (u, ph, _storage(chain, cond, u, ph, alpha, slope, per, with_derivatives=False)[0])
    surface = rows[:s_count, 0] + rows[:s_count, 1]
    mi = chain.micro
    active = mi.parent == cond.active
    surface_charge = float(np.sum(mi.z[active, None] * micro[active][:, :2]))
    rt = cond.thermal_factor
    route0 = (chain.face_route == 0) | (chain.face_route == 2)
    voltage = float(-np.sum(dpsi[route0]) * rt / FARADAY_C_PER_MOL)
    report = StepReport(
        surface=surface * dt,
        surface_charge=surface_charge * dt,
        bottom=rows[:s_count, 2] * dt,
        cleared=loss[:s_count].sum(axis=1) * dt,
        voltage_v=voltage,
        iterations=iteration,
    )
    return new, report


#: Chloride scale (mol/m³) of the switch from Cl⁻ to water at an Ag/AgCl anode: Cl⁻ takes the
#: share 1 − exp(−[Cl⁻]/0.1 mM) of the current, all of it down to about 1 mM. A stated
#: numerical choice, not a measured value: it makes the switch to water oxidation smooth.
AGCL_HALF_CHLORIDE_MOL_PER_M3 = 0.1


#: A step whose Newton updates, after STALL_CHECK_AFTER iterations, have all been above
#: STALL_CHANGE (relative, or thermal voltages, or pH units) over the last STALL_WINDOW
#: iterations is given up as not converging, before max_iter: the caller shortens it.
STALL_CHECK_AFTER = 16
STALL_WINDOW = 8
STALL_CHANGE = 10.0
#: Share of a cell's proton-storage pH slope above which its free OH⁻ (or H⁺) dominates it.
WATER_DOMINANCE = 0.9


def _water_dominated(chain: Chain, alpha: Array, slope: Array, dstored_dph: Array) -> Array:
    """(N,) +1 where free OH⁻ holds most of a cell's proton buffering, −1 where free H⁺ does, else 0."""
    reg = chain.micro.proton
    water = chain.volume_m * chain.capacity[reg]
    # share = part / whole > limit, multiplied through by whole² (no division; 0 where whole = 0)
    bar = WATER_DOMINANCE * dstored_dph * dstored_dph
    oh = -water * slope[reg + 1] * dstored_dph > bar
    h = water * slope[reg] * dstored_dph > bar
    return np.where(oh, 1.0, np.where(h, -1.0, 0.0))


def _water_ion_steps(dph: Array, side: Array) -> Array:
    """The Newton pH steps taken in the free OH⁻ (or H⁺) concentration where that ion dominates.

    Where a cell's proton balance is mostly its free OH⁻, the balance is nearly linear in
    [OH⁻] = 10^(pH − pKw) and exponential in pH: a Newton step in pH overshoots upward and
    then creeps back by 1/ln 10 pH units an iteration. The same step taken in [OH⁻],
    [OH⁻]·(1 + ln10·ΔpH), lands where the linear model says, and differs from ΔpH only at
    second order, so the iteration converges to the same solution as fast near it. A step
    that would make [OH⁻] negative moves it down tenfold. H⁺ likewise, with the sign turned.
    """
    if not side.any():
        return dph
    t = np.maximum(1.0 + _LN10 * side * dph, 0.1)
    return np.where(side != 0.0, side * np.log10(t), dph)


def _finite(x: Array) -> bool:
    """Whether every entry is finite: a NaN or infinity anywhere makes the sum NaN or infinite."""
    return bool(np.isfinite(x.sum())) or bool(np.isfinite(x).all())


def _electrode(cond: Conditions, s_count: int, rate: float, chloride: float) -> tuple[Array, Array]:
    """Faraday's law at the product's electrode: sources (mol/m²/s) and their derivatives.

    ``rate`` is the current into the skin over F. Inert: water is oxidised at the anode
    (2H₂O → O₂ + 4H⁺ + 4e⁻) or reduced at the cathode (2H₂O + 2e⁻ → H₂ + 2OH⁻): protons
    ±rate. Ag/AgCl: the anode takes Cl⁻ (Ag + Cl⁻ → AgCl + e⁻) and oxidises water for the
    share Cl⁻ cannot supply; the cathode releases Cl⁻ (AgCl + e⁻ → Ag + Cl⁻).
    """
    source = np.zeros(s_count + 1)
    deriv = np.zeros((s_count + 1, s_count + 1))
    if rate == 0.0:
        return source, deriv
    if cond.electrode == "ag-agcl":
        if rate > 0:
            c = max(chloride, 0.0)
            k = AGCL_HALF_CHLORIDE_MOL_PER_M3
            taken = rate * -math.expm1(-c / k)
            dtaken = rate * math.exp(-c / k) / k
            source[cond.chloride] = -taken
            source[s_count] = rate - taken
            deriv[cond.chloride, cond.chloride] = -dtaken
            deriv[s_count, cond.chloride] = -dtaken
        else:
            source[cond.chloride] = -rate
    else:
        source[s_count] = rate
    return source, deriv


def _boundary_fluxes(
    chain: Chain,
    cond: Conditions,
    u: Array,
    ph: Array,
    dpsi: Array,
    flow: Array,
    bottom: tuple[Array, Array],
    attached: bool,
) -> tuple[Array, Array, Array, Array]:
    """Fluxes (Q, 3) and (M, 3) through the two surface faces and the bottom face, no derivatives.

    The same expressions as :func:`_fluxes` on those faces only: what a step reports as having
    crossed the boundaries, at the converged state. Also the speciation of every cell.
    """
    alpha, slope = speciation(chain, ph, cond.kw)
    faces = np.array([0, 1, chain.bottom_face])
    mi = chain.micro
    c = _concentrations(chain, u, alpha)
    left, right = chain.face_left[faces], chain.face_right[faces]
    c_bottom, _ = bottom
    c_l = c[:, left]
    c_r = np.where(right[None, :] >= 0, c[:, np.maximum(right, 0)], c_bottom[:, None])
    face_flow = chain.flow_weight[faces] @ flow
    g, phi = chain.conductance[:, faces], chain.polar[:, faces]
    w = mi.z[:, None] * dpsi[faces][None, :] - chain.peclet_per_flow[:, faces] * face_flow[None, :]
    bw, bmw, _, _ = bernoulli_pair(w)
    area = chain.face_area[faces][None, :]
    j = area * g * ((phi * bw + 1.0 - phi) * c_l - (phi * bmw + 1.0 - phi) * c_r)
    if not attached:
        j[:, :2] = 0.0
    k, _ = _row_weights(chain)
    return k @ j, j, alpha, slope


def _fluxes_for(
    chain: Chain,
    cond: Conditions,
    u: Array,
    ph: Array,
    dpsi: Array,
    flow: Array,
    bottom: tuple[Array, Array],
    attached: bool,
) -> tuple[_Fluxes, Array, Array, Array]:
    fl, alpha, slope, c = _fluxes(chain, cond, u, ph, dpsi, flow, bottom)
    if not attached:  # the product is off: nothing crosses the surface
        for arr in (fl.rows, fl.micro, fl.d_psi, fl.d_flow):
            arr[..., :2] = 0.0
        fl.d_left[..., :2] = 0.0
        fl.d_right[..., :2] = 0.0
    return fl, alpha, slope, c


def _assemble(
    chain: Chain,
    lay: _Layout,
    inc: Array,
    fl: _Fluxes,
    *,
    stored: Array,
    dstore: Array,
    loss: Array,
    dloss: Array,
    stored_old: Array,
    source: Array,
    dt: float,
    dpsi: Array,
    currents: Array,
    flow: Array,
    eo: tuple[float, float],
    current_a_per_m2: float,
    attached: bool,
) -> tuple[BorderedBandedSystem, Array, Array]:
    """The Newton system and its residuals (band part, border part) at one iterate."""
    s1 = len(chain.solutes) + 1
    system = BorderedBandedSystem(lay.size, lay.half_bandwidth, 4)
    right, bottom_rows, corner = system.right, system.bottom, system.corner
    residual, border_residual = _residuals(
        chain,
        lay,
        inc,
        fl.rows,
        stored=stored,
        loss=loss,
        stored_old=stored_old,
        source=source,
        dt=dt,
        dpsi=dpsi,
        currents=currents,
        flow=flow,
        eo=eo,
        current_a_per_m2=current_a_per_m2,
        attached=attached,
    )
    right_fixed, bottom_fixed = _border_template(chain)
    right[:, :2] = right_fixed
    if attached:
        bottom_rows[1] = bottom_fixed

    dl, dr = fl.d_left[:s1], fl.d_right[:s1]
    values = (
        dl,  # left cell rows, left cell unknowns
        dr,  # left rows, right unknowns (discarded on the bottom face)
        dl,  # right rows, left unknowns (negated by lay.signs)
        dr,  # right rows, right unknowns (negated)
        fl.d_left[s1],  # face rows
        fl.d_right[s1],
        fl.d_psi[:s1],
        fl.d_psi[:s1],  # negated
        fl.d_psi[s1],
        dstore / dt + dloss,
    )
    system.accumulate_band(lay.entries, np.concatenate([v.ravel() for v in values]) * lay.signs)

    # the volume flows of the two routes enter every flux (convection)
    for r in (0, 1):
        weight = chain.flow_weight[:, r]
        right[lay.cell, 2 + r] = (fl.d_flow[:s1] * weight[None, :]) @ inc
        right[lay.face, 2 + r] = fl.d_flow[s1] * weight

    if not attached:  # no product: the surface faces carry nothing, their drops are pinned
        for f in (0, 1):
            system.make_identity_row(int(lay.face[f]))

    # electroosmotic flow of each route from the summed drop across its SC
    for r in (0, 1):
        top = chain.top_faces[r]
        corner[2 + r, 2 + r] = 1.0
        bottom_rows[2 + r, lay.face[top]] = -eo[r]
    # routes: currents add up and both see the same drop (or carry nothing when detached)
    if attached:
        corner[0, :2] = 1.0
    else:
        corner[0, 0] = corner[1, 1] = 1.0
    return system, residual, border_residual


@cache
def _border_template(chain: Chain) -> tuple[Array, Array]:
    """The border entries that never change: (size, 2) route-current columns, (size,) route-drop row.

    The columns: a face row's charge flux carries its route's current (over F). The row: route
    0's SC drop minus route 1's, for the condition that both routes see the same voltage.
    """
    lay = _layout(chain)
    route = chain.face_route
    right = np.zeros((lay.size, 2))
    right[lay.face, 0] = np.where(route == 1, 0.0, -1.0 / FARADAY_C_PER_MOL)
    right[lay.face, 1] = np.where(route == 0, 0.0, -1.0 / FARADAY_C_PER_MOL)
    bottom = np.zeros(lay.size)
    sc = route < 2
    bottom[lay.face[sc]] = np.where(route == 0, 1.0, -1.0)[sc]
    return right, bottom


def _residuals(
    chain: Chain,
    lay: _Layout,
    inc: Array,
    rows: Array,
    *,
    stored: Array,
    loss: Array,
    stored_old: Array,
    source: Array,
    dt: float,
    dpsi: Array,
    currents: Array,
    flow: Array,
    eo: tuple[float, float],
    current_a_per_m2: float,
    attached: bool,
) -> tuple[Array, Array]:
    """The Newton residuals (band part, border part) at one iterate, from the flux ``rows``."""
    s1 = len(chain.solutes) + 1
    residual = np.empty(lay.size)
    border_residual = np.empty(4)

    # cell balances: storage, clearance, divergence of the fluxes, the electrodes
    res = (stored - stored_old) / dt + loss + rows[:s1] @ inc
    res[:, 0] -= source
    residual[lay.cell] = res

    # face constraints: the charge flux carries the face's current
    carried, drops = _route_maps(chain)
    residual[lay.face] = rows[s1] - (carried @ currents) / FARADAY_C_PER_MOL
    if not attached:  # the surface faces' drops are pinned at zero
        residual[lay.face[:2]] = dpsi[:2]

    # electroosmotic flow of each route from the summed drop across its SC
    top0, top1, mismatch = (drops @ dpsi).tolist()
    border_residual[2] = flow[0] - eo[0] * top0
    border_residual[3] = flow[1] - eo[1] * top1
    # routes: currents add up and both see the same drop (or carry nothing when detached)
    if attached:
        border_residual[0] = currents[0] + currents[1] - current_a_per_m2
        border_residual[1] = mismatch
    else:
        border_residual[:2] = currents
    return residual, border_residual


@cache
def _route_maps(chain: Chain) -> tuple[Array, Array]:
    """(F, 2): the route currents each face carries; (3, F): each route's summed drop, their difference.

    Rows of the second: the drop across route 0's SC interior, across route 1's, and route 0's
    whole SC drop minus route 1's (zero when both routes see the same voltage).
    """
    route = chain.face_route
    carried = np.stack(((route != 1).astype(np.float64), (route != 0).astype(np.float64)), axis=1)
    drops = np.zeros((3, chain.n_faces))
    drops[0, chain.top_faces[0]] = 1.0
    drops[1, chain.top_faces[1]] = 1.0
    drops[2] = np.where(route == 0, 1.0, np.where(route == 1, -1.0, 0.0))
    return carried, drops


def _flux_rows(
    chain: Chain,
    cond: Conditions,
    u: Array,
    ph: Array,
    dpsi: Array,
    flow: Array,
    bottom: tuple[Array, Array],
    attached: bool,
) -> tuple[Array, Array, Array]:
    """The flux rows (Q, F) of :func:`_fluxes` without derivatives, and the speciation."""
    alpha, slope = speciation(chain, ph, cond.kw)
    mi = chain.micro
    c = _concentrations(chain, u, alpha)
    rr, bottom_face = _right_cells(chain)
    c_bottom, _ = bottom
    c_l = c[:, chain.face_left]
    c_r = c[:, rr]
    c_r[:, bottom_face] = c_bottom
    w = mi.z[:, None] * dpsi[None, :] - chain.peclet_per_flow * (chain.flow_weight @ flow)[None, :]
    bw, bmw = _bernoulli_values(w)
    ag = chain.face_area[None, :] * chain.conductance
    polar = ag * chain.polar
    plain = ag - polar
    j = (polar * bw + plain) * c_l - (polar * bmw + plain) * c_r
    if not attached:
        j[:, :2] = 0.0
    k, _ = _row_weights(chain)
    return k @ j, alpha, slope


def _bernoulli_values(x: Array) -> tuple[Array, Array]:
    """B(x) and B(−x), as :func:`bernoulli_pair` gives them, without the derivatives."""
    b, bm, _, _ = bernoulli_pair(x)
    return b, bm
