"""Hindered diffusion of a spherical solute in a cylindrical pore (Dechadilok & Deen 2006).

H(λ) = Φ K_d, the ratio of the solute's diffusive flux through the pore to its free flux
over the same area, λ = solute radius / pore radius. Φ = (1 − λ)² is the steric partition
coefficient; Dechadilok & Deen 2006 (Ind Eng Chem Res 45:6953, eq. 16) fitted, for λ ≤ 0.95,

    H = 1 + 9/8 λ ln λ − 1.56034 λ + 0.528155 λ² + 1.91521 λ³ − 2.81903 λ⁴
          + 0.270788 λ⁵ + 1.10115 λ⁶ − 0.435933 λ⁷,

and above 0.95 the lubrication limit K_d = 0.984 ((1 − λ)/λ)^{5/2}. The same factor hinders
electromigration in the pore (the enhanced drag acts on any slow motion of the sphere).
H → 1 as λ → 0 and H = 0 for λ ≥ 1: a solute as large as the pore does not enter it.
"""

from __future__ import annotations

import math

__all__ = ["diffusive_hindrance"]

_COEFFICIENTS = (-1.56034, 0.528155, 1.91521, -2.81903, 0.270788, 1.10115, -0.435933)


def diffusive_hindrance(solute_radius_m: float, pore_radius_m: float) -> float:
    """H = Φ K_d for a solute of ``solute_radius_m`` in a pore of ``pore_radius_m`` (0 to 1)."""
    if not (solute_radius_m >= 0 and pore_radius_m > 0):
        raise ValueError(f"radii must be ≥ 0 and > 0 m, got {solute_radius_m!r} and {pore_radius_m!r}")
    lam = solute_radius_m / pore_radius_m
    if lam >= 1.0:
        return 0.0
    if lam == 0.0:
        return 1.0
    if lam > 0.95:
        return float((1.0 - lam) ** 2 * 0.984 * ((1.0 - lam) / lam) ** 2.5)
    poly = sum(c * lam ** (i + 1) for i, c in enumerate(_COEFFICIENTS))
    return float(max(0.0, 1.0 + 9.0 / 8.0 * lam * math.log(lam) + poly))
