"""Sign-in sessions resolved in the last few seconds, so most requests need no lookup in the database.

An entry is used only while the lookup it stands for would have changed nothing: while the
session's recorded last use is under :data:`~dermaport.records.accounts.TOUCH_INTERVAL` old,
under the idle limit and the session under its maximum age (so idle expiry holds exactly as
without it). Anything in this process that ends a session or changes an account (logout,
disabling, a password reset, an expired session deleted) calls :func:`revoke_after_commit`,
which drops every entry once its transaction commits; an entry resolved from a read that began
before that commit is never stored. Another process's changes (a second server on the same
database) are seen at the next lookup, at most ``TOUCH_INTERVAL`` later.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from dermaport.records.access import Actor

__all__ = ["SignedInCache", "revoke_after_commit"]

#: The most entries kept; past it the cache starts again empty (one per signed-in session).
MAX_ENTRIES = 10_000

_lock = threading.Lock()
_generation = 0


def _generation_now() -> int:
    with _lock:
        return _generation


def _revoke(_session: Session) -> None:
    global _generation
    with _lock:
        _generation += 1


def revoke_after_commit(db: Session) -> None:
    """Drop every cached sign-in (of every database in this process) once ``db``'s transaction commits."""
    if not event.contains(db, "after_commit", _revoke):
        event.listen(db, "after_commit", _revoke)


@dataclass(frozen=True)
class _Seen:
    actor: Actor
    created_at: datetime
    last_seen_at: datetime
    generation: int


class SignedInCache:
    """One database's recently resolved sign-in sessions, by the SHA-256 of their token."""

    def __init__(self) -> None:
        self._entries: dict[str, _Seen] = {}
        self._lock = threading.Lock()

    @staticmethod
    def generation() -> int:
        """Read this before looking a session up; hand it to :meth:`put` with what was found."""
        return _generation_now()

    def get(self, digest: str, *, now: datetime, fresh_for: timedelta, max_age: timedelta) -> Actor | None:
        """The actor of a session seen less than ``fresh_for`` ago and younger than ``max_age``, else None."""
        with self._lock:
            seen = self._entries.get(digest)
        if seen is None or seen.generation != _generation_now():
            return None
        if now - seen.last_seen_at >= fresh_for or now - seen.created_at >= max_age:
            return None
        return seen.actor

    def clear(self) -> None:
        """Forget every entry (as :data:`~dermaport.records.accounts.TOUCH_INTERVAL` passing would)."""
        with self._lock:
            self._entries.clear()

    def put(
        self, digest: str, actor: Actor, *, created_at: datetime, last_seen_at: datetime, generation: int
    ) -> None:
        """Remember a session looked up after :meth:`generation` returned ``generation``."""
        if generation != _generation_now():
            return  # something was revoked since the lookup began: what it read may be stale
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = _Seen(actor, created_at, last_seen_at, generation)
