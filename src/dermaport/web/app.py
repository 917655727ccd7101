"""The FastAPI application factory: routes, error mapping, and the refusal of an unmigrated database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dermaport import __version__
from dermaport.config import Settings, load_settings
from dermaport.errors import DermaportError, LoginThrottledError, PermissionDeniedError
from dermaport.records import audit
from dermaport.records.database import Database, open_database
from dermaport.sessions import SessionService
from dermaport.web.deps import SESSION_COOKIE, database_of
from dermaport.web.errors import (
    CatchAllMiddleware,
    database_refusal,
    http_refusal,
    integrity_refusal,
    status_of,
    validation_refusal,
)
from dermaport.web.openapi import install_openapi
from dermaport.web.pages import install_pages
from dermaport.web.routes import admin, auth, clients, products, rights, sessions
from dermaport.web.security import SecurityMiddleware

__all__ = ["create_app"]

logger = logging.getLogger(__name__)


class HealthOut(BaseModel):
    """The service answers, and which version it is."""

    status: str
    version: str


async def _refusal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DermaportError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, LoginThrottledError):
        headers["Retry-After"] = str(exc.retry_after_s)
    elif status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    if isinstance(exc, PermissionDeniedError):
        await run_in_threadpool(_audit_denial, request, exc)
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


def _audit_denial(request: Request, exc: PermissionDeniedError) -> None:
    """Record a refused attempt in the audit chain (the refused request's own transaction rolled back)."""
    raw = request.path_params.get("client_id")
    client_id = int(raw) if isinstance(raw, str | int) and str(raw).isdigit() else None
    if client_id is not None and client_id >= 2**31:
        client_id = None
    with database_of(request).transaction() as db:
        audit.append(
            db,
            actor=exc.username or "unknown",
            action="denied",
            entity="route",
            entity_id=f"{request.method} {request.scope['route'].path}"[:64]
            if "route" in request.scope
            else "",
            client_id=client_id,
        )


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    database: Database | None = None,
    sessions_service: Callable[[Database], SessionService] | None = None,
) -> FastAPI:
    """The API over the records database; refuses (``DatabaseNotMigratedError``) an unmigrated one.

    ``database`` is used as given (and not closed); otherwise one is opened from ``database_url``,
    the settings or the default SQLite file, and closed when the app shuts down.
    ``sessions_service`` makes the sessions service (default: the simulated device in real
    time, the transport engine to plan); sessions left running by a dead process are marked
    interrupted now, and the app's own are stopped when it shuts down.
    """
    settings = settings or load_settings()
    owned = database is None
    db = database or open_database(settings, database_url)
    service = (sessions_service or SessionService)(db)
    service.recover()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(service.close)
        if owned:
            db.dispose()

    app = FastAPI(
        title="dermaport clinic records",
        version=__version__,
        description="Clients, consents, screenings, sessions and their audit trail. "
        "Sign in with POST /api/login; every other route except /health needs the session.",
        lifespan=lifespan,
    )
    app.state.database = db
    app.state.sessions = service
    app.add_exception_handler(DermaportError, _refusal)
    app.add_exception_handler(RequestValidationError, validation_refusal)
    app.add_exception_handler(StarletteHTTPException, http_refusal)
    app.add_exception_handler(IntegrityError, integrity_refusal)
    app.add_exception_handler(DBAPIError, database_refusal)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(SecurityMiddleware, cookie_name=SESSION_COOKIE, origins=settings.site_origins)

    @app.get("/health", tags=["health"])
    def health() -> HealthOut:
        """The service is up (no session needed)."""
        return HealthOut(status="ok", version=__version__)

    for router in (
        auth.router,
        clients.router,
        products.router,
        rights.router,
        admin.router,
        sessions.router,
    ):
        app.include_router(router)
    install_pages(app)
    install_openapi(app)
    return app
