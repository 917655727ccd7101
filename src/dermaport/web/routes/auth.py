"""Signing in and out, and who is signed in."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dermaport.records.accounts import authenticate, logout
from dermaport.records.views import UserOut
from dermaport.web.deps import (
    SESSION_COOKIE,
    CurrentActor,
    DbSession,
    RecordsRouter,
    database_of,
    session_token,
)
from dermaport.web.responses import LOGIN, SIGNED_IN
from dermaport.web.security import csrf_token_for

router = RecordsRouter(prefix="/api", tags=["auth"])


class LoginIn(BaseModel):
    """A username and password."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class LoginOut(BaseModel):
    """The session token (also set as a cookie) and the user it signs in."""

    token: str
    user: UserOut
    idle_timeout_s: float = Field(description="The session ends after this long without a request (s).")
    csrf_token: str = Field(
        description="Send it as the X-CSRF-Token header (or a csrf_token form field) with every "
        "cookie-signed write; bearer-token clients need not."
    )


class MeOut(BaseModel):
    """The signed-in user."""

    username: str
    role: str
    clinic_id: int


@router.post("/login", responses=LOGIN)
def log_in(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Sign in; returns a token for ``Authorization: Bearer`` and sets the session cookie.

    The password is checked outside any database transaction; failures are counted per
    username and client address (the proxy's forwarded address only where configured).
    """
    address = request.client.host if request.client else "unknown"
    token, user = authenticate(
        database_of(request), username=body.username, password=body.password, address=address
    )
    idle_s = database_of(request).settings.session_idle_minutes * 60
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return LoginOut(
        token=token,
        user=UserOut.model_validate(user),
        idle_timeout_s=idle_s,
        csrf_token=csrf_token_for(token),
    )


@router.post("/logout", status_code=204, responses=SIGNED_IN)
def log_out(
    actor: CurrentActor,
    db: DbSession,
    response: Response,
    token: Annotated[str | None, Depends(session_token)],
) -> None:
    """End the current session."""
    if token:
        logout(db, token, actor=actor.username)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", responses=SIGNED_IN)
def me(actor: CurrentActor) -> MeOut:
    """Who is signed in, and with which role."""
    return MeOut(username=actor.username, role=actor.role, clinic_id=actor.clinic_id)
