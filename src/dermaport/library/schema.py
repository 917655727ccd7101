"""Typed schemas of the library's data files (TOML, one entry per file).

Every number in a data file carries a ``source``: a key into the file's own
``[references]`` table or into the shared ``references.toml``. The loader checks that
each key resolves, so an uncited number cannot enter the library.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ActiveEntry",
    "Category",
    "CitedRange",
    "CitedValue",
    "Concern",
    "IonisableGroup",
    "SkinEntry",
    "SourceKey",
]

SourceKey = Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitedValue(_Strict):
    """A number with the key of the reference it comes from."""

    value: float
    source: SourceKey
    note: str = ""


class PositiveCitedValue(CitedValue):
    """A cited number that must be greater than zero."""

    value: float = Field(gt=0)


class CitedRange(_Strict):
    """A cited range ``min``–``max`` (inclusive)."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)
    source: SourceKey
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class Concern(StrEnum):
    """Skin concerns the source texts treat (DOMAIN.md §7)."""

    HYDRATION = "hydration"
    PIGMENTATION = "pigmentation"
    WRINKLES = "wrinkles"
    TEXTURE_ACNE = "texture_acne"
    SCARRING = "scarring"
    HAIR_LOSS = "hair_loss"
    CELLULITE = "cellulite"


class Category(StrEnum):
    """What an entry is in the library."""

    MESOTHERAPY = "mesotherapy"  # an active used in (needle-free) mesotherapy
    REFERENCE = "reference"  # a compound of transport research, for validation
    ION = "ion"  # a small ion the skin model needs (vehicle, body, electrolysis)


class IonisableGroup(_Strict):
    """One ionisable group of a molecule.

    ``kind="acid"``: the protonated form is neutral and each pKa removes one proton
    (charges 0, −1, …, −n). ``kind="base"``: the fully protonated form carries +n and
    each pKa removes one proton (charges +n, …, 0). Several pKa values in one group are
    macroscopic stepwise constants (e.g. a phosphate monoester); separate groups are
    taken as independent of one another.
    """

    name: str = Field(min_length=1)
    kind: Literal["acid", "base"]
    pka: list[Annotated[float, Field(ge=-5, le=20)]] = Field(min_length=1)
    source: SourceKey
    note: str = ""

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        if list(self.pka) != sorted(self.pka):
            raise ValueError(f"pka values {self.pka} must be in ascending order")
        return self


class ActiveEntry(_Strict):
    """One active, reference compound or small ion (one data file)."""

    name: str = Field(min_length=1)
    display_name: str = Field(min_length=1)
    category: Category
    inci: str = ""
    aliases: list[str] = Field(default_factory=list)
    family: list[str] = Field(default_factory=list)  # names shared with sibling entries (HA grades)
    concerns: list[Concern] = Field(default_factory=list)
    counter_ion: str = ""
    fixed_charge: int = Field(default=0, ge=-4, le=4)
    fixed_charge_source: SourceKey | None = None
    ionisable_groups: list[IonisableGroup] = Field(default_factory=list)
    mw_g_per_mol: PositiveCitedValue
    log_kow: CitedValue | None = None
    water_solubility_mg_per_ml: PositiveCitedValue | None = None
    typical_concentration_percent: CitedRange | None = None
    aqueous_diffusivity_cm2_per_s: PositiveCitedValue | None = None
    diffusivity_temperature_c: float = Field(default=25.0, ge=0, le=60)
    hydrodynamic_radius_angstrom: PositiveCitedValue | None = None
    #: Extra stratum-corneum capacity of the charged forms: bound per free (per SC water), where a
    #: source shows the SC holding more than the free solution would.
    stratum_corneum_binding: PositiveCitedValue | None = None
    notes: str = ""
    references: dict[SourceKey, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _required_by_category(self) -> Self:
        if self.category is not Category.ION:
            for field in ("log_kow", "water_solubility_mg_per_ml"):
                if getattr(self, field) is None:
                    raise ValueError(f"{field} is required for a {self.category.value} entry")
        if self.category is Category.MESOTHERAPY:
            if self.typical_concentration_percent is None:
                raise ValueError("typical_concentration_percent is required for a mesotherapy active")
            if not self.concerns:
                raise ValueError("concerns must list at least one concern for a mesotherapy active")
        if self.fixed_charge and self.fixed_charge_source is None:
            raise ValueError("fixed_charge_source is required when fixed_charge is not 0")
        return self

    def source_keys(self) -> set[str]:
        """Every reference key this entry cites."""
        keys: set[str] = {g.source for g in self.ionisable_groups}
        for field in (
            "mw_g_per_mol",
            "log_kow",
            "water_solubility_mg_per_ml",
            "typical_concentration_percent",
            "aqueous_diffusivity_cm2_per_s",
            "hydrodynamic_radius_angstrom",
            "stratum_corneum_binding",
        ):
            cited = getattr(self, field)
            if cited is not None:
                keys.add(cited.source)
        if self.fixed_charge_source is not None:
            keys.add(self.fixed_charge_source)
        return keys


class LayerThickness(_Strict):
    """Thicknesses of the three layers, each cited, in µm."""

    stratum_corneum_um: PositiveCitedValue
    viable_epidermis_um: PositiveCitedValue
    dermis_um: PositiveCitedValue


class SkinEntry(_Strict):
    """Parameters of skin at one body site (one data file)."""

    name: str = Field(min_length=1)
    display_name: str = Field(min_length=1)
    species: Literal["human", "porcine"]
    site: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    thickness: LayerThickness
    stratum_corneum_water_fraction: PositiveCitedValue
    viable_tissue_water_fraction: PositiveCitedValue
    surface_ph: PositiveCitedValue
    viable_ph: PositiveCitedValue
    isoelectric_point: PositiveCitedValue
    fixed_charge_mol_per_l: PositiveCitedValue
    resistance_kohm_cm2: PositiveCitedValue
    viable_conductivity_s_per_m: PositiveCitedValue
    stratum_corneum_water_diffusivity_cm2_per_s: PositiveCitedValue
    viable_diffusivity_ratio: PositiveCitedValue  # D in viable tissue / D in water
    appendage_area_fraction: PositiveCitedValue
    follicle_density_per_cm2: PositiveCitedValue
    dermal_clearance_per_h: PositiveCitedValue
    surface_temperature_c: PositiveCitedValue
    notes: str = ""
    references: dict[SourceKey, str] = Field(default_factory=dict)

    def source_keys(self) -> set[str]:
        """Every reference key this entry cites."""
        keys: set[str] = set()
        for value in self.__dict__.values():
            if isinstance(value, CitedValue):
                keys.add(value.source)
        for value in self.thickness.__dict__.values():
            keys.add(value.source)
        return keys
