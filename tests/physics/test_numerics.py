"""The engine's numerical building blocks against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

from dermaport.physics.bordered import BorderedBandedSystem
from dermaport.physics.model import Chain
from dermaport.physics.solver import Conditions, State, _assemble, _coefficients, _layout, capacity_and_kd
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
    lay = _layout(len(chain.solutes), chain.n_cells)
    u, dpsi = x[lay.cell], x[lay.face]
    currents, flow = x[lay.size : lay.size + 2], x[lay.size + 2 :]
    capacity, _, _ = capacity_and_kd(chain, cond, state.ph)
    co = _coefficients(chain, cond, u, dpsi, flow, state.ph)
    system, residual, border = _assemble(
        chain,
        cond,
        co,
        u=u,
        dpsi=dpsi,
        currents=currents,
        flow=flow,
        ph=state.ph,
        stored_old=chain.volume_m * capacity * state.u,
        dt=dt,
        current_a_per_m2=current,
        area=chain.face_area,
        attached=True,
    )
    return np.concatenate((residual, border)), system


@pytest.mark.parametrize("charge", [0, 1, -2])
def test_the_assembled_jacobian_is_the_derivative_of_the_residual(charge: int) -> None:
    """Every entry of the banded-with-border Jacobian against central finite differences."""
    chain, cond, state = column(3, charge=charge, fixed=20.0, kappa=2e-12)
    lay = _layout(len(chain.solutes), chain.n_cells)
    rng = np.random.default_rng(7)
    x = np.zeros(lay.size + 4)
    x[lay.cell] = state.u * (1.0 + 0.2 * rng.random(state.u.shape))
    x[lay.face] = 0.3 * rng.normal(size=chain.n_cells + 1)
    x[lay.size :] = (12.0, 6.0, 1e-7, -2e-7)  # route currents (A/m²), flows (m/s)
    _, system = _residual_and_system(chain, cond, x, state, 0.5, 18.0)
    jacobian = system.dense()
    numeric = np.zeros_like(jacobian)
    for j in range(x.size):
        h = 1e-6 * max(abs(x[j]), 1e-11 if j >= lay.size + 2 else 1e-3)
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        numeric[:, j] = (
            _residual_and_system(chain, cond, up, state, 0.5, 18.0)[0]
            - _residual_and_system(chain, cond, down, state, 0.5, 18.0)[0]
        ) / (2 * h)
    scale = np.maximum(np.abs(numeric).max(axis=1), np.abs(jacobian).max(axis=1))[:, None]
    assert np.max(np.abs(jacobian - numeric) / scale) < 1e-4
