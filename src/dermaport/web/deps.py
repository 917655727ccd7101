"""Typed request dependencies: a database unit of work, and the signed-in actor."""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Annotated, Any, get_type_hints

from anyio import CancelScope
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute, _get_scope_included_router
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

from dermaport.errors import AuthenticationError
from dermaport.records import audit
from dermaport.records.access import Actor
from dermaport.records.accounts import cached_actor, resolve_token, still_signed_in
from dermaport.records.database import Database
from dermaport.scheduling import lower_this_thread

__all__ = [
    "API_NICENESS",
    "DATABASE_CONCURRENCY",
    "SESSION_COOKIE",
    "CurrentActor",
    "DbSession",
    "RecordsRouter",
    "database_of",
    "in_one_unit_of_work",
    "lower_priority",
    "remember_sign_in",
    "token_of",
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
    lower_this_thread(API_NICENESS)


#: Marks an endpoint that :class:`RecordsRouter` wrapped to run its unit of work itself.
_OWN_UNIT_OF_WORK = "__dermaport_own_unit_of_work__"
#: The key of ``Session.info`` that names the database a request's session belongs to.
_DATABASE = "dermaport_database"
#: The key of ``Session.info`` holding the request (for :func:`_recheck_sign_in`).
_REQUEST = "dermaport_request"
#: The ``request.state`` attribute where :func:`_current_actor` leaves ``(generation, token)``.
_SIGNED_IN = "dermaport_signed_in"


async def _unit_of_work(request: Request) -> AsyncIterator[Session]:
    """The request's database session.

    For an endpoint of a :class:`RecordsRouter` it is a fresh session, not yet begun: the
    endpoint's own worker thread begins it (taking the SQLite writer lock), runs the endpoint
    and commits, in one go (:func:`in_one_unit_of_work`). Any other endpoint gets the unit of
    work opened before it and committed after it, each in a worker thread, as a sync generator
    dependency would; the lock is then also held while the event loop passes the request on.
    """
    database = database_of(request)
    if getattr(request.scope.get("endpoint"), _OWN_UNIT_OF_WORK, False):
        with database.sessions(autobegin=False) as session:
            session.info[_DATABASE] = database
            session.info[_REQUEST] = request
            yield session  # begun, committed and closed by the endpoint's thread
        return
    work = database.transaction()
    session = await run_in_threadpool(_entered, work)
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            await run_in_threadpool(work.__exit__, type(exc), exc, exc.__traceback__)
        raise
    with CancelScope(shield=True):
        await run_in_threadpool(work.__exit__, None, None, None)


def _entered(work: AbstractContextManager[Session]) -> Session:
    lower_priority()
    return work.__enter__()


#: How many requests work on the database at once in one server process. Every request appends
#: to the audit chain, whose head row admits one transaction at a time; letting more threads in
#: only makes them hold connections and locks while they wait for the interpreter (measured
#: with benchmarks/bench_records.py: p95 at 20 concurrent clients on PostgreSQL 438 ms → 173 ms).
DATABASE_CONCURRENCY = 4

DbSession = Annotated[Session, Depends(_unit_of_work, scope="function", max_concurrency=DATABASE_CONCURRENCY)]


def _session_parameter(endpoint: Callable[..., Any]) -> str | None:
    """The name of the endpoint's :data:`DbSession` parameter, if it has one."""
    try:
        hints = get_type_hints(endpoint, include_extras=True)
    except (NameError, TypeError):  # annotations it cannot resolve: left to the general path
        return None
    for name, hint in hints.items():
        extras = getattr(hint, "__metadata__", ())
        if any(getattr(extra, "dependency", None) is _unit_of_work for extra in extras):
            return name
    return None


def in_one_unit_of_work(endpoint: Callable[..., Any], *, read_only: bool = False) -> Callable[..., Any]:
    """A sync endpoint taking :data:`DbSession`, made to begin, run and commit in its worker thread.

    The unit of work (and on SQLite the writer lock) then lasts only as long as the endpoint's
    own work, never across the event loop's turns between dependencies. A ``read_only``
    endpoint (GET) reads in a read-only unit of work outside the writer lock; the audit
    entries it makes are appended after, batched with other requests' in one transaction
    (``Database.append_audit``), and the endpoint's answer is returned only once they are
    committed. Other endpoints are returned as they are.
    """
    name = _session_parameter(endpoint)
    if name is None or inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        lower_priority()
        session: Session = kwargs[name]
        database: Database = session.info[_DATABASE]
        if not read_only:
            with database.transaction(session=session) as db:
                _recheck_sign_in(db, database)
                return endpoint(*args, **kwargs)
        with database.reading(session=session) as db:
            _recheck_sign_in(db, database)
            pending = audit.defer_appends(db)
            answer = endpoint(*args, **kwargs)
        database.append_audit(pending)
        return answer

    setattr(run, _OWN_UNIT_OF_WORK, True)
    return run


def _recheck_sign_in(db: Session, database: Database) -> None:
    """Look the request's session up again in its unit of work if anything was revoked since it was resolved.

    The actor is resolved before the unit of work begins (mostly from the cache); a logout,
    disabling or password reset committed in between (while the request waited for a worker
    thread or the writer lock) bumps the revocation generation, and then the session must still
    stand now, in this unit of work, or the request is refused (401).
    """
    request = db.info.get(_REQUEST)
    signed_in = getattr(request.state, _SIGNED_IN, None) if request is not None else None
    if signed_in is None:
        return
    generation, token = signed_in
    if generation != database.signed_in.generation():
        still_signed_in(db, token, idle=timedelta(minutes=database.settings.session_idle_minutes))


_READS = frozenset({"GET", "HEAD"})


class RecordsRouter(APIRouter):
    """An APIRouter whose sync endpoints run their unit of work in one go (:func:`in_one_unit_of_work`).

    GET routes read outside the writer lock and may not write (their audit entries excepted).
    In its routes only the endpoint itself may take :data:`DbSession` (a dependency that did
    would find the session not yet begun and fail).
    """

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        """Add the route, with the endpoint wrapped."""
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        read_only = bool(methods) and methods <= _READS
        super().add_api_route(path, in_one_unit_of_work(endpoint, read_only=read_only), **kwargs)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """As APIRouter's, but a path outside every one of this router's routes is refused at once.

        The app tries its routers in turn and each tries its routes' patterns one by one (about
        60 patterns, with FastAPI's bookkeeping around each, for a page behind the API's
        routers). Every route's pattern begins with its literal path up to the first ``{``, so a
        path that does not begin with what all of them share (``/api`` for the API's routers,
        ``/clients`` for the clients pages) matches none of them, fully or partly: the answer is
        the same, without the tries.
        """
        included = _get_scope_included_router(scope)  # the included router FastAPI is matching
        if included is not None and getattr(included, "original_router", None) is self:
            shared = self._shared_prefix(str(getattr(included.include_context, "prefix", "") or ""))
            if shared and not get_route_path(scope).startswith(shared):
                return Match.NONE, {}
        return super().matches(scope)

    def _shared_prefix(self, include_prefix: str) -> str:
        """The literal start every route's path shares ("" when unknown: some route is not an APIRoute)."""
        cache: dict[str, tuple[int, str]] = self.__dict__.setdefault("_dermaport_shared_prefix", {})
        known = cache.get(include_prefix)
        if known is not None and known[0] == len(self.routes):
            return known[1]
        literals = [
            include_prefix + route.path.split("{", 1)[0] if isinstance(route, APIRoute) else ""
            for route in self.routes
        ]
        # character by character on purpose: a string every literal begins with
        shared = os.path.commonprefix(literals) if literals and all(literals) else ""  # noqa: RUF071
        cache[include_prefix] = (len(self.routes), shared)
        return shared


async def session_token(
    cookie: Annotated[str | None, Depends(_cookie)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The session token from the ``Authorization: Bearer`` header, else from the cookie."""
    return bearer.credentials if bearer is not None else cookie


def token_of(request: Request) -> str | None:
    """:func:`session_token` read from the request directly, for routes outside the API's schema.

    The same token by the same rules (a ``Bearer`` header with credentials, whatever the case
    of the scheme, else a non-empty cookie), without the two security dependencies that only
    describe the API's sign-in in its OpenAPI schema: a page resolves fewer dependencies.
    """
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        credentials = credentials.strip()
        if scheme and credentials and scheme.lower() == "bearer":
            return credentials
    return request.cookies.get(SESSION_COOKIE) or None


async def _current_actor(request: Request, token: Annotated[str | None, Depends(session_token)]) -> Actor:
    """The signed-in actor, from the sessions resolved in the last seconds or else looked up.

    The lookup runs in a worker thread, outside the request's unit of work (and the writer lock).
    """
    if not token:
        raise AuthenticationError("not signed in: POST /api/login with your username and password")
    database = database_of(request)
    idle = timedelta(minutes=database.settings.session_idle_minutes)
    remember_sign_in(request, database, token)
    cached = cached_actor(database, token, idle=idle)
    if cached is not None:
        return cached
    return await run_in_threadpool(_resolved, database, token, idle)


def _resolved(database: Database, token: str, idle: timedelta) -> Actor:
    lower_priority()
    return resolve_token(database, token, idle=idle)


def remember_sign_in(request: Request, database: Database, token: str) -> None:
    """Note the revocation generation before ``token`` is resolved (for :func:`_recheck_sign_in`).

    Call it before the lookup: a logout, disabling or reset committed after it makes the
    request's unit of work look the session up again, so a request already in flight cannot
    act for an account that has just been switched off.
    """
    setattr(request.state, _SIGNED_IN, (database.signed_in.generation(), token))


CurrentActor = Annotated[Actor, Depends(_current_actor)]
