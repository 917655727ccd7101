"""Named transaction locks: writes that must not race (two bookings of one practitioner) queue.

On PostgreSQL an advisory lock on the name's hash, released when the transaction ends; on
SQLite nothing is needed, since every transaction begins ``IMMEDIATE`` (one writer at a time).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["lock_name"]


def lock_name(db: Session, name: str) -> None:
    """Hold a lock on ``name`` until the caller's transaction ends (PostgreSQL; a no-op on SQLite)."""
    if db.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
