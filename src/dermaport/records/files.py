"""Private files: the records' own files (database, photos, exports) readable by their owner only.

Every file is created with mode 0600 and written atomically (a temporary file in the same
folder, flushed to disk, then renamed over the target), so a reader never sees half a file and
no other account on the machine can read health data. Folders the records create are 0700.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from dermaport.errors import InputError

__all__ = ["FILE_MODE", "FOLDER_MODE", "check_writable", "create_private", "private_folder", "write_private"]

#: Mode of every file the records create: read and write for the owner only.
FILE_MODE = 0o600
#: Mode of every folder the records create.
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700; an unusable path is an InputError."""
    try:
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder {str(path)!r}: {exc.strerror or exc}") from exc
    if not path.is_dir():
        raise InputError(f"cannot use {str(path)!r} as a folder: it is a file")
    return path


def create_private(path: Path) -> None:
    """Create an empty file with mode 0600 unless it exists (for SQLite, before it opens it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise InputError(f"cannot create {str(path)!r}: {exc.strerror or exc}") from exc
    os.close(fd)


def check_writable(path: Path) -> Path:
    """Refuse (InputError) a path :func:`write_private` cannot write: a folder, a device, no folder."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"cannot write {str(path)!r}: it is a folder; name a file, e.g. -o client.json")
    if not folder.is_dir():
        raise InputError(f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist")
    if target.exists() and not target.is_file():
        raise InputError(f"cannot write {str(path)!r}: it is not a regular file; e.g. -o client.json")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {str(path)!r}: folder {str(folder)!r} is not writable")
    return target


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600; an unwritable path is one InputError line."""
    target = check_writable(path)
    folder = target.parent if str(target.parent) else Path(".")
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return target
