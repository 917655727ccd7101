"""Read TOML data files into schema objects, with errors that name file, field and value."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dermaport.errors import LibraryDataError

__all__ = ["data_dir", "iter_data_files", "load_entry", "load_folder", "shared_references"]

EntryT = TypeVar("EntryT", bound=BaseModel)


def data_dir() -> Traversable:
    """The folder of the packaged data files."""
    return resources.files("dermaport.library").joinpath("data")


def iter_data_files(folder: str) -> Iterator[Traversable]:
    """The ``*.toml`` files of one data folder (``"actives"`` or ``"skin"``), sorted."""
    directory = data_dir().joinpath(folder)
    yield from sorted((f for f in directory.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


def _read_toml(file: Traversable | Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LibraryDataError(f"{file}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise LibraryDataError(f"{file}: cannot be read: {exc.strerror or exc}") from exc


def shared_references() -> dict[str, str]:
    """Reference keys shared by all entries (``data/references.toml``)."""
    table = _read_toml(data_dir().joinpath("references.toml"))
    return {str(k): str(v) for k, v in table.get("references", {}).items()}


def _describe(error: dict[str, Any]) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "(entry)"
    message = str(error["msg"])
    if error["type"] == "missing":
        return f"field {field!r} is missing"
    if error["type"] == "extra_forbidden":
        return f"field {field!r} is not part of the schema (value {error['input']!r})"
    return f"field {field!r}: {message} (value {error['input']!r})"


def load_entry(file: Traversable | Path, schema: type[EntryT], shared: dict[str, str]) -> EntryT:
    """Load one data file through ``schema`` and check that every citation resolves.

    Raises :class:`~dermaport.errors.LibraryDataError` naming the file, the field and
    the bad value.
    """
    raw = _read_toml(file)
    try:
        entry = schema.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise LibraryDataError(f"{file}: {_describe(dict(first))}{more}") from exc
    local: dict[str, str] = getattr(entry, "references", {})
    missing = sorted(k for k in entry.source_keys() if k not in local and k not in shared)  # type: ignore[attr-defined]
    if missing:
        raise LibraryDataError(
            f"{file}: source {missing[0]!r} is cited but not in its [references] table nor in references.toml"
        )
    return entry


def load_folder(
    folder: str, schema: type[EntryT], shared: dict[str, str]
) -> list[tuple[EntryT, Traversable]]:
    """Load every file of a data folder through ``schema``, with its file; ``name`` must match the file."""
    entries = []
    for file in iter_data_files(folder):
        entry = load_entry(file, schema, shared)
        name = getattr(entry, "name", None)
        if name != file.name.removesuffix(".toml"):
            raise LibraryDataError(f"{file}: field 'name' must match the file name (value {name!r})")
        entries.append((entry, file))
    return entries
