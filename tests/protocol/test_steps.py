"""Step strings parse to typed steps and print back the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermaport.errors import InputError
from dermaport.protocol import Desincrustation, Iontophoresis, Passive, Rest, parse_step
from dermaport.protocol.steps import EXAMPLES


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples_round_trip(text: str) -> None:
    assert str(parse_step(text)) == text


def test_iontophoresis_fields_in_si() -> None:
    step = parse_step("iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s")
    assert isinstance(step, Iontophoresis)
    assert step.electrode == "cathode"
    assert step.current.kind == "current density"
    assert step.current.si == pytest.approx(3.0)  # A/m²
    assert step.duration.si == pytest.approx(360.0)
    assert step.ramp is not None
    assert step.ramp.si == pytest.approx(30.0)


def test_current_in_milliamps() -> None:
    step = parse_step("Iontophoresis ANODE 2 mA for 10 min")
    assert isinstance(step, Iontophoresis)
    assert step.current.kind == "current"
    assert step.current.si == pytest.approx(2e-3)


def test_other_kinds() -> None:
    assert isinstance(parse_step("passive for 30 min"), Passive)
    assert isinstance(parse_step("rest for 1 h"), Rest)
    assert isinstance(parse_step("desincrustation 0.2 mA/cm2 for 3 min"), Desincrustation)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("iontophoresis 0.3 mA/cm2 for 6 min", "anode or cathode"),
        ("iontophoresis cathode 0.3 mA/cm2", "needs 'for DURATION'"),
        ("iontophoresis cathode 0.3 mV for 6 min", "'0.3 mV'"),
        ("iontophoresis cathode 0.3 mA/cm2 for 6 mA", "'6 mA' is not a duration"),
        ("passive 2 mA for 3 min", "takes only"),
        ("massage for 3 min", "unknown step 'massage'"),
        ("rest for 0 min", "above zero"),
    ],
)
def test_bad_steps_say_why_and_show_an_example(bad: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_step(bad)
    message = str(caught.value)
    assert fragment in message
    assert "e.g. 'iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s'" in message


@given(
    electrode=st.sampled_from(["anode", "cathode"]),
    current=st.sampled_from(["0.1 mA/cm2", "0.25 mA/cm2", "2 mA", "1.5 mA", "500 uA"]),
    minutes=st.integers(1, 60),
    ramp=st.one_of(st.none(), st.integers(1, 120)),
)
def test_any_iontophoresis_step_round_trips(
    electrode: str, current: str, minutes: int, ramp: int | None
) -> None:
    text = f"iontophoresis {electrode} {current} for {minutes} min" + (f" ramp {ramp} s" if ramp else "")
    assert str(parse_step(text)) == text
    assert str(parse_step(str(parse_step(text)))) == text
