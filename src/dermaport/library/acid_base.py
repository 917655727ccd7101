"""Charge states of a molecule at a pH, from its ionisable groups (Henderson–Hasselbalch).

Within one group the pKa values are stepwise macroscopic constants; separate groups
are independent, so the molecule's charge distribution is the convolution of its
groups' distributions, shifted by any permanent charge (quaternary ammonium, metal ion).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol

__all__ = ["AcidBaseGroup", "charge_distribution", "group_distribution", "mean_charge"]


class AcidBaseGroup(Protocol):
    """What the chemistry needs of an ionisable group."""

    @property
    def kind(self) -> Literal["acid", "base"]:
        """``"acid"`` (charges 0 … −n) or ``"base"`` (charges +n … 0)."""

    @property
    def pka(self) -> Sequence[float]:
        """Stepwise pKa values, ascending."""


def group_distribution(kind: Literal["acid", "base"], pkas: Sequence[float], ph: float) -> dict[int, float]:
    """Fraction of one group in each charge state at ``ph``.

    With stepwise constants pKa₁ < … < pKaₙ, the state that has lost ``j`` protons has
    weight ∏_{i≤j} 10^(pH − pKaᵢ) (Henderson–Hasselbalch applied step by step). An acid
    loses protons from charge 0 down to −n; a base from +n down to 0.
    """
    log_weights = [0.0]
    for pka in pkas:
        log_weights.append(log_weights[-1] + (ph - pka))
    top = max(log_weights)
    weights = [10.0 ** (w - top) for w in log_weights]
    total = math.fsum(weights)
    n = len(pkas)
    start = 0 if kind == "acid" else n
    return {start - j: w / total for j, w in enumerate(weights)}


def _convolve(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    out: dict[int, float] = {}
    for za, fa in a.items():
        for zb, fb in b.items():
            out[za + zb] = out.get(za + zb, 0.0) + fa * fb
    return out


def charge_distribution(
    groups: Iterable[AcidBaseGroup], ph: float, *, fixed_charge: int = 0
) -> dict[int, float]:
    """Fraction of the molecule in each net charge state at ``ph``, keyed by charge.

    States whose fraction is below 1e-12 are dropped; the rest sum to 1.
    """
    distribution: dict[int, float] = {fixed_charge: 1.0}
    for group in groups:
        distribution = _convolve(distribution, group_distribution(group.kind, group.pka, ph))
    kept = {z: f for z, f in distribution.items() if f >= 1e-12}
    total = math.fsum(kept.values())
    return {z: kept[z] / total for z in sorted(kept)}


def mean_charge(distribution: dict[int, float]) -> float:
    """Mean net charge (elementary charges) of a charge distribution."""
    return math.fsum(z * f for z, f in distribution.items())
