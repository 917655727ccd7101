"""One pint unit registry for the whole package, and parsers for what people type.

Quantities enter dermaport as text (``"0.3 mA/cm2"``, ``"6 min"``, ``"3 %"``,
``"25 mM"``, ``"10 mg/mL"``, ``"20 uL/cm2"``, ``"2 mA"``) and leave the boundary as
floats in SI units. The registry is created on first use, never at import.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import NamedTuple

import pint

from dermaport.errors import PhError, QuantityError

__all__ = [
    "KINDS",
    "Concentration",
    "QuantityKind",
    "format_quantity",
    "parse",
    "parse_concentration",
    "parse_ph",
    "parse_si",
    "registry",
]

# "cm2" -> "cm**2", "mm3" -> "mm**3": a digit glued to a unit symbol is an exponent.
_GLUED_EXPONENT = re.compile(r"(?<=[A-Za-zµ])([23])\b")


def _expand_glued_exponents(text: str) -> str:
    return _GLUED_EXPONENT.sub(r"**\1", text.replace("·", "*").replace("⋅", "*"))


@cache
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """The package's single unit registry (created on first call)."""
    ureg: pint.UnitRegistry = pint.UnitRegistry(  # type: ignore[type-arg]
        preprocessors=[_expand_glued_exponents],
        autoconvert_offset_to_baseunit=True,
    )
    return ureg


class QuantityKind(NamedTuple):
    """A kind of quantity people type: its SI unit, and an example to show on error."""

    name: str
    si_unit: str
    example: str


KINDS: dict[str, QuantityKind] = {
    k.name: k
    for k in (
        QuantityKind("current", "A", "2 mA"),
        QuantityKind("current density", "A/m**2", "0.3 mA/cm2"),
        QuantityKind("duration", "s", "6 min"),
        QuantityKind("fraction", "dimensionless", "3 %"),
        QuantityKind("molar concentration", "mol/m**3", "25 mM"),
        QuantityKind("mass concentration", "kg/m**3", "10 mg/mL"),
        QuantityKind("volume per area", "m**3/m**2", "20 uL/cm2"),
        QuantityKind("area", "m**2", "10 cm2"),
        QuantityKind("length", "m", "20 um"),
        QuantityKind("voltage", "V", "50 V"),
        QuantityKind("frequency", "Hz", "1 Hz"),
        QuantityKind("charge dose", "C", "40 mA*min"),
        QuantityKind("temperature", "K", "32 degC"),
    )
}


def parse(text: str, kind: str) -> pint.Quantity:  # type: ignore[type-arg]
    """Parse ``text`` as a quantity of ``kind`` (a key of :data:`KINDS`).

    Raises :class:`~dermaport.errors.QuantityError` naming the text and showing an
    example when it is malformed, has no unit, or has the wrong dimension.
    """
    spec = KINDS[kind]
    ureg = registry()
    raw = text.strip()
    hint = f"expected a {spec.name} such as '{spec.example}'"
    if not raw:
        raise QuantityError(f"empty {spec.name}: {hint}")
    try:
        quantity: pint.Quantity = ureg.Quantity(raw)  # type: ignore[type-arg]
    except (pint.PintError, ValueError, TypeError, SyntaxError, AttributeError, ArithmeticError) as exc:
        raise QuantityError(f"cannot read {raw!r} as a quantity: {hint}") from exc
    if not isinstance(quantity, ureg.Quantity):
        raise QuantityError(f"cannot read {raw!r} as a quantity: {hint}")
    if not math.isfinite(float(quantity.magnitude)):
        raise QuantityError(f"{raw!r} is not a finite number: {hint}")
    target = ureg.Quantity(1, spec.si_unit)
    if quantity.dimensionality != target.dimensionality:
        if quantity.dimensionless and spec.name != "fraction":
            raise QuantityError(f"{raw!r} has no unit: {hint}")
        article = "an" if spec.name[:1].lower() in "aeiou" else "a"
        raise QuantityError(f"{raw!r} is not {article} {spec.name}: {hint}")
    return quantity


def parse_si(text: str, kind: str) -> float:
    """Parse ``text`` as a quantity of ``kind`` and return its magnitude in SI units.

    Fractions come back as a plain ratio (``"3 %"`` → 0.03).
    """
    spec = KINDS[kind]
    return float(parse(text, kind).to(spec.si_unit).magnitude)


class Concentration(NamedTuple):
    """A concentration as typed: its kind and its SI magnitude.

    ``kind`` is ``"fraction"`` (w/v ratio, ``"3 %"`` → 0.03), ``"mass concentration"``
    (kg/m³ = mg/mL) or ``"molar concentration"`` (mol/m³ = mM).
    """

    kind: str
    value_si: float


_CONCENTRATION_KINDS = ("fraction", "mass concentration", "molar concentration")


def parse_concentration(text: str) -> Concentration:
    """Read a product concentration: ``"3 %"``, ``"10 mg/mL"`` or ``"25 mM"``."""
    raw = text.strip()
    hint = "give one such as '3 %', '10 mg/mL' or '25 mM'"
    for kind in _CONCENTRATION_KINDS:
        try:
            quantity = parse(raw, kind)
        except QuantityError:
            continue
        if kind == "fraction" and not any(u in raw for u in ("%", "percent", "ppm")):
            raise QuantityError(f"concentration {raw!r} has no unit: {hint}")
        value = float(quantity.to(KINDS[kind].si_unit).magnitude)
        if not value > 0:
            raise QuantityError(f"concentration {raw!r} must be above zero: {hint}")
        return Concentration(kind, value)
    raise QuantityError(f"cannot read {raw!r} as a concentration: {hint}")


def parse_ph(value: str | float) -> float:
    """Read a pH (a plain number between 0 and 14), e.g. ``"5.5"``."""
    try:
        ph = float(value)
    except (TypeError, ValueError) as exc:
        raise PhError(f"pH {value!r} is not a number: give one such as 5.5") from exc
    if not 0.0 <= ph <= 14.0:
        raise PhError(f"pH {value!r} is outside 0–14: give one such as 5.5")
    return ph


def format_quantity(value_si: float, kind: str, unit: str, *, digits: int = 3) -> str:
    """Format an SI magnitude of ``kind`` in ``unit`` with ``digits`` significant figures."""
    ureg = registry()
    quantity = ureg.Quantity(value_si, KINDS[kind].si_unit).to(unit)
    return f"{quantity.magnitude:.{digits}g} {unit}"
