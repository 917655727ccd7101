"""Hard limits for pulse steps and the contraindications of high-voltage pulses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermaport.safety.outcomes import Outcome
from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS, PULSE_RULES, pulse_findings
from dermaport.safety.pulse_limits import (
    IEC_MAX_PULSE_ENERGY_MJ,
    PulseLimitError,
    PulseSetting,
    check_pulse_setting,
    enforce_pulse,
    iec_rms_limit_ma,
)
from dermaport.safety.questionnaire import QUESTIONS

#: The reference train on a 2 cm² electrode; its lowest load, ~0.0127 Ω·m² of skin and series
#: part (the barrier model's porated skin at 100 V), is 64 Ω over 2 cm².
REFERENCE = PulseSetting(  # a unipolar train at 0.5 Hz is the passing variant
    voltage_v=100.0,
    width_s=1e-3,
    frequency_hz=1.0,
    pulses=300,
    bipolar=False,
    electrode_area_cm2=2.0,
    load_ohm=64.0,
    peak_temperature_rise_k=49.4,
    duration_s=300.0,
)


def test_the_reference_train_breaks_only_the_mean_density_and_half_the_rate_passes() -> None:
    """Porated skin draws 0.78 A/cm² at 100 V: at 1 Hz its d.c. part, 0.78 mA/cm², is above the
    galvanic 0.5 mA/cm², whatever the electrode area; at 0.5 Hz it is 0.39 mA/cm²."""
    assert [b.limit for b in check_pulse_setting(REFERENCE)] == ["mean current density"]
    assert REFERENCE.pulse_energy_mj == pytest.approx(156.25)
    assert REFERENCE.mean_current_density_ma_per_cm2 == pytest.approx(0.78125)
    assert check_pulse_setting(dataclasses.replace(REFERENCE, frequency_hz=0.5, duration_s=600.0)) == ()


@pytest.mark.parametrize(
    ("change", "limit"),
    [
        ({"voltage_v": 200.0}, "pulse voltage"),
        ({"voltage_v": 600.0}, "open-circuit voltage"),
        ({"width_s": 20e-3}, "pulse width"),
        ({"pulses": 5000, "duration_s": 600.0}, "pulse count"),
        ({"width_s": 9e-3, "pulses": 1000, "frequency_hz": 5.0, "duration_s": 200.0}, "exposure dose"),
        ({"load_ohm": 20.0}, "pulse energy"),
        ({"load_ohm": 20.0, "frequency_hz": 0.1, "duration_s": 1200.0}, "pulse charge"),
        ({"frequency_hz": 10.0, "width_s": 5e-3, "pulses": 300, "duration_s": 30.0}, "mean current density"),
        ({"peak_temperature_rise_k": 61.0}, "temperature rise"),
        ({"duration_s": 30 * 60.0, "frequency_hz": 0.1, "pulses": 180}, "treatment time"),
        ({"load_ohm": float("nan")}, "pulse energy"),
    ],
)
def test_each_limit_refuses_and_names_itself(change: dict[str, Any], limit: str) -> None:
    breaches = check_pulse_setting(dataclasses.replace(REFERENCE, **change))
    assert limit in {b.limit for b in breaches}
    assert all(b.source for b in breaches)
    with pytest.raises(PulseLimitError, match=limit):
        enforce_pulse(breaches)


def test_bipolar_trains_have_no_dc_component_but_count_both_phases() -> None:
    bipolar = dataclasses.replace(REFERENCE, bipolar=True)
    assert bipolar.mean_current_density_ma_per_cm2 == 0.0
    assert bipolar.pulse_energy_mj == pytest.approx(2 * REFERENCE.pulse_energy_mj)
    assert iec_rms_limit_ma(0.0) == 80.0
    assert iec_rms_limit_ma(1000.0) == 80.0
    assert iec_rms_limit_ma(300.0) == 50.0
    assert iec_rms_limit_ma(5000.0) == 100.0


@given(volts=st.floats(0.0, 1000.0), load=st.floats(1.0, 1e5), width_ms=st.floats(0.01, 50.0))
def test_energy_limit_holds_whenever_nothing_breaches(volts: float, load: float, width_ms: float) -> None:
    setting = dataclasses.replace(REFERENCE, voltage_v=volts, load_ohm=load, width_s=width_ms * 1e-3)
    if not check_pulse_setting(setting):
        assert setting.pulse_energy_mj <= IEC_MAX_PULSE_ENERGY_MJ * (1 + 1e-9)
        assert setting.voltage_v <= 150.0


def test_new_questions_are_new_and_every_rule_has_a_source() -> None:
    existing = {q.id for q in QUESTIONS}
    assert not {q.id for q in PULSE_QUESTIONS} & existing
    known = existing | {q.id for q in PULSE_QUESTIONS}
    for rule in PULSE_RULES:
        assert rule.question_id in known
        assert len(rule.source) > 20


def test_pulse_findings() -> None:
    today = dt.date(2026, 3, 1)
    clear = {r.question_id: False for r in PULSE_RULES} | {"metal_implants": "none"}
    assert all(f.outcome is Outcome.OK for f in pulse_findings(clear, today=today))
    answers = clear | {"implanted_device_other": True, "metal_implants": "elsewhere", "keloids": True}
    by_id = {f.question_id: f for f in pulse_findings(answers, today=today)}
    assert by_id["implanted_device_other"].outcome is Outcome.CLEARANCE
    assert by_id["metal_implants"].outcome is Outcome.ADJUST
    assert by_id["metal_implants"].adjustment is not None
    assert by_id["keloids"].outcome is Outcome.STOP
    missing = {f.question_id: f.outcome for f in pulse_findings({}, today=today)}
    assert set(missing.values()) == {Outcome.ASK}
