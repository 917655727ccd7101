r"""The discretised skin: two stratum-corneum routes under one vehicle over one living tissue.

Geometry (per unit area of treated skin)::

                       vehicle (well mixed)
                      /                    \\
    intercellular SC (area 1 - f)    appendageal SC (area f: follicle/duct lumen)
                      \\                    /
                 viable epidermis  (one column, area 1)
                 dermis            (capillary clearance)
                 subcutis          (in vivo; clearance at adipose blood flow)
                 body fluid / receptor (held at body composition)

Both stratum-corneum routes open into the same viable epidermis, so below the stratum
corneum the current and the solutes spread over the whole area (lateral exchange is
instantaneous on the scale of the follicle spacing); no column carries shunt current down
through the dermis.

Cells: 0 is the vehicle; the two SC columns are interleaved (intercellular cell k at
``1 + 2k``, appendageal at ``2 + 2k``) so the implicit system stays banded; the living
layers follow. Faces all point into the skin. Concentrations ``u`` are aqueous-equivalent
totals of each species over its charge states (mol/m³ of water in equilibrium); each
charge state ("microspecies") has its own capacity, conductance and charge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from dermaport.physics.chemistry import ChargeStates, MeanCharge
from dermaport.physics.mesh import LayeredMesh

__all__ = [
    "DERMIS",
    "SUBCUTIS",
    "TOP",
    "VEHICLE",
    "VIABLE",
    "Chain",
    "Microspecies",
    "RouteProperties",
    "Solute",
    "TissueBuffer",
    "build_chain",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

VEHICLE, TOP, VIABLE, DERMIS, SUBCUTIS = 0, 1, 2, 3, 4
Role = Literal["active", "strong", "buffer"]


@dataclass(frozen=True)
class Solute:
    """One transported species (all its charge states) and what the engine needs of it.

    Units: g/mol, m²/s (free aqueous, at skin temperature), m, 1/s, m/s.
    """

    name: str
    role: Role
    mw_g_per_mol: float
    diffusivity_m2_s: float
    radius_m: float
    charge: MeanCharge
    lipid_partition: float = 0.0  # stratum-corneum lipid/water partition of the neutral form
    lipid_permeability_m_per_s: float = 0.0  # Potts–Guy permeability of the neutral form
    clearance_per_s: float = 0.0  # first-order capillary clearance in the dermis (in vivo)
    subcutis_clearance_per_s: float = 0.0
    sc_binding: float = 0.0  # extra SC capacity of the charged forms (bound per free, per water)


@dataclass(frozen=True)
class RouteProperties:
    """The two stratum-corneum routes: area weights, conductance fractions and pore radii."""

    area_fraction: tuple[float, float]  # (intercellular 1 - f, appendageal f)
    porosity: tuple[float, float]  # conductance-equivalent aqueous fraction (ε/τ) of the SC
    water_fraction: float  # aqueous volume fraction of the SC (storage)
    pore_radius_m: tuple[float, float]  # inf for the open appendageal route


@dataclass(frozen=True)
class TissueBuffer:
    """Immobile acid–base groups of the tissue, per cell, per litre of tissue water (mol/m³).

    Charge ``offset + total · f_H(pH)`` with ``f_H = 1 / (1 + 10^(pH − pKa))``: in the SC the
    skin's fixed charge (``−X₀ tanh(ln10 (pH − pI)/2)`` is ``total = 2X₀``, ``pKa = pI``,
    ``offset = −X₀``), in the living tissue its buffer capacity, neutral at the viable pH.
    """

    total: Array  # (N,)
    pka: Array  # (N,)
    offset: Array  # (N,)


@dataclass(frozen=True)
class Microspecies:
    """Every charge state of every species, and the two water ions (parent −1)."""

    parent: IntArray  # (M,) species index, -1 for H⁺ and OH⁻
    z: Array  # (M,) charge
    nh: Array  # (M,) protons bound relative to the species' most deprotonated state
    lost: Array  # (M,) protons lost from the fully protonated state
    log_weight: Array  # (M,)
    starts: IntArray  # (S,) first microspecies of each species (contiguous)
    proton: int  # index of H⁺ (OH⁻ follows)

    @property
    def size(self) -> int:
        """Number of microspecies."""
        return int(self.z.size)


@dataclass(frozen=True, eq=False)
class Chain:
    """Cells and faces, with every per-microspecies coefficient that does not change.

    Compared and hashed by identity, so per-chain results can be cached.
    """

    column: LayeredMesh  # the full depth: SC, VE, dermis (, subcutis)
    n_sc: int
    routes: RouteProperties
    solutes: tuple[Solute, ...]
    micro: Microspecies
    volume_m: Array  # (N,) cell volume per unit skin area (m)
    water: Array  # (N,) aqueous volume fraction (storage of water ions and tissue buffer)
    kind: IntArray  # (N,) VEHICLE, TOP, VIABLE, DERMIS, SUBCUTIS
    route: IntArray  # (N,) -1 vehicle, 0 intercellular, 1 appendageal, 2 living tissue
    depth_index: IntArray  # (N,) cell index in ``column`` (-1: vehicle)
    capacity: Array  # (M, N) stored amount per aqueous concentration (per volume)
    buffer: TissueBuffer
    clearance: Array  # (S, N) first-order loss (1/s)
    face_left: IntArray  # (F,)
    face_right: IntArray  # (F,) -1: the reservoir under the deepest layer
    face_area: Array  # (F,) per unit skin area
    face_route: IntArray  # (F,) 0, 1 (SC routes) or 2 (living tissue)
    flow_weight: Array  # (F, 2) the face's volume flow per unit flow of each SC route
    conductance: Array  # (M, F) G (m/s) of the whole pathway
    polar: Array  # (M, F) share of G through water (drift and convection)
    peclet_per_flow: Array  # (M, F) Pe per unit volume flow (s/m)
    top_faces: tuple[IntArray, IntArray]  # faces strictly inside each SC route
    top_span_m: float  # centre-to-centre distance those faces cover
    sc_cells: tuple[IntArray, IntArray]
    species_index: dict[str, int] = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.volume_m.size)

    @property
    def n_faces(self) -> int:
        """Number of faces."""
        return int(self.face_left.size)

    @property
    def vehicle(self) -> int:
        """Index of the vehicle cell."""
        return 0

    @property
    def surface_faces(self) -> IntArray:
        """The two faces from the vehicle into the SC routes."""
        return np.array([0, 1], dtype=np.int64)

    @property
    def bottom_face(self) -> int:
        """The face from the deepest cell into the reservoir."""
        return self.n_faces - 1


def _microspecies(solutes: tuple[Solute, ...]) -> Microspecies:
    parent: list[int] = []
    starts: list[int] = []
    z: list[float] = []
    nh: list[float] = []
    lost: list[float] = []
    logw: list[float] = []
    for s, solute in enumerate(solutes):
        states = ChargeStates.from_mean_charge(solute.charge)
        starts.append(len(z))
        z_min = min(states.charges)
        for charge, k, lw in zip(states.charges, states.lost, states.log_weight, strict=True):
            parent.append(s)
            z.append(float(charge))
            nh.append(float(charge - z_min))
            lost.append(float(k))
            logw.append(lw)
    proton = len(z)
    parent += [-1, -1]
    z += [1.0, -1.0]
    nh += [1.0, -1.0]
    lost += [0.0, 0.0]
    logw += [0.0, 0.0]
    return Microspecies(
        parent=np.array(parent, dtype=np.int64),
        z=np.array(z),
        nh=np.array(nh),
        lost=np.array(lost),
        log_weight=np.array(logw),
        starts=np.array(starts, dtype=np.int64),
        proton=proton,
    )


def build_chain(
    column: LayeredMesh,
    routes: RouteProperties,
    solutes: tuple[Solute, ...],
    *,
    vehicle_volume_m: float,
    viable_water_fraction: float,
    viable_diffusivity_ratio: float,
    water_ion_diffusivity_m2_s: tuple[float, float],
    diffusive_hindrance: Callable[[float, float], float],
    convective_hindrance: Callable[[float, float], float],
    buffer: TissueBuffer | None = None,
) -> Chain:
    """Assemble the chain from one column mesh (layer 0 the SC) and the route and solute properties.

    ``diffusive_hindrance`` and ``convective_hindrance`` map (solute radius, pore radius) to a
    factor. ``buffer`` defaults to none (zero groups everywhere).
    """
    hinder_d = diffusive_hindrance
    hinder_c = convective_hindrance
    assert callable(hinder_d)
    assert callable(hinder_c)
    n_sc = int(np.sum(column.layer == 0))
    n_live = column.size - n_sc
    n = 1 + 2 * n_sc + n_live
    depth = np.empty(n, dtype=np.int64)
    route = np.empty(n, dtype=np.int64)
    depth[0], route[0] = -1, -1
    depth[1 : 1 + 2 * n_sc : 2] = np.arange(n_sc)
    depth[2 : 2 + 2 * n_sc : 2] = np.arange(n_sc)
    route[1 : 1 + 2 * n_sc : 2] = 0
    route[2 : 2 + 2 * n_sc : 2] = 1
    depth[1 + 2 * n_sc :] = np.arange(n_sc, column.size)
    route[1 + 2 * n_sc :] = 2
    layer_kind = np.array([TOP, VIABLE, DERMIS, SUBCUTIS])
    kind = np.where(depth < 0, VEHICLE, layer_kind[column.layer[np.maximum(depth, 0)]]).astype(np.int64)
    widths = np.where(depth < 0, 0.0, column.widths_m[np.maximum(depth, 0)])
    area = np.where(route == 0, routes.area_fraction[0], np.where(route == 1, routes.area_fraction[1], 1.0))
    volume = np.where(route < 0, vehicle_volume_m, area * widths)
    water = np.where(
        kind == TOP, routes.water_fraction, np.where(kind == VEHICLE, 1.0, viable_water_fraction)
    )

    # faces: 2k + r enters SC cell k of route r; then the living column, the last into the reservoir
    left, right, froute = [], [], []
    for k in range(n_sc):
        for r in (0, 1):
            left.append(0 if k == 0 else 1 + 2 * (k - 1) + r)
            right.append(1 + 2 * k + r)
            froute.append(r)
    first_live = 1 + 2 * n_sc
    for r in (0, 1):
        left.append(1 + 2 * (n_sc - 1) + r)
        right.append(first_live)
        froute.append(r)
    for c in range(first_live, n):
        left.append(c)
        right.append(c + 1 if c + 1 < n else -1)
        froute.append(2)
    face_left = np.array(left, dtype=np.int64)
    face_right = np.array(right, dtype=np.int64)
    face_route = np.array(froute, dtype=np.int64)
    a0, a1 = routes.area_fraction
    face_area = np.where(face_route == 0, a0, np.where(face_route == 1, a1, 1.0))
    flow_weight = np.zeros((face_route.size, 2))
    flow_weight[face_route == 0, 0] = 1.0
    flow_weight[face_route == 1, 1] = 1.0
    flow_weight[face_route == 2] = (a0, a1)

    micro = _microspecies(solutes)
    m_count = micro.size
    capacity = np.zeros((m_count, n))
    kd_polar = np.zeros((m_count, n))
    kd_lipid = np.zeros((m_count, n))
    conv = np.ones((m_count, n))
    clearance = np.zeros((len(solutes), n))
    living = (kind == VIABLE) | (kind == DERMIS) | (kind == SUBCUTIS)
    thickness_sc = float(column.widths_m[column.layer == 0].sum())
    diffusivities = [s.diffusivity_m2_s for s in solutes] + list(water_ion_diffusivity_m2_s)
    radii = [s.radius_m for s in solutes] + [1.0e-10, 1.0e-10]
    for m in range(m_count):
        p = int(micro.parent[m])
        d, radius = diffusivities[p if p >= 0 else len(solutes) + (m - micro.proton)], radii[p]
        for r in (0, 1):
            cells = (kind == TOP) & (route == r)
            h = float(hinder_d(radius, routes.pore_radius_m[r]))
            capacity[m, cells] = routes.water_fraction
            kd_polar[m, cells] = routes.porosity[r] * h * d
            conv[m, cells] = float(hinder_c(radius, routes.pore_radius_m[r]))
        capacity[m, living] = viable_water_fraction
        kd_polar[m, living] = viable_water_fraction * viable_diffusivity_ratio * d
        capacity[m, kind == VEHICLE] = 1.0
        kd_polar[m, kind == VEHICLE] = d  # unused: the vehicle is well mixed (half-width 0)
        if p < 0:
            continue
        solute = solutes[p]
        sc = kind == TOP
        if micro.z[m] != 0 and solute.sc_binding > 0:
            capacity[m, sc] *= 1.0 + solute.sc_binding
        lipid = sc & (route == 0)
        if micro.z[m] == 0 and solute.lipid_permeability_m_per_s > 0:
            capacity[m, lipid] += solute.lipid_partition
            kd_lipid[m, lipid] = solute.lipid_permeability_m_per_s * thickness_sc
    for s, solute in enumerate(solutes):
        clearance[s, kind == DERMIS] = solute.clearance_per_s
        clearance[s, kind == SUBCUTIS] = solute.subcutis_clearance_per_s

    kd = kd_polar + kd_lipid
    polar = np.divide(kd_polar, kd, out=np.ones_like(kd), where=kd > 0)
    half = 0.5 * widths
    half_left = np.where(face_left == 0, 0.0, half[face_left])
    half_right = np.where(face_right < 0, 0.0, half[np.maximum(face_right, 0)])
    kd_l = kd[:, face_left]
    kd_r = np.where(face_right[None, :] < 0, kd[:, [n - 1]], kd[:, np.maximum(face_right, 0)])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        resistance = np.where(half_left > 0, half_left / kd_l, 0.0) + np.where(
            half_right > 0, half_right / kd_r, 0.0
        )
        g = np.where(resistance > 0, 1.0 / resistance, 0.0)
    g[~np.isfinite(g)] = 0.0
    pol_l = polar[:, face_left]
    pol_r = np.where(face_right[None, :] < 0, pol_l, polar[:, np.maximum(face_right, 0)])
    phi = np.minimum(pol_l, pol_r)
    w_l = conv[:, face_left]
    w_r = np.where(face_right[None, :] < 0, w_l, conv[:, np.maximum(face_right, 0)])
    w_face = np.minimum(w_l, w_r)
    phi_g = phi * g
    peclet = np.divide(w_face, phi_g, out=np.zeros_like(phi_g), where=phi_g > 0)

    top_faces = tuple(np.array([2 * k + r for k in range(1, n_sc)], dtype=np.int64) for r in (0, 1))
    centres = column.centers_m[column.layer == 0]
    if buffer is None:
        buffer = TissueBuffer(np.zeros(n), np.full(n, 7.0), np.zeros(n))
    return Chain(
        column=column,
        n_sc=n_sc,
        routes=routes,
        solutes=solutes,
        micro=micro,
        volume_m=volume,
        water=water,
        kind=kind,
        route=route,
        depth_index=depth,
        capacity=capacity,
        buffer=buffer,
        clearance=clearance,
        face_left=face_left,
        face_right=face_right,
        face_area=face_area,
        face_route=face_route,
        flow_weight=flow_weight,
        conductance=g,
        polar=phi,
        peclet_per_flow=peclet,
        top_faces=(top_faces[0], top_faces[1]),
        top_span_m=float(centres[-1] - centres[0]),
        sc_cells=(
            np.flatnonzero((kind == TOP) & (route == 0)).astype(np.int64),
            np.flatnonzero((kind == TOP) & (route == 1)).astype(np.int64),
        ),
        species_index={s.name: i for i, s in enumerate(solutes)},
    )
