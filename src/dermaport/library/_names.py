"""Case-insensitive lookup by name or alias, with close-name suggestions on a miss."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from dermaport.errors import LibraryDataError, UnknownNameError

__all__ = ["NameIndex", "normalise"]

T = TypeVar("T")
_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise(name: str) -> str:
    """Fold case; spaces, hyphens and underscores alike (``"Tranexamic-Acid"`` → ``"tranexamic acid"``)."""
    return _SEPARATORS.sub(" ", name.strip().casefold()).strip()


class NameIndex(Generic[T]):
    """Items found by their name or any alias; ``what`` names the kind in error messages."""

    def __init__(
        self,
        items: Mapping[str, T],
        aliases: Mapping[str, Iterable[str]],
        *,
        what: str,
        list_command: str,
        shared_aliases: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self._what = what
        self._list_command = list_command
        self._items = dict(items)
        self._by_key: dict[str, str] = {}
        # Names several items may share (an INCI name common to every grade of a polymer):
        # looking one up asks the person to choose.
        self._shared: dict[str, list[str]] = {}
        for name, keys in (shared_aliases or {}).items():
            for key in keys:
                folded = normalise(key)
                if folded and name not in self._shared.setdefault(folded, []):
                    self._shared[folded].append(name)
        for name in self._items:
            for key in (name, *aliases.get(name, ())):
                folded = normalise(key)
                if not folded:
                    continue
                owner = self._by_key.get(folded)
                if owner is not None and owner != name:
                    raise LibraryDataError(
                        f"{what} name or alias {key!r} is used by both {owner!r} and {name!r}"
                    )
                self._by_key[folded] = name

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def get(self, name: str, *, example: str) -> T:
        """The item called ``name`` (or aliased so); unknown names raise with suggestions."""
        key = self._by_key.get(normalise(name))
        if key is not None:
            return self._items[key]
        owners = self._shared.get(normalise(name), [])
        if len(owners) == 1:
            return self._items[owners[0]]
        if owners:
            raise UnknownNameError(
                f"{self._what} {name!r} names several entries: choose one of {', '.join(owners)}",
                suggestions=tuple(owners),
            )
        close = difflib.get_close_matches(normalise(name), list(self._by_key), n=3, cutoff=0.6)
        suggestions = tuple(dict.fromkeys(self._by_key[c] for c in close))
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else f"for example {example!r}"
        raise UnknownNameError(
            f"unknown {self._what} {name!r}: {hint} (see '{self._list_command}')",
            suggestions=suggestions,
        )
