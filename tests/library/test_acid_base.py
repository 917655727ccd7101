"""Charge states against hand-computed Henderson–Hasselbalch values (verification)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermaport.library.acid_base import charge_distribution, group_distribution, mean_charge


@dataclass(frozen=True)
class Group:
    kind: Literal["acid", "base"]
    pka: tuple[float, ...]


def test_monoprotic_acid_half_dissociated_at_its_pka() -> None:
    # HH: [A-]/[HA] = 10^(pH - pKa) = 1 at pH = pKa.
    assert group_distribution("acid", [4.76], 4.76) == pytest.approx({0: 0.5, -1: 0.5})


def test_monoprotic_acid_one_unit_above_pka() -> None:
    # [A-]/[HA] = 10 -> fraction ionised 10/11 = 0.909091.
    fractions = group_distribution("acid", [4.76], 5.76)
    assert fractions[-1] == pytest.approx(10 / 11, rel=1e-12)
    assert fractions[0] == pytest.approx(1 / 11, rel=1e-12)


def test_base_two_units_below_pka_is_protonated() -> None:
    # [BH+]/[B] = 10^(pKa - pH) = 100 -> 100/101 = 0.990099 cationic.
    fractions = group_distribution("base", [9.2], 7.2)
    assert fractions[1] == pytest.approx(100 / 101, rel=1e-12)
    assert fractions[0] == pytest.approx(1 / 101, rel=1e-12)


def test_stepwise_diprotic_acid() -> None:
    # pKa 2 and 7 at pH 7: weights 1 : 10^5 : 10^5 -> 0: 1/(1+2e5), -1 and -2 each 1e5/(1+2e5).
    fractions = group_distribution("acid", [2.0, 7.0], 7.0)
    denominator = 1 + 2e5
    assert fractions[0] == pytest.approx(1 / denominator, rel=1e-9)
    assert fractions[-1] == pytest.approx(1e5 / denominator, rel=1e-12)
    assert fractions[-2] == pytest.approx(1e5 / denominator, rel=1e-12)


def test_zwitterion_from_two_independent_groups() -> None:
    # Tranexamic-acid-like: COOH pKa 4.3, NH3+ pKa 10.6, at pH 5.5.
    f = 1 / (1 + 10 ** (4.3 - 5.5))  # carboxyl ionised: 0.940649
    g = 1 / (1 + 10 ** (5.5 - 10.6))  # amine protonated: 0.999992
    fractions = charge_distribution([Group("acid", (4.3,)), Group("base", (10.6,))], 5.5)
    assert fractions[1] == pytest.approx((1 - f) * g, rel=1e-9)
    assert fractions[0] == pytest.approx(f * g + (1 - f) * (1 - g), rel=1e-9)
    assert fractions[-1] == pytest.approx(f * (1 - g), rel=1e-6)
    assert mean_charge(fractions) == pytest.approx((1 - f) * g - f * (1 - g), rel=1e-9)


def test_permanent_charge_shifts_every_state() -> None:
    # L-carnitine-like: quaternary N+ (+1) and COOH pKa 3.8 at pH 3.8 -> +1 and 0 half each.
    fractions = charge_distribution([Group("acid", (3.8,))], 3.8, fixed_charge=1)
    assert fractions == pytest.approx({1: 0.5, 0: 0.5})


def test_no_groups_is_neutral() -> None:
    assert charge_distribution([], 7.0) == {0: 1.0}


def test_extreme_ph_does_not_overflow() -> None:
    fractions = charge_distribution([Group("acid", (1.0, 2.0, 3.0)), Group("base", (12.0, 13.0))], 14.0)
    # Acid fully ionised (-3); base states +2 : +1 : 0 weigh 1 : 10^2 : 10^3 at pH 14.
    assert fractions[-3] == pytest.approx(1000 / 1101, rel=1e-9)
    assert fractions[-2] == pytest.approx(100 / 1101, rel=1e-9)


groups = st.lists(
    st.builds(
        Group,
        kind=st.sampled_from(["acid", "base"]),
        pka=st.lists(st.floats(0, 14), min_size=1, max_size=3).map(lambda p: tuple(sorted(p))),
    ),
    max_size=4,
)


@given(groups=groups, ph=st.floats(0, 14), fixed=st.integers(-2, 2))
def test_fractions_sum_to_one(groups: list[Group], ph: float, fixed: int) -> None:
    fractions = charge_distribution(groups, ph, fixed_charge=fixed)
    assert sum(fractions.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(f >= 0 for f in fractions.values())


@given(groups=groups, ph=st.floats(0, 13.5), step=st.floats(0.01, 0.5))
def test_mean_charge_never_rises_with_ph(groups: list[Group], ph: float, step: float) -> None:
    low = mean_charge(charge_distribution(groups, ph))
    high = mean_charge(charge_distribution(groups, ph + step))
    assert high <= low + 1e-9


@pytest.mark.parametrize(
    ("name", "ph", "pka", "charge", "hand_computed"),
    [
        # Ascorbic acid, pKa1 4.17: anion 1/(1 + 10^(4.17 - 5.5)) = 1/1.046774 = 0.955316
        # (pKa2 11.57 removes a further 10^(5.5 - 11.57) ~ 1e-6 of it).
        ("ascorbic acid", 5.5, [4.17, 11.57], -1, 0.955315),
        # Lidocaine, pKa 7.86: cation 1/(1 + 10^(5.5 - 7.86)) = 1/1.0043652 = 0.995654.
        ("lidocaine", 5.5, [7.86], 1, 0.995654),
        # Niacinamide, pyridine N pKa 3.35: cation 1/(1 + 10^(5.5 - 3.35)) = 1/142.254 = 0.0070297.
        ("niacinamide", 5.5, [3.35], 1, 0.0070297),
        # Glycolic acid, pKa 3.83 at pH 3.83: half ionised.
        ("glycolic acid", 3.83, [3.83], -1, 0.5),
    ],
)
def test_library_actives_against_hand_computed_values(
    name: str, ph: float, pka: list[float], charge: int, hand_computed: float
) -> None:
    from dermaport.library import load_actives

    active = load_actives().get(name)
    assert [p for g in active.entry.ionisable_groups for p in g.pka] == pka  # the numbers used by hand
    assert active.charge_fractions(ph)[charge] == pytest.approx(hand_computed, abs=2e-6)
