"""Physical constants (SI) used by the transport engine.

CODATA 2018 exact values (SI 2019 redefinition); the water ion product is the 25 °C value
of Bandura & Lvov 2006 (pKw 14.00), used at skin temperature as well: its rise to
pKw 13.7 at 32 °C shifts computed pH values by less than 0.2 units near neutrality.
"""

from __future__ import annotations

FARADAY_C_PER_MOL = 96485.33212
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
ZERO_CELSIUS_K = 273.15

#: Ion product of water in (mol/m³)²: 1e-14 (mol/L)² × (1000 L/m³)².
WATER_ION_PRODUCT = 1.0e-14 * 1.0e6


def thermal_voltage_v(temperature_c: float) -> float:
    """RT/F in volts at ``temperature_c`` (°C): 26.2 mV at 32 °C."""
    return GAS_CONSTANT_J_PER_MOL_K * (temperature_c + ZERO_CELSIUS_K) / FARADAY_C_PER_MOL


def hydrogen_mol_per_m3(ph: float) -> float:
    """Free H⁺ concentration (mol/m³) at ``ph``."""
    return float(10.0 ** (3.0 - ph))


def hydroxide_mol_per_m3(ph: float) -> float:
    """Free OH⁻ concentration (mol/m³) at ``ph``."""
    return WATER_ION_PRODUCT / hydrogen_mol_per_m3(ph)
