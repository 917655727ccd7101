"""What a product may claim: a known active (or ``other``), a concentration 0–100 % within solubility.

The active is looked up in the cited library (:mod:`dermaport.library.actives`) by name or
alias; ``other`` records a product whose active the library does not hold (then only the
0–100 % bound is checked). A concentration is read as ``3 %`` (w/v), ``10 mg/mL`` or ``25 mM``;
with a known active it must not exceed the active's water solubility from the library
(mg/mL; 1 % w/v = 10 mg/mL; mM × molar mass = mg/L).
"""

from __future__ import annotations

from dermaport.errors import InputError, QuantityError, UnknownNameError
from dermaport.units import parse_concentration

__all__ = ["OTHER_ACTIVE", "check_product"]

#: The active to name when the library does not hold the product's active.
OTHER_ACTIVE = "other"


def check_product(active: str, concentration: str) -> None:
    """Refuse (InputError, naming the value and an example) an unknown active or implausible strength."""
    from dermaport.library.actives import load_actives

    known = None
    if active.strip().casefold() != OTHER_ACTIVE:
        try:
            known = load_actives().get(active)
        except UnknownNameError as exc:
            hint = f" (did you mean {', '.join(exc.suggestions[:3])}?)" if exc.suggestions else ""
            raise InputError(
                f"active {active!r} is not in the library{hint}: name one, e.g. 'tranexamic acid', "
                f"or {OTHER_ACTIVE!r}"
            ) from exc
    if not concentration.strip():
        return
    try:
        parsed = parse_concentration(concentration)
    except QuantityError as exc:
        raise InputError(f"product concentration: {exc}") from exc
    if parsed.kind == "fraction":
        if parsed.value_si > 1:
            raise InputError(f"concentration {concentration!r} is over 100 %: e.g. '3 %'")
        mg_per_ml = parsed.value_si * 1000.0
    elif parsed.kind == "mass concentration":
        mg_per_ml = parsed.value_si  # kg/m³ = mg/mL
        if mg_per_ml > 1000.0:
            raise InputError(f"concentration {concentration!r} is over 100 % w/v: e.g. '30 mg/mL'")
    else:
        if known is None:
            return
        mg_per_ml = parsed.value_si * known.entry.mw_g_per_mol.value / 1000.0  # mol/m³ · g/mol = mg/L
    solubility = known.entry.water_solubility_mg_per_ml if known is not None else None
    if solubility is not None and mg_per_ml > solubility.value:
        raise InputError(
            f"concentration {concentration!r} ({mg_per_ml:g} mg/mL) is above the water solubility of "
            f"{known.entry.name if known else active} ({solubility.value:g} mg/mL, {solubility.source}): "
            "check the label"
        )
