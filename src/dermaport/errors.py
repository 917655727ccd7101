"""The dermaport error tree.

Every error the package raises on purpose derives from :class:`DermaportError`, and
where a builtin fits it is that builtin too, so callers can catch either::

    DermaportError
    ├── InputError (ValueError)              bad input from a person or a file
    │   ├── QuantityError                    "0.3 mA/cm2" malformed or of the wrong kind
    │   ├── PhError                          a pH outside 0–14
    │   └── UnknownNameError (LookupError)   an active or skin site not in the library
    ├── LibraryDataError (ValueError)        a library data file that breaks its schema
    └── SafetyError                          a hard limit or a safety rule refused the request

Messages name the bad value and, where it helps, show a valid example.
"""

from __future__ import annotations

__all__ = [
    "DermaportError",
    "InputError",
    "LibraryDataError",
    "PhError",
    "QuantityError",
    "SafetyError",
    "UnknownNameError",
]


class DermaportError(Exception):
    """Base of every error dermaport raises on purpose."""


class InputError(DermaportError, ValueError):
    """A value given by a person or a file cannot be used."""


class QuantityError(InputError):
    """A quantity string is malformed or has the wrong dimension."""


class PhError(InputError):
    """A pH outside the range 0–14."""


class UnknownNameError(InputError, LookupError):
    """A name that is not in a library; ``suggestions`` holds the closest names."""

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class LibraryDataError(DermaportError, ValueError):
    """A library data file breaks its schema (the message names file, field and value)."""


class SafetyError(DermaportError):
    """A hard limit or safety rule refused the request."""
