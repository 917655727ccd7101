"""The clinic's pages: server-rendered, over the same records functions and sessions service as the API.

:func:`install_pages` adds every page's router (the registry: a new page is a module here and a
line in :data:`ROUTERS`), the static files (``/static``: styles, scripts, the vendored
signature_pad with its licence) and the redirect to ``/login`` for pages asked for signed out.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from dermaport.web.pages import (
    admin,
    auth,
    clients,
    consultation,
    history,
    photos,
    reports,
    session,
    treatment,
)
from dermaport.web.pages.render import DenialAuditMiddleware, SignInNeededError, login_redirect

__all__ = ["ROUTERS", "install_pages"]

STATIC = Path(__file__).resolve().parent.parent / "static"

#: Every page module's router, in the order they are matched.
ROUTERS = (
    auth.router,
    clients.router,
    consultation.router,
    treatment.router,
    history.router,
    photos.router,
    session.router,
    reports.router,
    admin.router,
)


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeededError)
    return login_redirect(exc)


def install_pages(app: FastAPI) -> None:
    """Add the pages, their static files and the sign-in redirect to ``app``."""
    app.add_exception_handler(SignInNeededError, _sign_in)
    app.add_middleware(DenialAuditMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
