"""The one step → current waveform place: polarity, default ramp, trapezoid dose."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

from dermaport.errors import InputError
from dermaport.protocol.steps import parse_step
from dermaport.protocol.waveform import DEFAULT_RAMP_S, current_waveform


def test_a_step_without_a_ramp_takes_the_default_ramp() -> None:
    wave = current_waveform(parse_step("iontophoresis anode 2 mA for 10 min"), electrode_area_m2=10e-4)
    assert wave.ramp_s == DEFAULT_RAMP_S == 30.0
    assert wave.polarity == "anode"
    assert wave.peak_current_mA(10.0) == pytest.approx(2.0)
    # the case: 2 mA for 10 min delivers 19.0 mA·min, not 20.0
    assert wave.dose_mA_min(10.0) == pytest.approx(19.0)


def test_desincrustation_runs_under_the_cathode() -> None:
    wave = current_waveform(parse_step("desincrustation 0.2 mA/cm2 for 3 min"), electrode_area_m2=None)
    assert wave.polarity == "cathode"
    assert wave.signed_density_at(90.0) == pytest.approx(-2.0)  # 0.2 mA/cm² = 2 A/m²


def test_a_current_needs_the_electrode_area() -> None:
    with pytest.raises(InputError, match="electrode-area"):
        current_waveform(parse_step("iontophoresis anode 2 mA for 10 min"), electrode_area_m2=None)


def test_a_ramp_longer_than_half_the_step_is_cut_to_half() -> None:
    wave = current_waveform(parse_step("iontophoresis cathode 0.3 mA/cm2 for 40 s"), electrode_area_m2=None)
    assert wave.ramp_s == 20.0
    assert wave.breakpoints == (20.0, 40.0)


@given(
    density=st.floats(0.01, 0.5),
    minutes=st.floats(1.0, 20.0),
    ramp_s=st.floats(1.0, 60.0),
)
def test_the_dose_is_the_integral_of_the_waveform(density: float, minutes: float, ramp_s: float) -> None:
    text = f"iontophoresis cathode {density:.4f} mA/cm2 for {minutes:.3f} min ramp {ramp_s:.3f} s"
    wave = current_waveform(parse_step(text), electrode_area_m2=None)
    integral, _ = quad(wave.density_at, 0.0, wave.duration_s, points=wave.breakpoints, limit=200)
    assert integral == pytest.approx(wave.charge_per_area_C_per_m2, rel=1e-9)
    assert wave.dose_mA_min(1.0) == pytest.approx(integral * 0.1 / 60.0, rel=1e-9)
