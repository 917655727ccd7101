"""Parsing of quantities as people type them."""

from __future__ import annotations

import pytest

from dermaport.errors import PhError, QuantityError
from dermaport.units import format_quantity, parse_concentration, parse_ph, parse_si


@pytest.mark.parametrize(
    ("text", "kind", "si"),
    [
        ("0.3 mA/cm2", "current density", 3.0),  # 0.3e-3 A / 1e-4 m²
        ("0.3 mA/cm^2", "current density", 3.0),
        ("0.5 mA/cm²", "current density", 5.0),
        ("6 min", "duration", 360.0),
        ("1 h", "duration", 3600.0),
        ("30 s", "duration", 30.0),
        ("3 %", "fraction", 0.03),
        ("25 mM", "molar concentration", 25.0),  # mol/m³
        ("10 mg/mL", "mass concentration", 10.0),  # kg/m³
        ("20 uL/cm2", "volume per area", 2e-4),  # m³/m² = m
        ("2 mA", "current", 2e-3),
        ("10 cm2", "area", 1e-3),
        ("40 mA·min", "charge dose", 2.4),  # coulombs
        ("40 mA*min", "charge dose", 2.4),
    ],
)
def test_parses_what_people_type(text: str, kind: str, si: float) -> None:
    assert parse_si(text, kind) == pytest.approx(si, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "kind", "fragment"),
    [
        ("abc", "current", "cannot read 'abc'"),
        ("2", "current", "'2' has no unit"),
        ("2 mA", "duration", "'2 mA' is not a duration"),
        ("", "current", "empty current"),
        ("1/0 mA", "current", "cannot read"),
        ("0.3 mA/cm3", "current density", "is not a current density"),
        ("1e999 mA", "current", "is not a finite number"),
    ],
)
def test_bad_quantities_name_the_value_and_show_an_example(text: str, kind: str, fragment: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_si(text, kind)
    message = str(caught.value)
    assert fragment in message
    assert "such as '" in message
    assert "\n" not in message


def test_quantity_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="no unit"):
        parse_si("5", "duration")


@pytest.mark.parametrize(("text", "ph"), [("5.5", 5.5), ("0", 0.0), ("14", 14.0), (7, 7.0)])
def test_ph_in_range(text: str | float, ph: float) -> None:
    assert parse_ph(text) == ph


@pytest.mark.parametrize("bad", ["-0.1", "14.5", "abc", "", "nan"])
def test_ph_out_of_range_or_not_a_number(bad: str) -> None:
    with pytest.raises(PhError, match=r"such as 5\.5"):
        parse_ph(bad)


def test_format_quantity() -> None:
    assert format_quantity(3.0, "current density", "mA/cm**2") == "0.3 mA/cm**2"


@pytest.mark.parametrize(
    ("text", "kind", "si"),
    [
        ("3 %", "fraction", 0.03),
        ("10 mg/mL", "mass concentration", 10.0),
        ("25 mM", "molar concentration", 25.0),
        ("0.5 M", "molar concentration", 500.0),
    ],
)
def test_concentration_in_any_of_three_kinds(text: str, kind: str, si: float) -> None:
    parsed = parse_concentration(text)
    assert parsed.kind == kind
    assert parsed.value_si == pytest.approx(si)


@pytest.mark.parametrize(
    ("bad", "fragment"), [("3", "has no unit"), ("3 mA", "cannot read '3 mA'"), ("0 mM", "above zero")]
)
def test_bad_concentration(bad: str, fragment: str) -> None:
    with pytest.raises(QuantityError, match=fragment):
        parse_concentration(bad)
