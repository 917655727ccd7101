"""The engine's numerical building blocks against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

from dermaport.physics.bordered import BorderedBandedSystem
from dermaport.physics.stepping import TimeControl


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
