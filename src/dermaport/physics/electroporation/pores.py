"""Asymptotic pore density of a lipid bilayer (Neu & Krassowska 1999; DeBruin & Krassowska 1999).

    dN/dt = α e^{(V/Vep)²} (1 − N / N_eq(V)),    N_eq(V) = N0 e^{q (V/Vep)²}

N is the pore density (m⁻²), V the voltage across the bilayer (V). The rate depends on V²
only, so a bipolar waveform porates as a unipolar one of the same magnitude. At V = 0 the
equation is linear and resealing has the closed form of :func:`reseal`. Exponents are capped
at :data:`MAX_EXPONENT` so that no voltage overflows a float (the cap is far above any
voltage a bilayer holds once the stratum corneum has porated).
"""

from __future__ import annotations

import math
from typing import Final

from dermaport.physics.electroporation.parameters import PoreKinetics

__all__ = ["MAX_EXPONENT", "creation_rate", "equilibrium_density", "log_growth_rate", "reseal"]

#: Largest (V/Vep)² used in an exponential (e^600 ≈ 1e260).
MAX_EXPONENT: Final = 600.0


def _x(v_bilayer: float, k: PoreKinetics) -> float:
    return min((v_bilayer / k.v_ep_v) ** 2, MAX_EXPONENT / max(k.q, 1.0))


def equilibrium_density(v_bilayer: float, k: PoreKinetics) -> float:
    """N_eq(V) = N0 e^{q (V/Vep)²}, the pore density held at constant V (m⁻²)."""
    return k.n0_per_m2 * math.exp(k.q * _x(v_bilayer, k))


def creation_rate(n: float, v_bilayer: float, k: PoreKinetics) -> float:
    """dN/dt at pore density ``n`` (m⁻²) and bilayer voltage ``v_bilayer`` (V), m⁻² s⁻¹."""
    x = _x(v_bilayer, k)
    return k.alpha_per_m2_s * math.exp(x) * (1.0 - n / k.n0_per_m2 * math.exp(-k.q * x))


def log_growth_rate(log_n: float, v_bilayer: float, k: PoreKinetics) -> float:
    """d(ln N)/dt, the same equation for ln N (s⁻¹): what the implicit pulse integrator solves."""
    x = _x(v_bilayer, k)
    return k.alpha_per_m2_s * (math.exp(x - log_n) - math.exp((1.0 - k.q) * x) / k.n0_per_m2)


def reseal(n: float, t_s: float, k: PoreKinetics) -> float:
    """Pore density ``t_s`` seconds after the voltage went to zero: N0 + (N − N0) e^{−α t / N0}."""
    return k.n0_per_m2 + (n - k.n0_per_m2) * math.exp(-t_s / k.resealing_time_s)
