"""Typed request dependencies: a database unit of work, and the signed-in actor."""

from __future__ import annotations

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

__all__ = ["SESSION_COOKIE", "CurrentActor", "DbSession", "database_of"]

#: The cookie that carries the session token (a bearer header works too).
SESSION_COOKIE = "dermaport_session"

_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Set by POST /api/login.")
_bearer = HTTPBearer(auto_error=False, description="The token POST /api/login returns.")


def database_of(request: Request) -> Database:
    """The records database the app was created with."""
    database: Database = request.app.state.database
    return database


def _unit_of_work(request: Request) -> Iterator[Session]:
    """A transaction around the route function, committed before the response is sent."""
    with database_of(request).transaction() as session:
        yield session


DbSession = Annotated[Session, Depends(_unit_of_work, scope="function")]


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
