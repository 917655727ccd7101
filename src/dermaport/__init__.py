"""dermaport: needle-free mesotherapy, from cited actives and skin to safe delivery.

Subpackages are imported on demand; importing :mod:`dermaport` does no work.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dermaport")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
