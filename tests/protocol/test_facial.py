"""Facial steps round-trip; named protocols exist for every concern and area of the texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermaport.errors import InputError
from dermaport.protocol.facial import (
    FACIAL_EXAMPLES,
    Finish,
    Massage,
    parse_any_step,
    parse_facial_step,
)
from dermaport.protocol.library import AREAS, CONCERNS, PROTOCOLS, find_protocol, protocol_named
from dermaport.protocol.steps import EXAMPLES, Iontophoresis


@pytest.mark.parametrize("text", FACIAL_EXAMPLES)
def test_facial_examples_round_trip(text: str) -> None:
    assert str(parse_facial_step(text)) == text
    assert str(parse_any_step(text)) == text


@pytest.mark.parametrize("text", EXAMPLES)
def test_electrical_steps_still_parse_the_same(text: str) -> None:
    assert str(parse_any_step(text)) == text


def test_parse_any_gives_typed_steps() -> None:
    assert isinstance(parse_any_step("iontophoresis cathode 0.3 mA/cm2 for 6 min"), Iontophoresis)
    assert isinstance(parse_any_step("FINISH"), Finish)
    step = parse_any_step("Massage with oil-based cream for 5 min")
    assert isinstance(step, Massage)
    assert step.cream == "oil-based"


@given(
    st.sampled_from(["cleanse", "ultrasound", "high frequency", "mask"]),
    st.integers(1, 90),
    st.sampled_from(["min", "s"]),
)
def test_timed_steps_round_trip(name: str, value: int, unit: str) -> None:
    text = f"{name} for {value} {unit}"
    assert str(parse_facial_step(text)) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("cleanse", "needs 'for DURATION'"),
        ("massage for 5 min", "say the cream"),
        ("sauna for 5 min", "unknown step 'sauna'"),
        ("mask for five min", "cannot read step"),
    ],
)
def test_bad_steps(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_facial_step(text)


def test_every_concern_and_area_has_a_protocol() -> None:
    assert {c for p in PROTOCOLS for c in p.concerns} == set(CONCERNS)
    assert {a for p in PROTOCOLS for a in p.areas} == set(AREAS)


def test_find_protocol() -> None:
    assert find_protocol("Hydration", "face").name == "hydration"
    assert find_protocol("hair-loss", "scalp").name == "scalp"
    assert find_protocol("pigmentation", "Décolleté").delivery == "passive"
    assert protocol_named("texture_acne").desincrustation


@pytest.mark.parametrize(
    ("concern", "area", "fragment"),
    [
        ("tanning", "face", "unknown concern 'tanning'"),
        ("hydration", "elbow", "unknown area 'elbow'"),
        ("cellulite", "face", "no protocol for concern 'cellulite' on area 'face'"),
    ],
)
def test_find_protocol_errors(concern: str, area: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        find_protocol(concern, area)


def test_protocol_steps_use_water_soluble_cream_only() -> None:
    for protocol in PROTOCOLS:
        assert not any("oil-based" in s for s in protocol.before + protocol.after)
