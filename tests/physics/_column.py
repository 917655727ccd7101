"""A homogeneous test column for closed-form checks of the engine's discretisation."""

from __future__ import annotations

import math

import numpy as np

from dermaport.physics.chemistry import MeanCharge
from dermaport.physics.constants import WATER_ION_PRODUCT
from dermaport.physics.hindrance import renkin
from dermaport.physics.mesh import layered_mesh
from dermaport.physics.model import Chain, RouteProperties, Solute, TissueBuffer, build_chain
from dermaport.physics.solver import Conditions, State, advance

D_TRACE = 1.0e-9  # m²/s
D_NA, D_CL = 1.334e-9, 2.032e-9
NACL = 100.0  # mol/m³
THICKNESS = 300e-6  # m


def column(
    cells_per_third: int, *, charge: int = 0, fixed: float = 0.0, kappa: float = 0.0
) -> tuple[Chain, Conditions, State]:
    """One homogeneous medium (K = 1, D unhindered) under a huge, well-mixed vehicle.

    The top third is the "stratum corneum" (both routes identical, each half the area), the
    rest the living column; ``fixed`` is a fixed charge (mol/m³) in the top third, pH-independent.
    """
    solutes = (
        Solute("trace", "active", 100.0, D_TRACE, 1e-10, MeanCharge((), charge)),
        Solute("sodium", "strong", 23.0, D_NA, 1e-10, MeanCharge((), 1)),
        Solute("chloride", "strong", 35.45, D_CL, 1e-10, MeanCharge((), -1)),
    )
    mesh = layered_mesh([THICKNESS / 3] * 3, [cells_per_third] * 3, 1.0)
    routes = RouteProperties((0.5, 0.5), (1.0, 1.0), 1.0, (math.inf, math.inf))
    n = 1 + 2 * cells_per_third + 2 * cells_per_third
    offset = np.zeros(n)
    offset[1 : 1 + 2 * cells_per_third] = -fixed
    chain = build_chain(
        mesh,
        routes,
        solutes,
        vehicle_volume_m=1e6,
        viable_water_fraction=1.0,
        viable_diffusivity_ratio=1.0,
        water_ion_diffusivity_m2_s=(9.3e-9, 5.3e-9),
        diffusive_hindrance=renkin,
        convective_hindrance=renkin,
        buffer=TissueBuffer(np.zeros(n), np.full(n, 7.0), offset),
    )
    bottom = np.array([0.0, NACL, NACL])
    cond = Conditions(
        temperature_c=25.0,
        viable_ph=7.0,
        electroosmotic_coefficient=kappa,
        electrode="inert",
        bottom=bottom,
        bottom_ph=7.0,
        kw=WATER_ION_PRODUCT,
        active=0,
        sodium=1,
        chloride=2,
    )
    u = np.repeat(bottom[:, None], chain.n_cells, axis=1)
    sc = chain.kind == 1
    if fixed:  # Donnan equilibrium of the charged top third with the saline
        x = -fixed
        cation = 0.5 * (-x + math.sqrt(x * x + 4 * NACL**2))
        u[1, sc] = cation
        u[2, sc] = cation + x
    u[0, chain.vehicle] = 1.0 if charge == 0 else 0.1
    if charge:
        u[2 if charge > 0 else 1, chain.vehicle] += (
            abs(charge) * 0.1
        )  # its counter-ion keeps the vehicle neutral
    state = State(u=u, ph=np.full(chain.n_cells, 7.0), dpsi=np.zeros(chain.n_faces))
    return chain, cond, state


def run(
    chain: Chain, cond: Conditions, state: State, times: list[float], current: float = 0.0
) -> tuple[State, float, float]:
    """March through ``times``: the state, the last surface flux and the total bottom outflow (mol/m²)."""
    t = 0.0
    out = 0.0
    flux = 0.0
    for t_next in times:
        state, report = advance(chain, cond, state, t_next - t, current)
        out += float(report.bottom[0])
        flux = float(report.surface[0]) / (t_next - t)
        t = t_next
    return state, flux, out


def steady(chain: Chain, cond: Conditions, state: State, current: float = 0.0) -> tuple[State, float]:
    """Steady state reached by growing implicit steps; returns the surface flux (mol/m²/s)."""
    times = list(np.cumsum(np.geomspace(0.01, 1e5, 40)))
    state, flux, _ = run(chain, cond, state, times, current)
    return state, flux
