"""The skin library: cited parameter sets per body site (human face, neck, scalp, body; pig ear)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from dermaport.library._loading import load_folder, shared_references
from dermaport.library._names import NameIndex
from dermaport.library.schema import CitedValue, SkinEntry

__all__ = ["DEFAULT_SKIN", "SkinLibrary", "SkinSite", "load_skin"]

DEFAULT_SKIN = "human_face"


@dataclass(frozen=True)
class SkinSite:
    """One skin parameter set with its references."""

    entry: SkinEntry
    references: dict[str, str]

    @property
    def name(self) -> str:
        """Canonical name (file stem)."""
        return self.entry.name

    @property
    def isoelectric_point(self) -> float:
        """Isoelectric point of the skin's aqueous pathways (pH units)."""
        return self.entry.isoelectric_point.value

    def parameters(self) -> dict[str, CitedValue]:
        """Every cited number, by flat field name (thicknesses as ``*_thickness_um``)."""
        out: dict[str, CitedValue] = {}
        for field, value in self.entry.thickness.__dict__.items():
            out[field.replace("_um", "_thickness_um")] = value
        for field, value in self.entry.__dict__.items():
            if isinstance(value, CitedValue):
                out[field] = value
        return out

    def citations(self) -> dict[str, str]:
        """Key → reference text for every number of this site."""
        return {k: self.references[k] for k in sorted(self.entry.source_keys())}

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: values, their notes and sources, and the citations."""
        return {
            "name": self.name,
            "display_name": self.entry.display_name,
            "species": self.entry.species,
            "site": self.entry.site,
            "aliases": list(self.entry.aliases),
            "parameters": {
                field: {"value": v.value, "source": v.source, **({"note": v.note} if v.note else {})}
                for field, v in self.parameters().items()
            },
            "notes": self.entry.notes,
            "citations": [f"[{k}] {t}" for k, t in self.citations().items()],
        }


class SkinLibrary:
    """All packaged skin sites, found case-insensitively by name or alias."""

    def __init__(self, sites: list[SkinSite]) -> None:
        self._index: NameIndex[SkinSite] = NameIndex(
            {s.name: s for s in sites},
            {s.name: [s.entry.display_name, *s.entry.aliases] for s in sites},
            what="skin site",
            list_command="dermaport skin list",
        )

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[SkinSite]:
        return iter(self._index)

    def get(self, name: str) -> SkinSite:
        """The site called ``name``; raises UnknownNameError with the closest names."""
        return self._index.get(name, example=DEFAULT_SKIN)


@cache
def load_skin() -> SkinLibrary:
    """Load and validate every packaged skin site (cached after the first call)."""
    shared = shared_references()
    return SkinLibrary(
        [
            SkinSite(entry=entry, references={**shared, **entry.references})
            for entry, _file in load_folder("skin", SkinEntry, shared)
        ]
    )
