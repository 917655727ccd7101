"""Check library data files against their schema: ``python -m dermaport.library.validate [FILE ...]``.

With no arguments every packaged file is checked. Prints one line per file and exits
non-zero if any file fails. Meant for people who edit the data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dermaport.errors import LibraryDataError
from dermaport.library._loading import iter_data_files, load_entry, shared_references
from dermaport.library.schema import ActiveEntry, SkinEntry


def main(argv: list[str]) -> int:
    """Validate the given files (or all packaged ones); return the exit status."""
    shared = shared_references()
    if argv:
        files: list[tuple[object, type[ActiveEntry] | type[SkinEntry]]] = [
            (Path(a), SkinEntry if Path(a).parent.name == "skin" else ActiveEntry) for a in argv
        ]
    else:
        files = [(f, ActiveEntry) for f in iter_data_files("actives")]
        files += [(f, SkinEntry) for f in iter_data_files("skin")]
    failed = 0
    for file, schema in files:
        try:
            load_entry(file, schema, shared)  # type: ignore[arg-type]
        except LibraryDataError as exc:
            failed += 1
            sys.stdout.write(f"FAIL {exc}\n")
        else:
            sys.stdout.write(f"ok   {file}\n")
    sys.stdout.write(f"{len(files) - failed} ok, {failed} failed\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
