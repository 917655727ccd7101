"""Typed request dependencies: a database unit of work, and the signed-in actor."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from dermaport.errors import AuthenticationError
from dermaport.records.access import Actor
from dermaport.records.accounts import resolve_session
from dermaport.records.database import Database

__all__ = [
    "API_NICENESS",
    "DATABASE_CONCURRENCY",
    "SESSION_COOKIE",
    "CurrentActor",
    "DbSession",
    "database_of",
    "lower_priority",
]

#: The cookie that carries the session token (a bearer header works too).
SESSION_COOKIE = "dermaport_session"

_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Set by POST /api/login.")
_bearer = HTTPBearer(auto_error=False, description="The token POST /api/login returns.")


def database_of(request: Request) -> Database:
    """The records database the app was created with."""
    database: Database = request.app.state.database
    return database


#: Niceness of the threads that serve API requests, above the session loop's (0): a password hash
#: or a burst of requests cannot take the processor from a running session (Linux; elsewhere no-op).
API_NICENESS = 10
_lowered = threading.local()


def lower_priority() -> None:
    """Run this request thread at :data:`API_NICENESS` (once per thread; threads it starts inherit it)."""
    if getattr(_lowered, "done", False):
        return
    _lowered.done = True
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, API_NICENESS))
    except (AttributeError, OSError):  # not Linux, or not allowed: the default scheduling stays
        pass


def _unit_of_work(request: Request) -> Iterator[Session]:
    """A transaction around the route function, committed before the response is sent."""
    lower_priority()
    with database_of(request).transaction() as session:
        yield session


#: How many requests work on the database at once in one server process. Every request appends
#: to the audit chain, whose head row admits one transaction at a time; letting more threads in
#: only makes them hold connections and locks while they wait for the interpreter (measured
#: with benchmarks/bench_records.py: p95 at 20 concurrent clients on PostgreSQL 438 ms → 173 ms).
DATABASE_CONCURRENCY = 4

DbSession = Annotated[Session, Depends(_unit_of_work, scope="function", max_concurrency=DATABASE_CONCURRENCY)]


def session_token(
    cookie: Annotated[str | None, Depends(_cookie)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The session token from the ``Authorization: Bearer`` header, else from the cookie."""
    return bearer.credentials if bearer is not None else cookie


def _current_actor(
    request: Request, db: DbSession, token: Annotated[str | None, Depends(session_token)]
) -> Actor:
    if not token:
        raise AuthenticationError("not signed in: POST /api/login with your username and password")
    idle = timedelta(minutes=database_of(request).settings.session_idle_minutes)
    return resolve_session(db, token, idle=idle)


CurrentActor = Annotated[Actor, Depends(_current_actor)]
