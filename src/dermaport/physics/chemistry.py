"""Acid–base chemistry for the engine: fast mean charges, the skin's fixed charge, vehicle pH.

Acid–base equilibria are taken as instantaneous (proton transfer is microseconds; transport
is seconds). The vehicle's pH follows from its electroneutrality: the strong ions it holds,
the weak acids and bases (the active, the buffer) at their pKa values, and water.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from dermaport.library.acid_base import AcidBaseGroup
from dermaport.physics.constants import hydrogen_mol_per_m3, hydroxide_mol_per_m3

__all__ = ["ChargeStates", "MeanCharge", "WeakElectrolyte", "fixed_charge_mol_per_m3", "vehicle_ph"]

_LN10 = math.log(10.0)


@lru_cache(maxsize=4096)
def _charge_and_slope(
    groups: tuple[tuple[str, tuple[float, ...]], ...], fixed: int, ph: float
) -> tuple[float, float]:
    """Mean charge and its pH slope: d⟨lost⟩/dpH = ln10 · Var(lost) for each group."""
    total = float(fixed)
    slope = 0.0
    for kind, pkas in groups:
        # log10 of the unnormalised weight of the state that has lost k protons
        log_w = [0.0]
        for pka in pkas:
            log_w.append(log_w[-1] + ph - pka)
        top = max(log_w)
        weights = [10.0 ** (x - top) for x in log_w]
        norm = sum(weights)
        lost = sum(k * w for k, w in enumerate(weights)) / norm
        second = sum(k * k * w for k, w in enumerate(weights)) / norm
        total += -lost if kind == "acid" else len(pkas) - lost
        slope -= _LN10 * (second - lost * lost)
    return total, slope


@dataclass(frozen=True)
class MeanCharge:
    """Mean net charge of a molecule as a function of pH (elementary charges).

    The mean of independent groups is the sum of their means, so each group's stepwise
    distribution (Henderson–Hasselbalch) is summed without building the joint distribution.
    """

    groups: tuple[tuple[str, tuple[float, ...]], ...]
    fixed: int = 0

    @classmethod
    def of(cls, groups: Sequence[AcidBaseGroup], fixed: int = 0) -> MeanCharge:
        """From library ionisable groups and a permanent charge."""
        return cls(tuple((g.kind, tuple(g.pka)) for g in groups), fixed)

    def __call__(self, ph: float) -> float:
        """Mean charge at ``ph``."""
        return _charge_and_slope(self.groups, self.fixed, ph)[0]

    def with_slope(self, ph: float) -> tuple[float, float]:
        """Mean charge at ``ph`` and its slope d(mean charge)/d(pH) (never positive)."""
        return _charge_and_slope(self.groups, self.fixed, ph)


@dataclass(frozen=True)
class WeakElectrolyte:
    """A non-strong solute of the vehicle: its concentration (mol/m³) and mean-charge curve."""

    name: str
    concentration: float
    charge: MeanCharge


def fixed_charge_mol_per_m3(magnitude_mol_per_m3: float, ph: float, isoelectric_point: float) -> float:
    """Signed fixed charge of the skin's aqueous pathways (mol/m³ of pore water).

    Negative above the isoelectric point, positive below, zero at it, saturating at
    ``±magnitude`` two pH units away: the net charge of equal numbers of acidic and basic
    groups titrating about the pI, ``-X tanh(ln10 (pH - pI) / 2)``.
    """
    return -magnitude_mol_per_m3 * math.tanh(_LN10 * (ph - isoelectric_point) / 2.0)


def vehicle_ph(strong_charge: float, weak: Sequence[WeakElectrolyte], guess: float) -> float:
    """The pH at which the vehicle is neutral.

    ``strong_charge`` is Σ zᵢcᵢ of the strong ions (mol/m³ of charge). Solves
    ``strong + Σ c_w z̄_w(pH) + [H⁺] - [OH⁻] = 0``, whose left side falls monotonically with
    pH, by safeguarded Newton iteration from ``guess``.
    """
    lo, hi = -2.0, 16.0
    ph = min(max(guess, lo), hi)
    for _ in range(60):
        hydrogen, hydroxide = hydrogen_mol_per_m3(ph), hydroxide_mol_per_m3(ph)
        f = strong_charge + hydrogen - hydroxide
        slope = -_LN10 * (hydrogen + hydroxide)
        for w in weak:
            z, dz = w.charge.with_slope(ph)
            f += w.concentration * z
            slope += w.concentration * dz
        if f > 0:
            lo = ph
        else:
            hi = ph
        step = -f / slope if slope < 0 else 0.0
        nxt = ph + max(-1.0, min(1.0, step))
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - ph) < 1e-10:
            return nxt
        ph = nxt
    return ph


@dataclass(frozen=True)
class ChargeStates:
    """The net charge states of a molecule and their pH weights.

    State ``k`` has charge ``charges[k]`` and has lost ``lost[k]`` protons from the fully
    protonated form; its unnormalised weight is ``10 ** (log_weight[k] + lost[k] · pH)``.
    Independent groups are combined by convolving their stepwise (Henderson–Hasselbalch)
    weights; every state of one net charge has lost the same number of protons, so the
    fraction's slope is ``dα_k/dpH = ln10 · α_k · (z̄ − z_k)``.
    """

    charges: tuple[int, ...]
    lost: tuple[int, ...]
    log_weight: tuple[float, ...]

    @classmethod
    def of(cls, groups: Sequence[AcidBaseGroup], fixed: int = 0) -> ChargeStates:
        """From library ionisable groups and a permanent charge."""
        return cls.from_mean_charge(MeanCharge.of(groups, fixed))

    @classmethod
    def from_mean_charge(cls, charge: MeanCharge) -> ChargeStates:
        """The states behind a :class:`MeanCharge`."""
        log_w: dict[int, float] = {0: 0.0}
        top_charge = charge.fixed
        for kind, pkas in charge.groups:
            if kind == "base":
                top_charge += len(pkas)
            steps = [0.0]
            for pka in pkas:
                steps.append(steps[-1] - pka)
            combined: dict[int, float] = {}
            for lost, lw in log_w.items():
                for j, step in enumerate(steps):
                    key = lost + j
                    value = lw + step
                    if key in combined:
                        hi, lo = max(combined[key], value), min(combined[key], value)
                        combined[key] = hi + math.log10(1.0 + 10.0 ** (lo - hi))
                    else:
                        combined[key] = value
            log_w = combined
        lost_sorted = sorted(log_w)
        return cls(
            tuple(top_charge - k for k in lost_sorted),
            tuple(lost_sorted),
            tuple(log_w[k] for k in lost_sorted),
        )
