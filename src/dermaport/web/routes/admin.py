"""What only an owner does: accounts and the audit trail."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select

from dermaport.records import audit
from dermaport.records.access import Permission
from dermaport.records.accounts import (
    add_user,
    check_new_user,
    hash_password,
    reset_password,
    set_user_active,
)
from dermaport.records.documents import verify_session_digests
from dermaport.records.models import User
from dermaport.records.views import UserOut
from dermaport.web.deps import CurrentActor, DbSession, RecordsRouter
from dermaport.web.responses import SIGNED_IN

router = RecordsRouter(prefix="/api", tags=["admin"], responses=SIGNED_IN)


class UserIn(BaseModel):
    """A new account in the owner's clinic."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
    role: Literal["owner", "practitioner", "reception"]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class AuditReportOut(BaseModel):
    """The result of verifying the audit chain."""

    intact: bool
    entries: int
    head_hash: str
    bad_entry: int | None
    problem: str


@router.get("/users")
def list_users(actor: CurrentActor, db: DbSession) -> list[UserOut]:
    """The clinic's accounts."""
    actor.require(Permission.USER_ADMIN)
    rows = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.username))
    return [UserOut.model_validate(u) for u in rows]


def _new_user_hash(body: UserIn, actor: CurrentActor) -> str:
    """The new account's password hash, computed after the permission check, before the unit of work."""
    actor.require(Permission.USER_ADMIN)
    check_new_user(username=body.username, role=body.role, password=body.password)
    return hash_password(body.password)


@router.post("/users", status_code=201)
def create_user(
    body: UserIn,
    password_hash: Annotated[str, Depends(_new_user_hash)],
    actor: CurrentActor,
    db: DbSession,
) -> UserOut:
    """Add an account to the owner's clinic."""
    user = add_user(db, actor, username=body.username, role=body.role, password_hash=password_hash)
    return UserOut.model_validate(user)


UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A user's id.")]


class UserPatch(BaseModel):
    """An account enabled or disabled (disabling ends its sessions)."""

    model_config = ConfigDict(extra="forbid")

    active: bool


class PasswordIn(BaseModel):
    """A new password for an account (at least 10 characters)."""

    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


@router.patch("/users/{user_id}")
def update_user(user_id: UserId, body: UserPatch, actor: CurrentActor, db: DbSession) -> UserOut:
    """Disable or enable an account of the owner's clinic."""
    return UserOut.model_validate(set_user_active(db, actor, user_id, active=body.active))


def _hashed(body: PasswordIn, actor: CurrentActor) -> str:
    """The new password's argon2 hash: after the permission check, before the unit of work begins."""
    actor.require(Permission.USER_ADMIN)
    return hash_password(body.password)


@router.put("/users/{user_id}/password", status_code=204)
def set_password(
    user_id: UserId,
    password_hash: Annotated[str, Depends(_hashed)],
    actor: CurrentActor,
    db: DbSession,
) -> None:
    """Reset an account's password (its sessions end)."""
    reset_password(db, actor, user_id, password_hash=password_hash)


@router.get("/audit/verify")
def verify_audit(actor: CurrentActor, db: DbSession) -> AuditReportOut:
    """Walk the audit chain, then every session's documents; name the first altered entry, if any."""
    actor.require(Permission.AUDIT_READ)
    report = audit.verify(db)
    sessions = verify_session_digests(db) if report.intact else []
    if sessions:
        return AuditReportOut(
            intact=False,
            entries=report.entries,
            head_hash=report.head_hash,
            bad_entry=None,
            problem=sessions[0],
        )
    return AuditReportOut(
        intact=report.intact,
        entries=report.entries,
        head_hash=report.head_hash,
        bad_entry=report.bad_seq,
        problem=report.problem,
    )
