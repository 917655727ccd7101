"""Output files of the commands: an unwritable path is one line naming it (exit 2), never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dermaport.errors import InputError

__all__ = ["writing"]


@contextmanager
def writing(path: str | Path, *, example: str) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into an InputError naming it and a valid example."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"cannot write {str(path)!r}: it is a folder; name a file, e.g. {example}")
    if target.exists() and not target.is_file():
        raise InputError(f"cannot write {str(path)!r}: it is not a regular file; e.g. {example}")
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}; e.g. {example}") from exc
