"""What every page shares: the templates, the signed-in actor, the CSRF token, refusals as pages.

Pages are server-rendered Jinja2 templates (``dermaport/web/templates``) with their scripts and
styles served by the app (``/static``): nothing inline, so they run under the strict
Content-Security-Policy of :mod:`dermaport.web.security`. A page needs a signed-in user; one
asked for without a session is sent to ``/login``. A refusal on a page (not found, not allowed,
a conflict) is a page with the reason, with the status the API would answer.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError, select_autoescape
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from dermaport.errors import AuthenticationError, DermaportError, PermissionDeniedError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.accounts import cached_actor, resolve_token
from dermaport.records.database import Database
from dermaport.web.deps import (
    SESSION_COOKIE,
    RecordsRouter,
    _unit_of_work,
    database_of,
    lower_priority,
    remember_sign_in,
    token_of,
)
from dermaport.web.errors import status_of
from dermaport.web.security import CSRF_FIELD, csrf_token_for

__all__ = [
    "PAGE_DATABASE_CONCURRENCY",
    "PAGE_HEADERS",
    "BriefPageActor",
    "DbSession",
    "DenialAuditMiddleware",
    "FormData",
    "PageActor",
    "PageRoute",
    "SignInNeededError",
    "field_errors",
    "page",
    "page_router",
    "read_transaction",
    "redirect",
    "templates",
    "write_transaction",
]

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _when(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp in the server's local time (dates as they are), for people to read."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone().strftime(fmt)
    return value.isoformat()


def _number(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant figures (``—`` for none)."""
    if value is None:
        return "—"
    return f"{float(value):.{digits}g}"


def _detail(value: Any) -> str:
    """An event's detail value for people: numbers to 4 significant figures, words without underscores."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # the templates ship with the package: each is compiled once per process and kept, not
        # checked against its file (a stat per template and include) on every page
        auto_reload=False,
    )
    env.filters["when"] = _when
    env.filters["num"] = _number
    env.filters["detail"] = _detail
    env.filters["day"] = lambda v: _when(v, "%Y-%m-%d")
    return env


templates = _environment()


class SignInNeededError(Exception):
    """A page was asked for without a valid session: the answer is a redirect to ``/login``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _next_of(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


async def _page_actor(request: Request) -> Actor:
    """The signed-in user, as the API's: from the sign-ins resolved in the last seconds, else looked up.

    The token is the API's (:func:`~dermaport.web.deps.token_of`). The lookup
    (:func:`~dermaport.records.accounts.resolve_token`) runs in a worker thread, outside the
    page's own unit of work and the writer lock. No session, or an ended one: the answer is
    the sign-in page.
    """
    token = token_of(request)
    if not token:
        raise SignInNeededError(_next_of(request))
    database = database_of(request)
    idle = timedelta(minutes=database.settings.session_idle_minutes)
    remember_sign_in(request, database, token)
    cached = cached_actor(database, token, idle=idle)
    if cached is not None:
        return cached
    try:
        return await run_in_threadpool(_resolved, database, token, idle)
    except AuthenticationError:
        raise SignInNeededError(_next_of(request)) from None


def _resolved(database: Database, token: str, idle: timedelta) -> Actor:
    lower_priority()
    return resolve_token(database, token, idle=idle)


#: How many pages work on the database at once (the API's routes have their own
#: ``DATABASE_CONCURRENCY``). A page GET holds its slot while its audit entries wait for the
#: group commit, holding no connection and no lock then; with the API's 4 slots, 20 users'
#: list and client pages queued on the slots while the processor idled (benchmarks/bench_pages.py,
#: 3 alternating runs at load 4 on 2 cores, p95 4 → 8 slots: client list 102–139 → 94–99 ms,
#: client page 107–157 → 99–106 ms; the session screen, which reads in ``read_transaction``
#: without a slot, 32–66 → 55–57 ms as the others stopped queueing behind it).
PAGE_DATABASE_CONCURRENCY = 8

#: A page's unit of work (:data:`dermaport.web.deps.DbSession`, with the pages' own slots).
DbSession = Annotated[
    Session, Depends(_unit_of_work, scope="function", max_concurrency=PAGE_DATABASE_CONCURRENCY)
]

#: The signed-in user of a page (resolved before, and outside, the page's unit of work).
PageActor = Annotated[Actor, Depends(_page_actor)]
#: The same, for a page that works in units of work of its own (:func:`read_transaction`,
#: :func:`write_transaction`).
BriefPageActor = PageActor


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


#: A posted form's text fields (the CSRF token, already checked by the middleware, left out).
FormData = Annotated[dict[str, str], Depends(_form)]


def csrf_of(request: Request) -> str:
    """The CSRF token a page's forms carry (``csrf_token``): the session's, or a fresh one when signed out."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return csrf_token_for(cookie) if cookie else secrets.token_hex(32)


#: The navigation, by the permission it needs.
_NAV: tuple[tuple[str, str, Permission], ...] = (
    ("/clients", "Clients", Permission.CONTACT_READ),
    ("/users", "Users", Permission.USER_ADMIN),
    ("/audit", "Audit", Permission.AUDIT_READ),
)


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the page's common values (actor, CSRF token, navigation)."""
    values = {
        "request": request,
        "actor": actor,
        "csrf_token": csrf_of(request),
        "csrf_field": CSRF_FIELD,
        "nav": [(href, label) for href, label, need in _NAV if actor is not None and actor.may(need)],
        "errors": {},
        "values": {},
        "title": "",
        **(context or {}),
    }
    try:
        html = templates.get_template(template).render(values)
    except UndefinedError as exc:  # a template's bug: name it (the message names a variable, no value)
        logger.error("template %s: %s", template, exc)
        raise
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


#: A page's own headers: never stored; the referrer (so the Origin of its form posts) only to this
#: site, where the API's ``no-referrer`` would make a browser send ``Origin: null`` with every form.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


def redirect(url: str) -> RedirectResponse:
    """See other: after a form post, the page to show next (303, so the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """A pydantic refusal as {field: message}, for messages next to the fields that caused them."""
    out: dict[str, str] = {}
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"] if p != "body") or "form"
        name = where.removeprefix(prefix) if prefix else where
        message = str(error["msg"]).removeprefix("Value error, ")
        out.setdefault(name or "form", message)
    return out


@contextmanager
def read_transaction(request: Request) -> Iterator[Session]:
    """A read-only unit of work for a page's reads, outside the writer lock.

    The audit entries made in it are appended when the block ends, batched with other
    requests' (``Database.append_audit``), before the page is rendered and sent; when the
    block raises, nothing is appended.
    """
    database = database_of(request)
    with database.reading() as db:
        pending = audit.defer_appends(db)
        yield db
    database.append_audit(pending)


@contextmanager
def write_transaction(request: Request) -> Iterator[Session]:
    """A unit of work for a page's write (rolled back, nothing half-written, when it raises)."""
    with database_of(request).transaction() as db:
        yield db


def _audit_denial(request: Request, exc: PermissionDeniedError) -> None:
    from dermaport.web.app import _audit_denial as audit_denial  # the API's own record of refusals

    audit_denial(request, exc)


def _refusal_page(request: Request, exc: DermaportError) -> HTMLResponse:
    status = status_of(exc)
    if status == 401:
        raise SignInNeededError(_next_of(request))
    if status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    return page(
        request,
        "error.html",
        {"title": "Not possible", "status": status, "message": str(exc)},
        status_code=status,
    )


_DENIED = "dermaport_denied"


class DenialAuditMiddleware:
    """Records a page's refused permission in the audit chain after the page's unit of work ended.

    (Inside the route, the page's transaction may hold the records' writer lock.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, then record a denial it left in the request's state."""
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            denied = scope.get("state", {}).pop(_DENIED, None)
            if isinstance(denied, PermissionDeniedError):
                await run_in_threadpool(_audit_denial, Request(scope), denied)


class PageRoute(APIRoute):
    """A page's route: a records refusal is answered as a page (with the API's status), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, answering DermaportError with the error page."""
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except DermaportError as exc:
                if isinstance(exc, PermissionDeniedError):
                    # recorded by DenialAuditMiddleware once the page's own unit of work has ended
                    request.scope.setdefault("state", {})[_DENIED] = exc
                return _refusal_page(request, exc)

        return answer


def page_router() -> RecordsRouter:
    """A page module's router: on the API's fast path (:class:`~dermaport.web.deps.RecordsRouter`).

    A sync page taking :data:`DbSession` runs its unit of work in one worker-thread call; a GET
    reads in a read-only one, its audit entries group-committed before the page is sent.
    Refusals are pages (:class:`PageRoute`).
    """
    return RecordsRouter(route_class=PageRoute, include_in_schema=False)


def login_redirect(exc: SignInNeededError) -> RedirectResponse:
    """The answer to a page asked for signed out: the sign-in page, then back."""
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)
