"""The actives library: cited molecules, found by name or alias, with derived properties."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dermaport.errors import InputError
from dermaport.library import acid_base, molecular_size
from dermaport.library._loading import load_entry, load_folder, shared_references
from dermaport.library._names import NameIndex
from dermaport.library.schema import ActiveEntry, Category
from dermaport.units import Concentration

__all__ = ["Active", "ActiveLibrary", "load_active_file", "load_actives"]

logger = logging.getLogger(__name__)

_WATER_DENSITY_KG_PER_M3 = 1000.0  # w/v percent: 1 g per 100 mL

#: Reference key of the relation used when an entry gives no radius or diffusivity.
RADIUS_FROM_MW_SOURCE = "mitragotri2011"
STOKES_EINSTEIN_SOURCE = "einstein1905"


@dataclass(frozen=True)
class Active:
    """One library entry with the properties derived from it.

    Units: molecular weight g/mol; radius m; diffusivity m²/s; temperatures °C.
    """

    entry: ActiveEntry
    source_file: str
    references: dict[str, str]

    @property
    def name(self) -> str:
        """Canonical library name (file stem)."""
        return self.entry.name

    @property
    def display_name(self) -> str:
        """Name for people."""
        return self.entry.display_name

    @property
    def category(self) -> Category:
        """Mesotherapy active, reference compound or small ion."""
        return self.entry.category

    @property
    def mw_g_per_mol(self) -> float:
        """Molecular weight, g/mol."""
        return self.entry.mw_g_per_mol.value

    def charge_fractions(self, ph: float) -> dict[int, float]:
        """Fraction in each net charge state at ``ph`` (keys: charge in elementary charges)."""
        return acid_base.charge_distribution(
            self.entry.ionisable_groups, ph, fixed_charge=self.entry.fixed_charge
        )

    def mean_charge(self, ph: float) -> float:
        """Mean net charge at ``ph``, elementary charges."""
        return acid_base.mean_charge(self.charge_fractions(ph))

    @property
    def hydrodynamic_radius_m(self) -> float:
        """Hydrodynamic radius (m): given, else from the given diffusivity, else from MW."""
        entry = self.entry
        if entry.hydrodynamic_radius_angstrom is not None:
            return entry.hydrodynamic_radius_angstrom.value * 1e-10
        if entry.aqueous_diffusivity_cm2_per_s is not None:
            return molecular_size.radius_from_diffusivity(
                entry.aqueous_diffusivity_cm2_per_s.value * 1e-4, entry.diffusivity_temperature_c
            )
        return molecular_size.radius_from_mw(self.mw_g_per_mol)

    @property
    def size_sources(self) -> list[str]:
        """Reference keys behind :attr:`hydrodynamic_radius_m` and :meth:`diffusivity_m2_s`."""
        entry = self.entry
        if entry.hydrodynamic_radius_angstrom is not None:
            keys = [entry.hydrodynamic_radius_angstrom.source]
            if entry.aqueous_diffusivity_cm2_per_s is not None:
                keys.append(entry.aqueous_diffusivity_cm2_per_s.source)
            else:
                keys.append(STOKES_EINSTEIN_SOURCE)
            return keys
        if entry.aqueous_diffusivity_cm2_per_s is not None:
            return [entry.aqueous_diffusivity_cm2_per_s.source, STOKES_EINSTEIN_SOURCE]
        return [RADIUS_FROM_MW_SOURCE, STOKES_EINSTEIN_SOURCE]

    def diffusivity_m2_s(self, temperature_c: float = 25.0) -> float:
        """Free aqueous diffusivity (m²/s) at ``temperature_c``: given one rescaled, else Stokes–Einstein."""
        entry = self.entry
        if entry.aqueous_diffusivity_cm2_per_s is not None:
            return molecular_size.rescale_diffusivity(
                entry.aqueous_diffusivity_cm2_per_s.value * 1e-4,
                entry.diffusivity_temperature_c,
                temperature_c,
            )
        return molecular_size.diffusivity_from_radius(self.hydrodynamic_radius_m, temperature_c)

    def molar_concentration(self, concentration: Concentration) -> float:
        """Molar concentration (mol/m³ = mM) of a product at ``concentration``.

        A percentage is read as w/v (1 % = 10 mg/mL), the usual convention for ampoules;
        mass is converted with the entry's molecular weight (that of the salt as sold).
        """
        if concentration.kind == "molar concentration":
            return concentration.value_si
        mass_kg_per_m3 = (
            concentration.value_si * _WATER_DENSITY_KG_PER_M3
            if concentration.kind == "fraction"
            else concentration.value_si
        )
        return mass_kg_per_m3 / (self.mw_g_per_mol * 1e-3)

    def citations(self, extra_keys: tuple[str, ...] = ()) -> dict[str, str]:
        """Every reference this entry's numbers (and ``extra_keys``) rest on: key → text."""
        keys = sorted(self.entry.source_keys() | set(self.size_sources) | set(extra_keys))
        return {key: self.references[key] for key in keys}


def _to_active(entry: ActiveEntry, source_file: str, shared: dict[str, str]) -> Active:
    return Active(entry=entry, source_file=source_file, references={**shared, **entry.references})


def load_active_file(path: str | Path) -> Active:
    """Load one active from a data file in the library's schema (for actives of one's own)."""
    file = Path(path)
    if not file.is_file():
        raise InputError(
            f"active file {str(path)!r} does not exist: give a library name such as "
            "'niacinamide' or the path of a .toml file in the library's schema"
        )
    shared = shared_references()
    return _to_active(load_entry(file, ActiveEntry, shared), str(file), shared)


class ActiveLibrary:
    """All packaged actives, found case-insensitively by name or alias."""

    def __init__(self, actives: list[Active]) -> None:
        self._index: NameIndex[Active] = NameIndex(
            {a.name: a for a in actives},
            {a.name: [a.display_name, *a.entry.aliases] for a in actives},
            what="active",
            list_command="dermaport actives list",
            shared_aliases={a.name: [a.entry.inci, *a.entry.family] for a in actives},
        )

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Active]:
        return iter(self._index)

    def get(self, name: str) -> Active:
        """The active called ``name``; raises UnknownNameError with the closest names."""
        return self._index.get(name, example="niacinamide")

    def resolve(self, name_or_path: str) -> Active:
        """A library name, or the path of a ``.toml`` data file in the library's schema."""
        if name_or_path.endswith(".toml") or Path(name_or_path).is_file():
            return load_active_file(name_or_path)
        return self.get(name_or_path)


@cache
def load_actives() -> ActiveLibrary:
    """Load and validate every packaged active (cached after the first call)."""
    shared = shared_references()
    actives = [
        _to_active(entry, str(file), shared) for entry, file in load_folder("actives", ActiveEntry, shared)
    ]
    logger.debug("loaded %d actives", len(actives))
    return ActiveLibrary(actives)
