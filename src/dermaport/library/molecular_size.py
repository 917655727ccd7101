"""Molecular size and free aqueous diffusivity from molecular weight, by cited relations.

* Radius of a sphere of density 1 g/cm³ holding one molecule:
  r [Å] = 0.735 · MW^(1/3) (Mitragotri et al. 2011, Int J Pharm 418:115).
* Stokes–Einstein: D = k_B·T / (6π·η·r) (Einstein 1905).
* Viscosity of water: Vogel form η = A·10^(B/(T − C)) with A = 2.414×10⁻⁵ Pa·s,
  B = 247.8 K, C = 140 K, which reproduces the CRC Handbook table (0.890 mPa·s at
  25 °C, 0.691 mPa·s at 37 °C) within 1 %.

Macromolecules that are random coils (hyaluronic acid) are far larger than the sphere
of the same mass: their library entries give a measured radius or diffusivity instead.
"""

from __future__ import annotations

import math

__all__ = [
    "BOLTZMANN_J_PER_K",
    "diffusivity_from_radius",
    "radius_from_diffusivity",
    "radius_from_mw",
    "rescale_diffusivity",
    "water_viscosity",
]

BOLTZMANN_J_PER_K = 1.380649e-23  # exact (SI 2019)
_KELVIN_OFFSET = 273.15
_SPHERE_RADIUS_COEFFICIENT_ANGSTROM = 0.735  # Mitragotri et al. 2011
_VOGEL_A_PA_S = 2.414e-5
_VOGEL_B_K = 247.8
_VOGEL_C_K = 140.0


def water_viscosity(temperature_c: float) -> float:
    """Dynamic viscosity of water at ``temperature_c`` (°C), in Pa·s."""
    t_k = temperature_c + _KELVIN_OFFSET
    return _VOGEL_A_PA_S * math.pow(10.0, _VOGEL_B_K / (t_k - _VOGEL_C_K))


def radius_from_mw(mw_g_per_mol: float) -> float:
    """Radius (m) of a sphere of density 1 g/cm³ with molecular weight ``mw_g_per_mol``."""
    return _SPHERE_RADIUS_COEFFICIENT_ANGSTROM * math.cbrt(mw_g_per_mol) * 1e-10


def diffusivity_from_radius(radius_m: float, temperature_c: float) -> float:
    """Stokes–Einstein diffusivity (m²/s) of a sphere of ``radius_m`` in water."""
    t_k = temperature_c + _KELVIN_OFFSET
    return BOLTZMANN_J_PER_K * t_k / (6.0 * math.pi * water_viscosity(temperature_c) * radius_m)


def radius_from_diffusivity(diffusivity_m2_s: float, temperature_c: float) -> float:
    """Stokes–Einstein (hydrodynamic) radius (m) from a diffusivity in water."""
    t_k = temperature_c + _KELVIN_OFFSET
    return BOLTZMANN_J_PER_K * t_k / (6.0 * math.pi * water_viscosity(temperature_c) * diffusivity_m2_s)


def rescale_diffusivity(diffusivity_m2_s: float, from_c: float, to_c: float) -> float:
    """Carry a diffusivity from one temperature to another at fixed radius (D ∝ T/η)."""
    t_from, t_to = from_c + _KELVIN_OFFSET, to_c + _KELVIN_OFFSET
    return diffusivity_m2_s * (t_to / t_from) * (water_viscosity(from_c) / water_viscosity(to_c))
