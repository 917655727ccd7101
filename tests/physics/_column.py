"""A homogeneous test column for closed-form checks of the engine's discretisation."""

from __future__ import annotations

import math

import numpy as np

from dermaport.physics.chemistry import MeanCharge
from dermaport.physics.hindrance import renkin
from dermaport.physics.mesh import layered_mesh
from dermaport.physics.model import Chain, RouteProperties, Solute, build_chain
from dermaport.physics.solver import Conditions, State, advance

D_TRACE = 1.0e-9  # m²/s
D_NA, D_CL = 1.334e-9, 2.032e-9
NACL = 100.0  # mol/m³
THICKNESS = 300e-6  # m


def column(
    cells_per_third: int, *, charge: int = 0, fixed: float = 0.0, kappa: float = 0.0
) -> tuple[Chain, Conditions, State]:
    """One homogeneous medium (K = 1, D unhindered) under a huge, well-mixed vehicle."""
    solutes = (
        Solute("trace", "active", 100.0, D_TRACE, 1e-10, MeanCharge((), charge)),
        Solute("sodium", "strong", 23.0, D_NA, 1e-10, MeanCharge((), 1)),
        Solute("chloride", "strong", 35.45, D_CL, 1e-10, MeanCharge((), -1)),
        Solute("hydrogen_ion", "proton", 1.0, 9.3e-9, 1e-10, MeanCharge((), 1)),
        Solute("hydroxide", "hydroxide", 17.0, 5.3e-9, 1e-10, MeanCharge((), -1)),
    )
    mesh = layered_mesh([THICKNESS / 3] * 3, [cells_per_third] * 3, 1.0)
    routes = RouteProperties((0.5, 0.5), (1.0, 1.0), 1.0, (math.inf, math.inf))
    chain = build_chain(
        mesh,
        routes,
        solutes,
        vehicle_volume_m=1e6,
        viable_water_fraction=1.0,
        viable_diffusivity_ratio=1.0,
        hindrance_of=renkin,
    )
    bottom = np.array([0.0, NACL, NACL, 1e-4, 1e-4])
    cond = Conditions(
        temperature_c=25.0,
        viable_ph=7.0,
        isoelectric_point=4.8,
        fixed_charge_mol_per_m3=fixed,
        electroosmotic_coefficient=kappa,
        electrode="inert",
        bottom=bottom,
        weak_vehicle=(),
        active=0,
        proton=3,
        hydroxide=4,
        chloride=2,
        strong=(1, 2),
    )
    u = np.repeat(bottom[:, None], chain.n_cells, axis=1)
    u[0, chain.vehicle] = 1.0 if charge == 0 else 0.1
    if charge:
        u[2 if charge > 0 else 1, chain.vehicle] += (
            abs(charge) * 0.1
        )  # its counter-ion keeps the vehicle neutral
    state = State(u=u, ph=7.0, dpsi=np.zeros(chain.n_cells + 1))
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
