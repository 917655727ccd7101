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

The catalogue below holds *example* products (no brand) for trying the planner. A product
may name its buffer (``"citrate 50 mM"``, read by the transport engine from the library's
phosphate and citrate entries and their cited pKa values): under an inert electrode the
anode makes a thin film acid and the cathode alkaline within minutes, and a buffer holds the
vehicle pH longer (:func:`parse_buffer` checks one typed on the command line).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError, SafetyError
from dermaport.safety.sources import cite
from dermaport.units import parse_concentration, parse_ph, parse_si

__all__ = [
    "BUFFER_SOURCE",
    "CATALOGUE",
    "Product",
    "adhoc_product",
    "check_cream",
    "check_product",
    "choose_product",
    "parse_buffer",
    "product_named",
    "stronger_buffer",
    "suggest_buffer",
    "with_buffer",
]

#: Why the example products carry the buffers they do.
BUFFER_SOURCE = (
    "phosphate and citrate buffers are the standard ones in iontophoretic formulations (CRC Press "
    "book chapter on iontophoresis, doi:10.1201/b21612-6); pKa values from the library's phosphate "
    "(2.16, 7.21, 12.32) and citrate (3.13, 4.76, 6.40) entries (CRC Handbook); the concentration is "
    "this example's own, chosen so that the default step keeps the predicted vehicle pH within 4–8 "
    "under an inert electrode (dermaport's choice, not a maker's figure)"
)
_BUFFER_EXAMPLE = "e.g. --buffer 'citrate 50 mM' or --buffer 'phosphate 50 mM'"
#: Buffers :func:`suggest_buffer` chooses from: name and the pKa values that buffer near skin pH.
_BUFFERS = (("citrate", (4.76, 6.40)), ("phosphate", (7.21,)))
_SUGGESTED_MM = 50

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
    buffer: str | None = None
    buffer_source: str | None = None

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
            "buffer": self.buffer,
            "buffer_source": self.buffer_source,
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
    _example(
        "sap-ampoule",
        "ampoule",
        "sodium_ascorbyl_phosphate",
        "3 %",
        7.0,
        buffer="phosphate 50 mM",
        buffer_source=BUFFER_SOURCE,
    ),
    _example("txa-gel", "gel", "tranexamic_acid", "3 %", 6.5),
    _example(
        "ha-ampoule",
        "ampoule",
        "hyaluronic_acid_5kda",
        "0.5 %",
        6.5,
        buffer="phosphate 100 mM",
        buffer_source=BUFFER_SOURCE,
    ),
    _example("niacinamide-ampoule", "ampoule", "niacinamide", "4 %", 6.0),
    _example(
        "caffeine-gel", "gel", "caffeine", "2 %", 6.5, buffer="citrate 50 mM", buffer_source=BUFFER_SOURCE
    ),
    _example(
        "copper-peptide-ampoule",
        "ampoule",
        "copper_tripeptide_1",
        "0.1 %",
        6.5,
        buffer="citrate 50 mM",
        buffer_source=BUFFER_SOURCE,
    ),
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


def adhoc_product(active: str, concentration: str, ph: float, *, name: str | None = None) -> Product:
    """A product given on the command line by active, concentration and pH (registration unknown).

    ``active`` is a library name or the path of an active's data file; ``name`` the product's
    name (default: the active and the concentration).
    """
    return Product(
        name or f"{active} {concentration}",
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


def choose_product(
    product: str | None,
    active: str | None,
    concentration: str | None,
    ph: str | None,
    *,
    default_ph: float,
    allow_file: bool = False,
) -> Product:
    """The catalogue product ``product``, or an ad-hoc one of ``active`` at ``concentration`` and ``ph``.

    ``allow_file`` lets ``active`` be the path of an active's ``.toml`` data file (the command
    line); a caller that must not read files on a client's word (the API) leaves it off.
    """
    if product is not None:
        if active is not None or concentration is not None:
            raise InputError("give --product NAME, or --active NAME --concentration Q, not both")
        return product_named(product)
    if active is None or concentration is None:
        raise InputError(
            "give --product NAME (e.g. --product sap-ampoule), or --active NAME --concentration Q "
            "(e.g. --active SAP --concentration '3 %')"
        )
    parse_concentration(concentration)
    from dermaport.library import load_actives

    chosen_ph = parse_ph(ph) if ph is not None else default_ph
    if not allow_file:
        return adhoc_product(load_actives().get(active).name, concentration, chosen_ph)
    found = load_actives().resolve(active)
    if found.source_file == active or active.endswith(".toml"):  # an active file: the engine reads it
        return adhoc_product(active, concentration, chosen_ph, name=f"{found.name} {concentration}")
    return adhoc_product(found.name, concentration, chosen_ph)


def parse_buffer(text: str) -> str:
    """Check a buffer as the engine reads it (``"citrate 50 mM"``); return it tidied.

    The buffer must be a library entry with acid–base groups, at a molar concentration above
    zero and at most 1 M. Raises InputError naming the bad part.
    """
    from dermaport.library import load_actives

    match = re.fullmatch(r"\s*(\S+)\s+(.+?)\s*", text)
    if match is None:
        raise InputError(f"buffer {text!r} is not 'BUFFER CONCENTRATION': {_BUFFER_EXAMPLE}")
    try:
        entry = load_actives().get(match.group(1))
    except LookupError as exc:
        raise InputError(f"buffer {match.group(1)!r} is not in the library: {_BUFFER_EXAMPLE}") from exc
    if not entry.entry.ionisable_groups:
        raise InputError(
            f"buffer {match.group(1)!r} has no acid-base groups in the library: {_BUFFER_EXAMPLE}"
        )
    try:
        molar = parse_si(match.group(2), "molar concentration")
    except InputError as exc:
        raise InputError(f"buffer {text!r}: the concentration must be molar, {_BUFFER_EXAMPLE}") from exc
    if not (math.isfinite(molar) and 0 < molar <= 1000.0):
        raise InputError(
            f"buffer {text!r}: the concentration must be above 0 and at most 1 M, {_BUFFER_EXAMPLE}"
        )
    return f"{entry.name} {match.group(2)}"


def with_buffer(product: Product, buffer: str | None) -> Product:
    """``product`` with ``buffer`` (checked by :func:`parse_buffer`); unchanged for None."""
    if buffer is None:
        return product
    return dataclasses.replace(product, buffer=parse_buffer(buffer), buffer_source="given for this plan")


def suggest_buffer(ph: float, electrode: str) -> str:
    """A buffer to hold ``ph`` against the drift under ``electrode`` (anode acid, cathode alkaline).

    The library buffer with a pKa closest to the product's pH on the side the pH drifts to
    (below it under the anode, above it under the cathode), at 50 mM: e.g. citrate at pH 6.5
    under the anode (pKa 6.40), phosphate under the cathode (pKa 7.21).
    """
    sign = -1.0 if electrode == "anode" else 1.0

    def distance(pkas: tuple[float, ...]) -> float:
        # a pKa on the drift side, up to 1.5 units away, is best; one on the other side counts double
        return min((sign * (pka - ph)) if sign * (pka - ph) >= -0.2 else 2 * abs(pka - ph) for pka in pkas)

    name = min(_BUFFERS, key=lambda b: distance(b[1]))[0]
    return f"{name} {_SUGGESTED_MM} mM"


def stronger_buffer(buffer: str) -> str | None:
    """The same buffer at twice its concentration (``citrate 50 mM`` → ``citrate 100 mM``).

    None when twice would pass 1 M (the most :func:`parse_buffer` takes).
    """
    name, amount = buffer.split(None, 1)
    if parse_si(amount, "molar concentration") * 2 > 1000.0:
        return None
    number = re.match(r"\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)\s*(.*)", amount)
    if number is None:
        return None
    return f"{name} {float(number.group(1)) * 2:g} {number.group(2)}".strip()


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
