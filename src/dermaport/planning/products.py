"""Products: ampoules and gels with their active, concentration, pH, vehicle, registration, lot, expiry.

Checks, as the texts demand:

* an expired product is refused (a lot past its expiry date is not used);
* a product that is not registered as a medical device is refused: "the mesotherapy
  cocktail has to be registered and it has to be a medical device" (001);
* a product without clinical evidence gets a warning: "check a brand's clinical trials,
  white papers … if they don't have that, then just walk away" (001);
* an oil-based product or cream before current is refused: "creams … must be
  water-soluble or an oily film will be left on the skin, preventing the penetration" (000);
* a product whose registration is not known (one given by active and concentration) gets
  a warning to check it.

The catalogue below holds *example* products (no brand) for trying the planner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError, SafetyError
from dermaport.safety.sources import cite

__all__ = ["CATALOGUE", "Product", "adhoc_product", "check_cream", "check_product", "product_named"]

Vehicle = Literal["water", "oil"]


@dataclass(frozen=True)
class Product:
    """An ampoule or gel: one active at ``concentration`` (as typed) in a vehicle at ``ph``.

    ``registered`` is True (a registered medical device), False (not registered) or None
    (not known). ``expiry`` is the last day of use.
    """

    name: str
    form: Literal["ampoule", "gel", "serum"]
    active: str
    concentration: str
    ph: float
    vehicle: Vehicle
    registered: bool | None
    registration: str | None
    evidence: str | None
    lot: str | None
    expiry: dt.date | None

    def to_json(self) -> dict[str, object]:
        """A plain object for the plan's JSON."""
        return {
            "name": self.name,
            "form": self.form,
            "active": self.active,
            "concentration": self.concentration,
            "ph": self.ph,
            "vehicle": self.vehicle,
            "registered": self.registered,
            "registration": self.registration,
            "evidence": self.evidence,
            "lot": self.lot,
            "expiry": self.expiry.isoformat() if self.expiry else None,
        }


def _example(
    name: str,
    form: Literal["ampoule", "gel", "serum"],
    active: str,
    concentration: str,
    ph: float,
    **kw: object,
) -> Product:
    values: dict[str, object] = {
        "vehicle": "water",
        "registered": True,
        "registration": "example registration (replace with the product's own)",
        "evidence": "example: the maker's clinical data (replace with the product's own)",
        "lot": "EX-0001",
        "expiry": dt.date(2028, 12, 31),
    }
    values.update(kw)
    return Product(name, form, active, concentration, ph, **values)  # type: ignore[arg-type]


CATALOGUE: tuple[Product, ...] = (
    _example("sap-ampoule", "ampoule", "sodium_ascorbyl_phosphate", "3 %", 7.0),
    _example("txa-gel", "gel", "tranexamic_acid", "3 %", 6.5),
    _example("ha-ampoule", "ampoule", "hyaluronic_acid_5kda", "0.5 %", 6.5),
    _example("niacinamide-ampoule", "ampoule", "niacinamide", "4 %", 6.0),
    _example("caffeine-gel", "gel", "caffeine", "2 %", 6.5),
    _example("copper-peptide-ampoule", "ampoule", "copper_tripeptide_1", "0.1 %", 6.5),
    _example("unregistered-ampoule", "ampoule", "sodium_ascorbyl_phosphate", "3 %", 7.0, registered=False),
    _example("no-evidence-ampoule", "ampoule", "niacinamide", "4 %", 6.0, evidence=None),
    _example(
        "expired-ampoule", "ampoule", "sodium_ascorbyl_phosphate", "3 %", 7.0, expiry=dt.date(2024, 1, 31)
    ),
    _example("oil-serum", "serum", "niacinamide", "4 %", 6.0, vehicle="oil"),
)


def product_named(name: str) -> Product:
    """The catalogue product ``name``; raises InputError listing the names."""
    folded = name.strip().lower().replace(" ", "-").replace("_", "-")
    for product in CATALOGUE:
        if product.name == folded:
            return product
    names = ", ".join(p.name for p in CATALOGUE)
    raise InputError(f"unknown product {name!r}: one of {names}; e.g. --product sap-ampoule")


def adhoc_product(active: str, concentration: str, ph: float) -> Product:
    """A product given on the command line by active, concentration and pH (registration unknown)."""
    return Product(
        f"{active} {concentration}",
        "ampoule",
        active,
        concentration,
        ph,
        "water",
        None,
        None,
        None,
        None,
        None,
    )


def check_product(product: Product, *, today: dt.date) -> tuple[str, ...]:
    """Refuse (SafetyError) an expired, unregistered or oil-based product; return warnings."""
    if product.expiry is not None and product.expiry < today:
        raise SafetyError(
            f"refused: product {product.name} (lot {product.lot}) expired on {product.expiry.isoformat()}"
        )
    if product.registered is False:
        raise SafetyError(
            f"refused: product {product.name} is not registered as a medical device; "
            f"{cite('001')} says it has to be"
        )
    if product.vehicle != "water":
        raise SafetyError(
            f"refused: product {product.name} is oil-based: current needs a water-soluble vehicle, and an "
            f"oily film blocks penetration ({cite('000')})"
        )
    warnings = []
    if product.registered is None:
        warnings.append(
            f"product {product.name}: registration not known: check it is a registered medical device (001)"
        )
    if product.evidence is None:
        warnings.append(
            f"product {product.name}: no clinical evidence on file: check the maker's evidence (001)"
        )
    if product.expiry is None or product.lot is None:
        warnings.append(f"product {product.name}: record the lot and expiry used")
    return tuple(warnings)


def check_cream(cream: str) -> None:
    """Refuse an oil-based massage cream before current (000); ``cream`` as in the massage step."""
    if cream != "water-soluble":
        raise SafetyError(
            f"refused: {cream} massage cream before iontophoresis: creams must be water-soluble or an oily "
            f"film blocks penetration ({cite('000')})"
        )
