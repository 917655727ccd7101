"""Accounts: argon2-hashed passwords, signed-in sessions that expire when idle, throttled logins."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dermaport.errors import AuthenticationError, ConflictError, InputError, LoginThrottledError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.models import ROLES, Clinic, LoginAttempt, LoginSession, User, utcnow

__all__ = [
    "LOGIN_MAX_FAILURES",
    "LOGIN_WINDOW",
    "MAX_SESSION_AGE",
    "MIN_PASSWORD_LENGTH",
    "add_user",
    "clinic_named",
    "login",
    "logout",
    "resolve_session",
]

logger = logging.getLogger(__name__)

#: Failed logins allowed per username (and 4x that per address) within :data:`LOGIN_WINDOW`.
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
#: However busy, a session ends this long after its login.
MAX_SESSION_AGE = timedelta(hours=12)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password: spends the same time on unknown users")


def clinic_named(db: Session, name: str) -> Clinic:
    """The clinic called ``name``, created when missing."""
    clinic = db.execute(select(Clinic).where(Clinic.name == name)).scalar_one_or_none()
    if clinic is None:
        clinic = Clinic(name=name)
        db.add(clinic)
        db.flush()
    return clinic


def add_user(
    db: Session, actor: Actor | str, *, username: str, role: str, password: str, clinic: str = ""
) -> User:
    """Create an account; ``actor`` is the owner creating it, or a local command's name.

    A local command (``dermaport users add``) may name the clinic (default ``default``); an
    owner adds users to their own clinic.
    """
    if isinstance(actor, Actor):
        actor.require(Permission.USER_ADMIN)
    if not _USERNAME.fullmatch(username):
        raise InputError(
            f"username {username!r} must be 2–64 lower-case letters, digits, '.', '_' or '-': e.g. anna.k"
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}: e.g. --role practitioner")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"password of {len(password)} characters is too short; use at least {MIN_PASSWORD_LENGTH}, "
            "e.g. four unrelated words"
        )
    if db.execute(select(User.id).where(User.username == username)).first() is not None:
        raise ConflictError(f"username {username!r} is taken: choose another, e.g. {username}2")
    clinic_id = actor.clinic_id if isinstance(actor, Actor) else clinic_named(db, clinic or "default").id
    user = User(clinic_id=clinic_id, username=username, role=role, password_hash=_hasher.hash(password))
    db.add(user)
    db.flush()
    who = actor.username if isinstance(actor, Actor) else actor
    audit.append(db, actor=who, action="create", entity="user", entity_id=user.id, detail={"role": role})
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle(db: Session, username: str, address: str, now: datetime) -> None:
    since = now - LOGIN_WINDOW
    by_user = db.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.at >= since
        )
    ).one()
    by_address = db.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.address == address, LoginAttempt.at >= since
        )
    ).one()
    for (count, oldest), limit in ((by_user, LOGIN_MAX_FAILURES), (by_address, 4 * LOGIN_MAX_FAILURES)):
        if count >= limit:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            wait = max(1, int((oldest_at + LOGIN_WINDOW - now).total_seconds()) + 1)
            raise LoginThrottledError(f"too many failed logins; try again in {wait} s", retry_after_s=wait)


def login(db: Session, *, username: str, password: str, address: str = "local") -> tuple[str, User]:
    """Check the password and open a session; return (token, user). Failures are counted.

    Raises :class:`AuthenticationError` (the same message for an unknown user and a wrong
    password) or :class:`LoginThrottledError` after too many recent failures.
    """
    now = utcnow()
    _throttle(db, username, address, now)
    user = db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        db.add(LoginAttempt(username=username[:100], address=address[:100], at=now))
        db.commit()  # the failure must count even though the caller's request fails
        logger.info("failed login for %r from %s", username, address)
        raise AuthenticationError("unknown username or wrong password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    db.execute(
        delete(LoginAttempt).where(
            (LoginAttempt.username == username) | (LoginAttempt.at < now - LOGIN_WINDOW)
        )
    )
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_sha256=_token_digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    audit.append(db, actor=user.username, action="login", entity="user", entity_id=user.id)
    return token, user


def resolve_session(db: Session, token: str, *, idle: timedelta) -> Actor:
    """The actor a session token belongs to; an idle or unknown session raises AuthenticationError."""
    now = utcnow()
    found = db.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_sha256 == _token_digest(token))
    ).one_or_none()
    if found is None:
        raise AuthenticationError("not signed in, or the session has ended: log in again")
    session, user = found
    too_old = now - session.created_at > MAX_SESSION_AGE
    if now - session.last_seen_at > idle or too_old or not user.active:
        db.delete(session)
        db.commit()
        why = (
            f"reached {MAX_SESSION_AGE.total_seconds() / 3600:g} h" if too_old else "expired after inactivity"
        )
        raise AuthenticationError(f"the session {why}: log in again")
    if now - session.last_seen_at > timedelta(seconds=10):
        session.last_seen_at = now
    return Actor(username=user.username, role=user.role, clinic_id=user.clinic_id, user_id=user.id)


def logout(db: Session, token: str) -> None:
    """End the session ``token`` belongs to (nothing happens for an unknown token)."""
    db.execute(delete(LoginSession).where(LoginSession.token_sha256 == _token_digest(token)))
