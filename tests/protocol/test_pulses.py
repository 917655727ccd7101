"""Electroporation steps parse to typed steps and print back the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dermaport.errors import InputError
from dermaport.protocol.facial import parse_any_step
from dermaport.protocol.pulses import (
    ELECTROPORATION_EXAMPLES,
    ModulatedCarrier,
    PulseTrain,
    parse_electroporation,
)


@pytest.mark.parametrize("text", ELECTROPORATION_EXAMPLES)
def test_examples_round_trip_through_the_registry(text: str) -> None:
    assert str(parse_electroporation(text)) == text
    assert str(parse_any_step(text)) == text


def test_research_train_fields() -> None:
    step = parse_electroporation("electroporation 100 V 1 ms pulses at 1 Hz for 5 min")
    assert isinstance(step, PulseTrain)
    assert step.voltage.si == pytest.approx(100.0)
    assert step.width.si == pytest.approx(1e-3)
    assert step.pulse_count == 300
    schedule = step.schedule()
    assert schedule.on_time_per_period_s == pytest.approx(1e-3)
    assert schedule.exposure_dose_v_s == pytest.approx(30.0)  # 100 V × 300 × 1 ms
    assert schedule.duration_s == pytest.approx(300.0)


def test_counted_train_with_electrode() -> None:
    step = parse_electroporation("Electroporation 80 V 2 ms x 10 pulses at 0.5 Hz CATHODE")
    assert isinstance(step, PulseTrain)
    assert (step.count, step.electrode, step.pulse_count) == (10, "cathode", 10)
    assert step.schedule().duration_s == pytest.approx(20.0)


def test_bipolar_train_and_carrier_are_charge_balanced() -> None:
    train = parse_electroporation("electroporation bipolar 100 V 1 ms x 20 pulses at 1 Hz")
    carrier = parse_electroporation("electroporation bipolar 50 V 1.5 kHz modulated at 1 Hz for 10 min")
    assert isinstance(carrier, ModulatedCarrier)
    for step in (train, carrier):
        schedule = step.schedule()
        assert schedule.signed_time_per_period_s == pytest.approx(0.0, abs=1e-15)
        assert sum(d for d, _ in schedule.phases) == pytest.approx(schedule.period_s)
    assert carrier.cycles_per_burst == 750
    assert carrier.burst_count == 600
    assert carrier.schedule().on_time_per_period_s == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("electroporation 100 V 1 ms pulses at 1 Hz", "how many pulses"),
        ("electroporation 100 V 1 ms x 5 pulses at 1 Hz for 5 min", "not both"),
        ("electroporation 100 mA 1 ms pulses at 1 Hz for 5 min", "'100 mA'"),
        ("electroporation 100 V 2 s pulses at 1 Hz for 5 min", "do not fit in the period"),
        ("electroporation bipolar 100 V 0.6 s pulses at 1 Hz for 5 min", "two phases"),
        ("electroporation bipolar 100 V 1 ms pulses at 1 Hz for 5 min anode", "no electrode"),
        ("electroporation 50 V 1.5 kHz modulated at 1 Hz for 10 min", "a modulated carrier is bipolar"),
        ("electroporation bipolar 50 V 1.5 kHz modulated at 1 kHz for 10 min", "at least twice"),
        ("electroporation 100 V 1 ms x 2.5 pulses at 1 Hz", "whole number"),
        ("electroporation 100 V 1 ms pulses at 1 Hz for 0.5 s", "shorter than one period"),
        ("electroporation 100 V 1 ms pulses at 1 Hz for 5 min loudly", "unexpected 'loudly'"),
        ("electroporation 100 V", "pulse width"),
        ("electroporation 100 V 1 ms pulses at 1 V for 1 min", "'1 V'"),
    ],
)
def test_bad_steps_say_why_in_one_line_with_an_example(bad: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_any_step(bad)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert f"e.g. '{ELECTROPORATION_EXAMPLES[0]}'" in message


_VOLTS = st.sampled_from(["20 V", "50 V", "80 V", "100 V", "150 V", "0.1 kV"])
_WIDTH = st.sampled_from(["100 us", "0.5 ms", "1 ms", "2 ms", "10 ms"])
_FREQ = st.sampled_from(["0.1 Hz", "0.5 Hz", "1 Hz", "2 Hz", "5 Hz"])


@settings(deadline=None)
@given(
    bipolar=st.booleans(),
    volts=_VOLTS,
    width=_WIDTH,
    freq=_FREQ,
    count=st.one_of(st.none(), st.integers(1, 5000)),
    minutes=st.integers(1, 30),
    electrode=st.sampled_from([None, "anode", "cathode"]),
)
def test_any_pulse_train_round_trips(
    bipolar: bool, volts: str, width: str, freq: str, count: int | None, minutes: int, electrode: str | None
) -> None:
    text = f"electroporation {'bipolar ' if bipolar else ''}{volts} {width}"
    text += f" x {count} pulses at {freq}" if count is not None else f" pulses at {freq} for {minutes} min"
    if electrode is not None and not bipolar:
        text += f" {electrode}"
    step = parse_any_step(text)
    assert str(step) == text
    assert str(parse_any_step(str(step))) == text


@settings(deadline=None)
@given(
    volts=_VOLTS,
    carrier=st.sampled_from(["1.2 kHz", "1.5 kHz", "1.8 kHz", "500 Hz"]),
    modulation=st.sampled_from(["0.07 Hz", "0.5 Hz", "1 Hz", "2 Hz"]),
    minutes=st.integers(1, 30),
)
def test_any_modulated_carrier_round_trips(volts: str, carrier: str, modulation: str, minutes: int) -> None:
    text = f"electroporation bipolar {volts} {carrier} modulated at {modulation} for {minutes} min"
    step = parse_any_step(text)
    assert isinstance(step, ModulatedCarrier)
    assert str(step) == text
    assert step.schedule().signed_time_per_period_s == pytest.approx(0.0, abs=1e-12)
