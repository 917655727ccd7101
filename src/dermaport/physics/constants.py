"""Physical constants (SI) used by the transport engine.

CODATA 2018 exact values (SI 2019 redefinition). The water ion product follows the
temperature (:func:`water_ion_product`): pKw 14.00 at 25 °C, 13.78 at 32 °C, 13.63 at 37 °C
(Bandura & Lvov 2006 at 0.1 MPa), so an alkaline film at skin temperature is read 0.3 pH
units lower than with the 25 °C value.
"""

from __future__ import annotations

import numpy as np

FARADAY_C_PER_MOL = 96485.33212
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
ZERO_CELSIUS_K = 273.15

#: Ion product of water at 25 °C in (mol/m³)²: 1e-14 (mol/L)² × (1000 L/m³)².
WATER_ION_PRODUCT = 1.0e-14 * 1.0e6

#: pKw of liquid water at 0.1 MPa against temperature (°C): Bandura & Lvov 2006, J Phys Chem
#: Ref Data 35:15, as tabulated in the CRC Handbook (ionization constant of water).
_PKW_TABLE = (
    (0.0, 14.946),
    (10.0, 14.535),
    (20.0, 14.167),
    (25.0, 13.995),
    (30.0, 13.836),
    (35.0, 13.685),
    (40.0, 13.542),
    (50.0, 13.275),
)


def pkw(temperature_c: float) -> float:
    """PKw of water at ``temperature_c`` (°C), linear between the tabulated values."""
    t, p = zip(*_PKW_TABLE, strict=True)
    return float(np.interp(temperature_c, t, p))


def water_ion_product(temperature_c: float) -> float:
    """Kw at ``temperature_c`` in (mol/m³)²."""
    return float(10.0 ** (6.0 - pkw(temperature_c)))


def thermal_voltage_v(temperature_c: float) -> float:
    """RT/F in volts at ``temperature_c`` (°C): 26.2 mV at 32 °C."""
    return GAS_CONSTANT_J_PER_MOL_K * (temperature_c + ZERO_CELSIUS_K) / FARADAY_C_PER_MOL


def hydrogen_mol_per_m3(ph: float) -> float:
    """Free H⁺ concentration (mol/m³) at ``ph``."""
    return float(10.0 ** (3.0 - ph))


def hydroxide_mol_per_m3(ph: float, kw: float = WATER_ION_PRODUCT) -> float:
    """Free OH⁻ concentration (mol/m³) at ``ph`` for the ion product ``kw`` ((mol/m³)²)."""
    return kw / hydrogen_mol_per_m3(ph)
