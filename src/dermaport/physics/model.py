"""The discretised skin: two parallel routes under one vehicle, as one chain of cells.

Geometry (per unit area of treated skin)::

    shunt route (area f):   dermis … viable … appendage ┐
                                                        vehicle (well mixed)
    intercellular (1 - f):  stratum corneum … viable … dermis ┘

The appendageal shunt column is listed bottom-up, then the vehicle, then the intercellular
column top-down, so every cell has at most two neighbours and the implicit system is
banded. Lateral exchange between the routes below the stratum corneum is neglected;
reported depth profiles are area-weighted over both routes. Concentrations are
aqueous-equivalent (``u``, mol/m³ of water in equilibrium); a cell holds ``K u`` per
volume with ``K`` its capacity (partition coefficient × accessible volume fraction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from dermaport.physics.chemistry import MeanCharge
from dermaport.physics.mesh import LayeredMesh

__all__ = ["DERMIS", "TOP", "VEHICLE", "VIABLE", "Chain", "Solute", "build_chain"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

VEHICLE, TOP, VIABLE, DERMIS = 0, 1, 2, 3
Role = Literal["active", "strong", "proton", "hydroxide"]


@dataclass(frozen=True)
class Solute:
    """One transported species and what the engine needs to know of it.

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
    neutral_fraction: Callable[[float], float] | None = None
    clearance_per_s: float = 0.0  # first-order dermal clearance (in vivo)


@dataclass(frozen=True)
class RouteProperties:
    """The two parallel routes: area weights, accessible volume fractions and pore radii."""

    area_fraction: tuple[float, float]  # (intercellular 1 - f, appendageal f)
    porosity: tuple[float, float]  # conductance-equivalent aqueous fraction (ε/τ) of the top layer
    water_fraction: float  # aqueous volume fraction of the top layer (storage)
    pore_radius_m: tuple[float, float]  # inf for the open appendageal route


@dataclass(frozen=True, eq=False)
class Chain:
    """Cells and faces of the chain, with every per-species coefficient that does not change.

    Compared and hashed by identity, so per-chain results can be cached.
    """

    column: LayeredMesh  # one route's cells, top first (both routes share it)
    routes: RouteProperties
    solutes: tuple[Solute, ...]
    volume_m: Array  # cell volume per unit skin area (m)
    kind: IntArray  # VEHICLE, TOP, VIABLE, DERMIS
    route: IntArray  # -1 vehicle, 0 intercellular, 1 appendageal
    depth_index: IntArray  # cell index in ``column`` (-1: vehicle)
    face_area: Array  # N + 1 faces, per unit skin area (1 - f or f)
    face_dir: Array  # +1 where the chain's direction points into the skin
    face_route: IntArray
    half_left: Array  # distance (m) from the left cell centre to the face (0: vehicle, ghost)
    half_right: Array
    top_faces: tuple[IntArray, IntArray]  # faces strictly inside each route's top layer
    top_span_m: tuple[float, float]  # centre-to-centre distance those faces cover
    capacity: Array  # (S, N) K without the lipid part
    kd_polar: Array  # (S, N) K·D of the aqueous pathway (m²/s)
    hindrance: Array  # (S, N) convective hindrance
    clearance: Array  # (S, N) first-order loss (1/s)
    lipid_cells: IntArray  # intercellular stratum-corneum cells (lipid route of the neutral form)
    top_cells: IntArray  # every top-layer cell (fixed charge, whose sign follows the vehicle pH)
    species_index: dict[str, int] = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        """Number of cells (both columns and the vehicle)."""
        return int(self.volume_m.size)

    @property
    def vehicle(self) -> int:
        """Index of the vehicle cell."""
        return self.column.size


def build_chain(
    column: LayeredMesh,
    routes: RouteProperties,
    solutes: tuple[Solute, ...],
    *,
    vehicle_volume_m: float,
    viable_water_fraction: float,
    viable_diffusivity_ratio: float,
    hindrance_of: Callable[[float, float], float],
) -> Chain:
    """Assemble the chain from one column mesh and the route and solute properties."""
    n_col = column.size
    n = 2 * n_col + 1
    # appendageal cell c sits at chain index n_col - 1 - c; intercellular cell c at n_col + 1 + c
    depth_index = np.concatenate((np.arange(n_col)[::-1], [-1], np.arange(n_col))).astype(np.int64)
    route = np.concatenate((np.ones(n_col), [-1], np.zeros(n_col))).astype(np.int64)
    col_kind = np.where(column.layer == 0, TOP, np.where(column.layer == 1, VIABLE, DERMIS))
    kind = np.concatenate((col_kind[::-1], [VEHICLE], col_kind)).astype(np.int64)
    widths = np.concatenate((column.widths_m[::-1], [0.0], column.widths_m))
    weight = np.where(route == 1, routes.area_fraction[1], routes.area_fraction[0])
    volume = np.where(route < 0, vehicle_volume_m, weight * widths)

    # faces 0..n: face k lies between cell k-1 and cell k (cells -1 and n are the bottom reservoirs)
    face_route = np.concatenate((np.ones(n_col + 1), np.zeros(n_col + 1))).astype(np.int64)
    face_dir = np.where(face_route == 1, -1.0, 1.0)
    face_area = np.where(face_route == 1, routes.area_fraction[1], routes.area_fraction[0])
    half = 0.5 * widths
    half_left = np.concatenate(([0.0], half))  # the bottom reservoir sits on the face itself
    half_right = np.concatenate((half, [0.0]))

    top = kind == TOP
    top_faces: list[IntArray] = []
    spans: list[float] = []
    for r in (0, 1):
        inside = np.flatnonzero(top[:-1] & top[1:] & (route[:-1] == r)) + 1
        top_faces.append(inside.astype(np.int64))
        centres = column.centers_m[column.layer == 0]
        spans.append(float(centres[-1] - centres[0]))

    s_count = len(solutes)
    capacity = np.zeros((s_count, n))
    kd_polar = np.zeros((s_count, n))
    hindrance = np.ones((s_count, n))
    clearance = np.zeros((s_count, n))
    for s, solute in enumerate(solutes):
        d = solute.diffusivity_m2_s
        for r in (0, 1):
            h = hindrance_of(solute.radius_m, routes.pore_radius_m[r])
            cells = top & (route == r)
            capacity[s, cells] = routes.water_fraction
            kd_polar[s, cells] = routes.porosity[r] * h * d
            hindrance[s, cells] = h
        living = (kind == VIABLE) | (kind == DERMIS)
        capacity[s, living] = viable_water_fraction
        kd_polar[s, living] = viable_water_fraction * viable_diffusivity_ratio * d
        capacity[s, kind == VEHICLE] = 1.0
        kd_polar[s, kind == VEHICLE] = d  # unused: the vehicle is well mixed (half-width 0)
        clearance[s, kind == DERMIS] = solute.clearance_per_s

    return Chain(
        column=column,
        routes=routes,
        solutes=solutes,
        volume_m=volume,
        kind=kind,
        route=route,
        depth_index=depth_index,
        face_area=face_area,
        face_dir=face_dir,
        face_route=face_route,
        half_left=half_left,
        half_right=half_right,
        top_faces=(top_faces[0], top_faces[1]),
        top_span_m=(spans[0], spans[1]),
        capacity=capacity,
        kd_polar=kd_polar,
        hindrance=hindrance,
        clearance=clearance,
        lipid_cells=np.flatnonzero(top & (route == 0)).astype(np.int64),
        top_cells=np.flatnonzero(top).astype(np.int64),
        species_index={s.name: i for i, s in enumerate(solutes)},
    )
