"""The dermaport error tree.

Every error the package raises on purpose derives from :class:`DermaportError`, and
where a builtin fits it is that builtin too, so callers can catch either::

    DermaportError
    ├── InputError (ValueError)              bad input from a person or a file
    │   ├── QuantityError                    "0.3 mA/cm2" malformed or of the wrong kind
    │   ├── PhError                          a pH outside 0–14
    │   └── UnknownNameError (LookupError)   an active or skin site not in the library
    │   ├── DatabaseUrlError                 a database URL that names no supported database
    │   ├── RecordNotFoundError (LookupError) a client, product or session id that is not there
    │   └── TooLargeError                    a body or picture over its size limit
    ├── LibraryDataError (ValueError)        a library data file that breaks its schema
    ├── SafetyError                          a hard limit or a safety rule refused the request
    ├── SimulationError (RuntimeError)       the transport engine could not solve a run
    └── RecordsError                         the clinic records refused or could not act
        ├── DatabaseNotMigratedError         the database schema is not at the current revision
        ├── DatabaseUnavailableError         no database answers at the URL
        ├── AuthenticationError              unknown user, wrong password or expired session
        │   └── LoginThrottledError          too many failed logins: wait ``retry_after_s``
        ├── PermissionDeniedError (PermissionError)  the user's role does not allow the action
        ├── ConflictError (ValueError)       the write clashes with stored data (taken name, erased client)
        └── AuditChainError                  the audit chain was altered: names the first bad entry

    DermaportError (continued: device control)
    └── DeviceError                          a device could not be driven as asked
        ├── DeviceCommunicationError (ConnectionError)  no answer in time, a broken link or frame
        └── DeviceRefusedError               the device answered with an error (bad command, range, state)

Messages name the bad value and, where it helps, show a valid example.
"""

from __future__ import annotations

__all__ = [
    "AuditChainError",
    "AuthenticationError",
    "ConflictError",
    "DatabaseNotMigratedError",
    "DatabaseUnavailableError",
    "DatabaseUrlError",
    "DermaportError",
    "DeviceCommunicationError",
    "DeviceError",
    "DeviceRefusedError",
    "InputError",
    "LibraryDataError",
    "LoginThrottledError",
    "PermissionDeniedError",
    "PhError",
    "QuantityError",
    "RecordNotFoundError",
    "RecordsError",
    "SafetyError",
    "SimulationError",
    "TooLargeError",
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


class SimulationError(DermaportError, RuntimeError):
    """The transport engine could not solve a run (the message says when and why)."""


class DatabaseUrlError(InputError):
    """A database URL that names no supported database (SQLite or PostgreSQL)."""


class RecordNotFoundError(InputError, LookupError):
    """A record id (client, product, lot, session…) that is not in the database."""


class TooLargeError(InputError):
    """A request body or a picture larger than its limit (the message names the limit)."""


class RecordsError(DermaportError):
    """The clinic records refused or could not carry out a request."""


class DatabaseNotMigratedError(RecordsError):
    """The database schema is not at the revision this dermaport needs: run ``dermaport db upgrade``."""


class DatabaseUnavailableError(RecordsError):
    """No database answers at the configured URL."""


class AuthenticationError(RecordsError):
    """Unknown user, wrong password, or a session that has expired."""


class LoginThrottledError(AuthenticationError):
    """Too many failed logins for a username or address; ``retry_after_s`` says how long to wait."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermissionDeniedError(RecordsError, PermissionError):
    """The signed-in user's role does not allow the action; ``username`` names who tried."""

    def __init__(self, message: str, *, username: str = "") -> None:
        super().__init__(message)
        self.username = username


class ConflictError(RecordsError, ValueError):
    """A write that clashes with what is stored: a taken name, a lot number twice, an erased client."""


class AuditChainError(RecordsError):
    """The audit chain is broken; ``seq`` is the first altered or deleted entry."""

    def __init__(self, message: str, *, seq: int) -> None:
        super().__init__(message)
        self.seq = seq


class DeviceError(DermaportError):
    """A device could not be driven as asked (the message says which device and what failed)."""


class DeviceCommunicationError(DeviceError, ConnectionError):
    """No answer in time, a closed link, or a frame that failed its checksum."""


class DeviceRefusedError(DeviceError):
    """The device answered a command with an error (unknown command, out of range, wrong state)."""
