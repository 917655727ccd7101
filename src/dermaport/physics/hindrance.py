"""Hindered transport of a solute in a water-filled pore (Renkin 1954)."""

from __future__ import annotations


def renkin(solute_radius_m: float, pore_radius_m: float) -> float:
    """Hindrance factor of a sphere in a cylindrical pore, 0 (blocked) to 1 (free).

    ``(1-λ)² (1 - 2.104 λ + 2.09 λ³ - 0.95 λ⁵)`` with λ = solute/pore radius: the
    partitioning (steric exclusion) times the frictional drag. Used for diffusion,
    electromigration and (as an approximation) convection alike.
    """
    lam = solute_radius_m / pore_radius_m
    if lam >= 1.0:
        return 0.0
    return (1.0 - lam) ** 2 * (1.0 - 2.104 * lam + 2.09 * lam**3 - 0.95 * lam**5)
