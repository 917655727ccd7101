"""The owner's pages: user accounts (add, disable, enable, reset the password) and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from dermaport.errors import InputError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.accounts import add_user, hash_password, reset_password, set_user_active
from dermaport.records.documents import verify_session_digests
from dermaport.records.models import AuditEntry, User
from dermaport.records.views import UserOut
from dermaport.web.pages.render import (
    BriefPageActor,
    FormData,
    page,
    page_router,
    read_transaction,
    redirect,
    write_transaction,
)

__all__ = ["router"]

router = page_router()

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ROLES = ("practitioner", "reception", "owner")


def _users_context(request: Request, actor: Actor, **extra: Any) -> dict[str, Any]:
    actor.require(Permission.USER_ADMIN)
    with read_transaction(request) as db:
        rows = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.username))
        users = [UserOut.model_validate(u) for u in rows]
    return {"title": "Users", "users": users, "roles": ROLES, **extra}


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, actor: BriefPageActor) -> HTMLResponse:
    """The clinic's accounts."""
    return page(request, "users.html", _users_context(request, actor), actor=actor)


@router.post("/users", response_model=None)
def user_add(request: Request, actor: BriefPageActor, form: FormData) -> Response:
    """Add an account (the password at least 10 characters)."""
    actor.require(Permission.USER_ADMIN)
    try:
        role = form.get("role", "")
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
        with write_transaction(request) as db:
            add_user(
                db,
                actor,
                username=form.get("username", "").strip(),
                role=role,
                password=form.get("password", ""),
            )
    except InputError as exc:
        text = str(exc)
        field = "password" if "password" in text else "role" if "role" in text else "username"
        values = {k: v for k, v in form.items() if k != "password"}
        context = _users_context(request, actor, errors={field: text}, values=values)
        return page(request, "users.html", context, actor=actor, status_code=422)
    return redirect("/users")


@router.post("/users/{user_id}/active", response_model=None)
def user_active(request: Request, user_id: UserId, actor: BriefPageActor, form: FormData) -> Response:
    """Disable (ending its sessions) or enable an account; a refusal (your own account) next to its button."""
    try:
        with write_transaction(request) as db:
            set_user_active(db, actor, user_id, active=form.get("active") == "yes")
    except InputError as exc:
        context = _users_context(request, actor, errors={f"active-{user_id}": str(exc)})
        return page(request, "users.html", context, actor=actor, status_code=400)
    return redirect("/users")


@router.post("/users/{user_id}/password", response_model=None)
def user_password(request: Request, user_id: UserId, actor: BriefPageActor, form: FormData) -> Response:
    """Reset an account's password (its sessions end)."""
    actor.require(Permission.USER_ADMIN)
    try:
        hashed = hash_password(form.get("password", ""))
        with write_transaction(request) as db:
            reset_password(db, actor, user_id, password_hash=hashed)
    except InputError as exc:
        context = _users_context(request, actor, errors={f"password-{user_id}": str(exc)})
        return page(request, "users.html", context, actor=actor, status_code=422)
    return redirect("/users")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, actor: BriefPageActor) -> HTMLResponse:
    """The audit chain verified (as ``dermaport audit verify``) and its latest entries (ids only)."""
    actor.require(Permission.AUDIT_READ)
    with read_transaction(request) as db:
        report = audit.verify(db)
        altered = verify_session_digests(db) if report.intact else []
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(100)).all()
        rows = [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "client_id": e.client_id,
            }
            for e in entries
        ]
    context = {"title": "Audit trail", "report": report, "altered": altered, "entries": rows}
    return page(request, "audit.html", context, actor=actor)
