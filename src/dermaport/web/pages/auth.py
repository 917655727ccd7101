"""Signing in and out on the pages (``GET/POST /login``, ``POST /logout``)."""

from __future__ import annotations

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dermaport.errors import AuthenticationError, LoginThrottledError
from dermaport.records.accounts import authenticate, logout
from dermaport.web.deps import SESSION_COOKIE, database_of
from dermaport.web.pages.render import FormData, page, page_router, redirect

__all__ = ["router"]

router = page_router()


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/clients"


@router.get("/")
def home() -> RedirectResponse:
    """The clients page (or the sign-in page first)."""
    return redirect("/clients")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = Query(None, max_length=500)) -> HTMLResponse:
    """The sign-in form: ``username``, ``password`` and ``csrf_token``."""
    return page(request, "login.html", {"title": "Sign in", "next": _safe_next(next)})


@router.post("/login", response_model=None)
def login_post(request: Request, form: FormData) -> Response:
    """Sign in; to the clients page (or the page asked for), else the form again with the reason."""
    username = form.get("username", "").strip()
    password = form.get("password", "")
    target = _safe_next(form.get("next"))
    context = {"title": "Sign in", "next": target, "values": {"username": username}}
    if not username or not password:
        errors = {"form": "type your username and password"}
        return page(request, "login.html", {**context, "errors": errors}, status_code=422)
    address = request.client.host if request.client else "unknown"
    try:
        token, _user = authenticate(
            database_of(request), username=username, password=password, address=address
        )
    except LoginThrottledError as exc:
        return page(request, "login.html", {**context, "errors": {"form": str(exc)}}, status_code=429)
    except AuthenticationError as exc:
        return page(request, "login.html", {**context, "errors": {"form": str(exc)}}, status_code=401)
    answer = redirect(target)
    answer.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return answer


@router.post("/logout")
def logout_post(request: Request) -> RedirectResponse:
    """End the session and show the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with database_of(request).transaction() as db:
            logout(db, token)
    answer = redirect("/login")
    answer.delete_cookie(SESSION_COOKIE)
    return answer
