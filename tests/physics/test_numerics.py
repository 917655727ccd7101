"""The engine's numerical building blocks against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

from dermaport.physics.bordered import BorderedBandedSystem
from dermaport.physics.model import Chain
from dermaport.physics.solver import (
    Conditions,
    State,
    _assemble,
    _bottom,
    _clearance,
    _electrode,
    _electroosmotic_coefficients,
    _fluxes_for,
    _incidence,
    _layout,
    _storage,
    speciation,
)
from dermaport.physics.stepping import TimeControl
from tests.physics._column import column


def _random_system(rng: np.random.Generator, size: int, k: int, border: int) -> BorderedBandedSystem:
    system = BorderedBandedSystem(size, k, border)
    for i in range(size):
        for j in range(max(0, i - k), min(size, i + k + 1)):
            system.band[k + i - j, j] = rng.normal() + (4.0 * k if i == j else 0.0)
    system.right[:] = rng.normal(size=(size, border))
    system.bottom[:] = rng.normal(size=(border, size))
    system.corner[:] = rng.normal(size=(border, border)) + 10.0 * np.eye(border)
    return system


@pytest.mark.parametrize(("size", "k", "border"), [(7, 1, 1), (40, 3, 4), (120, 6, 4)])
def test_bordered_banded_solve_matches_a_dense_solve(size: int, k: int, border: int) -> None:
    rng = np.random.default_rng(size)
    system = _random_system(rng, size, k, border)
    dense = system.dense()
    rhs = rng.normal(size=size + border)
    expected = np.linalg.solve(dense, rhs)
    x, y = system.solve(rhs[:size], rhs[size:])
    assert np.allclose(np.concatenate((x, y)), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("size", "k", "border"), [(7, 1, 1), (40, 3, 4), (120, 6, 4)])
def test_factored_bordered_system_solves_several_right_hand_sides(size: int, k: int, border: int) -> None:
    """The chord iterations' factors: each new right-hand side solved as a dense solve would."""
    rng = np.random.default_rng(size + 1)
    system = _random_system(rng, size, k, border)
    dense = system.dense()
    factored = system.factor()
    for _ in range(3):
        rhs = rng.normal(size=size + border)
        x, y = factored.solve(rhs[:size], rhs[size:])
        assert np.allclose(np.concatenate((x, y)), np.linalg.solve(dense, rhs), rtol=1e-10, atol=1e-12)


def test_an_identity_row_pins_its_unknown() -> None:
    rng = np.random.default_rng(3)
    system = _random_system(rng, 30, 4, 2)
    system.make_identity_row(12)
    x, _ = system.solve(np.full(30, 2.5), np.zeros(2))
    assert x[12] == pytest.approx(2.5, rel=1e-12)


def test_refined_time_control_takes_shorter_steps() -> None:
    base = TimeControl()
    fine = base.refined(4)
    assert fine.max_step(600.0, carries_current=True, attached=True) == pytest.approx(
        base.max_step(600.0, carries_current=True, attached=True) / 4
    )
    assert fine.first_step_s == pytest.approx(base.first_step_s / 4)
    # a large pH jump shrinks the next step below the growth factor
    assert base.next_step(1.0, iterations=3, ph_change=0.6, max_step_s=10.0) == pytest.approx(0.5)


def _residual_and_system(
    chain: Chain, cond: Conditions, x: np.ndarray, state: State, dt: float, current: float
) -> tuple[np.ndarray, BorderedBandedSystem]:
    """The Newton residual at the unknowns ``x`` (band part, then the four globals)."""
    lay = _layout(chain)
    s_count = len(chain.solutes)
    u, ph, dpsi = x[lay.cell[:s_count]], x[lay.cell[s_count]], x[lay.face]
    currents, flow = x[lay.size : lay.size + 2], x[lay.size + 2 :]
    alpha0, slope0 = speciation(chain, state.ph, cond.kw)
    stored_old, _ = _storage(chain, cond, state.u, state.ph, alpha0, slope0)
    fl, alpha, slope, _ = _fluxes_for(chain, cond, u, ph, dpsi, flow, _bottom(chain, cond), True)
    stored, dstore = _storage(chain, cond, u, ph, alpha, slope)
    loss, dloss = _clearance(chain, cond, u, alpha, slope)
    source, dsource = _electrode(cond, s_count, current / 96485.33212, float(u[cond.chloride, 0]))
    dloss[:, :, 0] -= dsource
    system, residual, border = _assemble(
        chain,
        lay,
        _incidence(chain),
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
        eo=_electroosmotic_coefficients(chain, cond, state.ph),
        current_a_per_m2=current,
        attached=True,
    )
    return np.concatenate((residual, border)), system


@pytest.mark.parametrize(("charge", "weak"), [(0, False), (1, False), (-2, False), (0, True)])
def test_the_assembled_jacobian_is_the_derivative_of_the_residual(charge: int, weak: bool) -> None:
    """Every entry of the banded-with-border Jacobian against central finite differences.

    ``weak``: the real chain (a weak base with a lipid route, the tissue buffer, clearance,
    an Ag/AgCl anode) on a coarse mesh, so the pH derivatives are checked too.
    """
    if weak:
        chain, cond, state = _real_chain()
    else:
        chain, cond, state = column(3, charge=charge, fixed=20.0, kappa=2e-12)
    lay = _layout(chain)
    s_count = len(chain.solutes)
    rng = np.random.default_rng(7)
    x = np.zeros(lay.size + 4)
    x[lay.cell[:s_count]] = state.u * (1.0 + 0.2 * rng.random(state.u.shape)) + 1e-3
    x[lay.cell[s_count]] = state.ph + 0.3 * rng.normal(size=chain.n_cells)
    x[lay.face] = 0.3 * rng.normal(size=chain.n_faces)
    x[lay.size :] = (12.0, 6.0, 1e-7, -2e-7)  # route currents (A/m²), flows (m/s)
    _, system = _residual_and_system(chain, cond, x, state, 0.5, 18.0)
    jacobian = system.dense()
    numeric = np.zeros_like(jacobian)
    for j in range(x.size):
        h = (1e-4 if j >= lay.size + 2 else 1e-6) * max(abs(x[j]), 1e-11 if j >= lay.size + 2 else 1e-3)
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        numeric[:, j] = (
            _residual_and_system(chain, cond, up, state, 0.5, 18.0)[0]
            - _residual_and_system(chain, cond, down, state, 0.5, 18.0)[0]
        ) / (2 * h)
    scale = np.maximum(np.abs(numeric).max(axis=1), np.abs(jacobian).max(axis=1))[:, None]
    assert np.max(np.abs(jacobian - numeric) / scale) < 1e-4


def _real_chain() -> tuple[Chain, Conditions, State]:
    from dermaport.library.actives import load_actives
    from dermaport.library.skin import load_skin
    from dermaport.physics.setup import Resolution, Vehicle, build

    library = load_actives()
    lido = library.resolve("lidocaine")
    ions = {name: library.get(name) for name in ("sodium", "chloride", "hydrogen_ion", "hydroxide")}
    buffer = ((library.get("phosphate"), 10.0),)
    vehicle = Vehicle(6.5, 20e-6, 80.0, (), buffer)
    return build(
        lido,
        vehicle,
        load_skin().get("human_face"),
        ions,
        electrode="ag-agcl",
        in_vitro=False,
        resolution=Resolution(3, 2, 2, 2),
    )
