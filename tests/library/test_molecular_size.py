"""Size and diffusivity relations: closed forms (verification) and measured values (validation)."""

from __future__ import annotations

import math

import pytest

from dermaport.library import molecular_size as ms


@pytest.mark.parametrize(
    ("temperature_c", "viscosity_mpa_s"),
    # CRC Handbook of Chemistry and Physics, 95th ed., viscosity of liquid water.
    [(20.0, 1.0016), (25.0, 0.8900), (37.0, 0.6913), (50.0, 0.5465)],
)
def test_water_viscosity_matches_crc_within_1_percent(temperature_c: float, viscosity_mpa_s: float) -> None:
    assert ms.water_viscosity(temperature_c) * 1e3 == pytest.approx(viscosity_mpa_s, rel=0.01)


def test_stokes_einstein_round_trip() -> None:
    radius = 4.2e-10
    d = ms.diffusivity_from_radius(radius, 32.0)
    assert ms.radius_from_diffusivity(d, 32.0) == pytest.approx(radius, rel=1e-12)


def test_stokes_einstein_closed_form() -> None:
    # D = kT / (6 pi eta r) with eta from the same viscosity function.
    t = 298.15
    expected = 1.380649e-23 * t / (6 * math.pi * ms.water_viscosity(25.0) * 5e-10)
    assert ms.diffusivity_from_radius(5e-10, 25.0) == pytest.approx(expected, rel=1e-12)


def test_sphere_radius_relation() -> None:
    # Mitragotri et al. 2011: r [Å] = 0.735 MW^(1/3); MW 1000 -> 7.35 Å.
    assert ms.radius_from_mw(1000.0) == pytest.approx(7.35e-10, rel=1e-12)


def test_rescale_diffusivity_follows_t_over_eta() -> None:
    d25 = 1e-9
    d37 = ms.rescale_diffusivity(d25, 25.0, 37.0)
    assert d37 / d25 == pytest.approx(
        (310.15 / 298.15) * (ms.water_viscosity(25.0) / ms.water_viscosity(37.0))
    )


@pytest.mark.parametrize(
    ("solute", "mw", "measured_cm2_s"),
    # Measured free aqueous diffusivities at 37 °C, Membranes 2021;11:331, Table 1.
    [("glycine", 75.1, 1.38e-5), ("mannitol", 182.2, 0.91e-5), ("sucrose", 342.3, 0.72e-5)],
)
def test_diffusivity_from_mw_against_measurements(solute: str, mw: float, measured_cm2_s: float) -> None:
    # Sphere of density 1 g/cm³ + Stokes-Einstein: within 25 % of the measured value
    # (tolerance chosen for an estimate from MW alone; the relation is not fitted to these data).
    predicted = ms.diffusivity_from_radius(ms.radius_from_mw(mw), 37.0) * 1e4
    assert predicted == pytest.approx(measured_cm2_s, rel=0.25), solute
