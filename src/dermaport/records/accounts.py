"""Accounts: argon2-hashed passwords, signed-in sessions that expire when idle, throttled logins."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from dermaport.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    LoginThrottledError,
    RecordNotFoundError,
)
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.models import ROLES, Clinic, LoginAttempt, LoginSession, User, utcnow
from dermaport.records.signed_in import revoke_after_commit
from dermaport.scheduling import lower_this_thread

__all__ = [
    "ADDRESS_MAX_FAILURES",
    "LOGIN_MAX_DELAY",
    "LOGIN_MAX_FAILURES",
    "LOGIN_WINDOW",
    "MAX_SESSION_AGE",
    "MIN_PASSWORD_LENGTH",
    "TOUCH_INTERVAL",
    "add_user",
    "authenticate",
    "cached_actor",
    "check_new_user",
    "check_password",
    "clinic_named",
    "hash_password",
    "login",
    "login_delay_s",
    "logout",
    "purge_sessions",
    "reset_password",
    "resolve_session",
    "resolve_token",
    "set_user_active",
    "still_signed_in",
]

logger = logging.getLogger(__name__)

#: Failed logins of one username from one address within :data:`LOGIN_WINDOW` before each
#: further try must wait (1 s, then twice as long each time, at most :data:`LOGIN_MAX_DELAY`).
LOGIN_MAX_FAILURES = 5
#: Failed logins from one address (any usernames) before its tries are delayed the same way.
ADDRESS_MAX_FAILURES = 20
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_DELAY = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
#: However busy, a session ends this long after its login.
MAX_SESSION_AGE = timedelta(hours=12)
#: A session's last use is written down at most this often (so most requests only read it).
TOUCH_INTERVAL = timedelta(seconds=10)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password: spends the same time on unknown users")
#: Niceness of the threads that compute argon2 (the lowest; its lanes' threads inherit it). A burst
#: of logins then takes only processor time nothing else wants: a thread holding the interpreter
#: lock (a full garbage collection, say) is not starved behind eight hashing lanes while the
#: session loop waits for that lock (Linux; elsewhere the default scheduling stays).
HASHING_NICENESS = 19
_T = TypeVar("_T")

#: The argon2 computations, two at a time in one process (each takes tens of MB).
_HASHING = ThreadPoolExecutor(
    max_workers=2,
    thread_name_prefix="dermaport-argon2",
    initializer=lower_this_thread,
    initargs=(HASHING_NICENESS,),
)


def _argon2(compute: Callable[[], _T]) -> _T:
    """Run ``compute`` (an argon2 hash or verification) on a hashing thread and wait for it."""
    return _HASHING.submit(compute).result()


def _hashed(password: str) -> str:
    """The argon2id hash of ``password``, computed on a hashing thread."""
    return _argon2(lambda: str(_hasher.hash(password)))


if TYPE_CHECKING:
    from dermaport.records.database import Database


def clinic_named(db: Session, name: str) -> Clinic:
    """The clinic called ``name``, created when missing."""
    clinic = db.execute(select(Clinic).where(Clinic.name == name)).scalar_one_or_none()
    if clinic is None:
        clinic = Clinic(name=name)
        db.add(clinic)
        db.flush()
    return clinic


def check_new_user(*, username: str, role: str, password: str | None = None) -> None:
    """Refuse (InputError) a username, role or (when given) password :func:`add_user` would not accept."""
    if not _USERNAME.fullmatch(username):
        raise InputError(
            f"username {username!r} must be 2–64 lower-case letters, digits, '.', '_' or '-': e.g. anna.k"
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}: e.g. --role practitioner")
    if password is not None:
        check_password(password)


def add_user(
    db: Session,
    actor: Actor | str,
    *,
    username: str,
    role: str,
    password: str = "",
    password_hash: str = "",
    clinic: str = "",
) -> User:
    """Create an account; ``actor`` is the owner creating it, or a local command's name.

    Give the ``password_hash`` that :func:`hash_password` made before the transaction began
    (argon2 takes a fraction of a second on purpose; inside a transaction it would hold the
    writer lock that long), or the ``password`` itself, hashed here. A local command
    (``dermaport users add``) may name the clinic (default ``default``); an owner adds users to
    their own clinic.
    """
    if isinstance(actor, Actor):
        actor.require(Permission.USER_ADMIN)
    check_new_user(username=username, role=role, password=None if password_hash else password)
    if db.execute(select(User.id).where(User.username == username)).first() is not None:
        raise ConflictError(f"username {username!r} is taken: choose another, e.g. {username}2")
    clinic_id = actor.clinic_id if isinstance(actor, Actor) else clinic_named(db, clinic or "default").id
    user = User(
        clinic_id=clinic_id,
        username=username,
        role=role,
        password_hash=password_hash or hash_password(password),
    )
    db.add(user)
    db.flush()
    who = actor.username if isinstance(actor, Actor) else actor
    audit.append(db, actor=who, action="create", entity="user", entity_id=user.id, detail={"role": role})
    return user


def _clinic_user(db: Session, actor: Actor, user_id: int) -> User:
    actor.require(Permission.USER_ADMIN)
    user = db.get(User, user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise RecordNotFoundError(f"user {user_id} not found: list them with GET /api/users")
    return user


def set_user_active(db: Session, actor: Actor, user_id: int, *, active: bool) -> User:
    """Disable (ending every session of) or enable an account of the owner's clinic; audited."""
    user = _clinic_user(db, actor, user_id)
    if not active and user.id == actor.user_id:
        raise InputError(
            "you cannot disable your own account, or the clinic could be left with no owner to sign in: "
            "another owner can disable it (add one first)"
        )
    user.active = active
    if not active:
        db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    revoke_after_commit(db)
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="update",
        entity="user",
        entity_id=user.id,
        detail={"active": active},
    )
    return user


def check_password(password: str) -> None:
    """Refuse (InputError) a password shorter than :data:`MIN_PASSWORD_LENGTH`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"password of {len(password)} characters is too short; use at least {MIN_PASSWORD_LENGTH}, "
            "e.g. four unrelated words"
        )


def hash_password(password: str) -> str:
    """The argon2id hash of a password (call it outside any transaction: it is slow on purpose)."""
    check_password(password)
    return _hashed(password)


def reset_password(db: Session, actor: Actor, user_id: int, *, password_hash: str) -> User:
    """Give an account a new password (hashed by :func:`hash_password`), ending its sessions; audited."""
    user = _clinic_user(db, actor, user_id)
    user.password_hash = password_hash
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    revoke_after_commit(db)
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="update",
        entity="user",
        entity_id=user.id,
        detail={"fields": ["password"]},
    )
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lock_key(*parts: str) -> int:
    """A signed 64-bit key for a PostgreSQL advisory lock on these names."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _serialise(db: Session, username: str, address: str) -> None:
    """Make concurrent logins for one account or address count one after another.

    On PostgreSQL an advisory lock per address and per account+address, held until the
    (short) transaction ends; SQLite's ``BEGIN IMMEDIATE`` already admits one writer at a time.
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    for key in (_lock_key("address", address), _lock_key("account", username, address)):
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def login_delay_s(failures: int, free: int) -> float:
    """How long (s) after the last failure the next try must wait, after ``failures`` failures.

    0 for the first ``free`` ones, then 1, 2, 4 … s, at most :data:`LOGIN_MAX_DELAY`.
    """
    if failures < free:
        return 0.0
    return float(min(2.0 ** (failures - free), LOGIN_MAX_DELAY.total_seconds()))


def _aware(at: datetime, now: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=now.tzinfo)


def _check_delay(db: Session, username: str, address: str, now: datetime) -> None:
    since = now - LOGIN_WINDOW
    rows = (
        (LoginAttempt.username == username, LoginAttempt.address == address),
        (LoginAttempt.address == address,),
    )
    for condition, free in zip(rows, (LOGIN_MAX_FAILURES, ADDRESS_MAX_FAILURES), strict=True):
        count, last = db.execute(
            select(func.count(), func.max(LoginAttempt.at)).where(*condition, LoginAttempt.at >= since)
        ).one()
        delay = login_delay_s(count, free)
        if delay and last is not None:
            wait = (_aware(last, now) + timedelta(seconds=delay) - now).total_seconds()
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                raise LoginThrottledError(
                    f"too many failed logins; try again in {seconds} s", retry_after_s=seconds
                )


@dataclass(frozen=True)
class _Reservation:
    attempt_id: int
    user_id: int | None
    password_hash: str


def _reserve(db: Session, username: str, address: str, now: datetime) -> _Reservation:
    """Count this try as a failure before the password is checked (so racing tries all count)."""
    _serialise(db, username, address)
    _check_delay(db, username, address, now)
    attempt = LoginAttempt(username=username[:100], address=address[:100], at=now)
    db.add(attempt)
    user = db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    db.flush()
    usable = user is not None and user.active
    return _Reservation(
        attempt_id=attempt.id,
        user_id=user.id if user is not None and usable else None,
        password_hash=user.password_hash if user is not None and usable else _DUMMY_HASH,
    )


def _password_matches(password_hash: str, password: str) -> bool:
    """Argon2 verification, a few at a time (each costs tens of MB), never inside a transaction."""

    def verify() -> bool:
        try:
            return bool(_hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    return _argon2(verify)


def _failed(db: Session, reservation: _Reservation, address: str) -> AuthenticationError:
    audit.append(
        db,
        actor="anonymous",
        action="login_failed",
        entity="user",
        entity_id=reservation.user_id or "",
        detail={"address": address[:100]},
    )
    logger.info("failed login from %s", address)
    return AuthenticationError("unknown username or wrong password")


def _succeeded(
    db: Session,
    reservation: _Reservation,
    *,
    username: str,
    address: str,
    now: datetime,
    idle: timedelta,
) -> tuple[str, User]:
    user = db.get(User, reservation.user_id)
    if user is None or not user.active or user.password_hash != reservation.password_hash:
        raise _failed(db, reservation, address)  # disabled or reset while the password was checked
    db.execute(
        delete(LoginAttempt).where(
            ((LoginAttempt.username == username) & (LoginAttempt.address == address))
            | (LoginAttempt.at < now - LOGIN_WINDOW)
            | (LoginAttempt.id == reservation.attempt_id)
        )
    )
    purge_sessions(db, idle=idle, now=now)
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_sha256=_token_digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    audit.append(db, actor=user.username, action="login", entity="user", entity_id=user.id)
    return token, user


def authenticate(
    database: Database, *, username: str, password: str, address: str = "local", idle: timedelta | None = None
) -> tuple[str, User]:
    """Check the password and open a session, in three steps; return (token, user).

    1. In a short transaction, serialised per account+address: refuse with
       :class:`LoginThrottledError` if the growing delay since the last failures has not passed,
       else store this try as a failure (so concurrent guesses all count).
    2. Verify the password with argon2 outside any transaction or lock.
    3. In a second transaction: on success remove this account+address's failures, purge ended
       sessions and open one; on failure keep the count. Both are audited (never the password).

    Failures are counted per account *and* address, so guesses from elsewhere cannot lock the
    owner out; the same message answers an unknown user and a wrong password.
    """
    idle = idle or timedelta(minutes=database.settings.session_idle_minutes)
    now = utcnow()
    with database.transaction() as db:
        reservation = _reserve(db, username, address, now)
    ok = _password_matches(reservation.password_hash, password) and reservation.user_id is not None
    with database.transaction() as db:
        if not ok:
            error = _failed(db, reservation, address)
        else:
            token, user = _succeeded(db, reservation, username=username, address=address, now=now, idle=idle)
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hashed(password)
            return token, user
    raise error


def login(
    db: Session, *, username: str, password: str, address: str = "local", idle: timedelta | None = None
) -> tuple[str, User]:
    """:func:`authenticate` within the caller's session (committing between its steps).

    The caller must hold no lock of its own across the call: the API uses :func:`authenticate`.
    """
    now = utcnow()
    reservation = _reserve(db, username, address, now)
    db.commit()
    ok = _password_matches(reservation.password_hash, password) and reservation.user_id is not None
    if not ok:
        error = _failed(db, reservation, address)
        db.commit()
        raise error
    return _succeeded(
        db,
        reservation,
        username=username,
        address=address,
        now=now,
        idle=idle or timedelta(minutes=15),
    )


def purge_sessions(db: Session, *, idle: timedelta, now: datetime | None = None) -> int:
    """Delete every sign-in session that has ended (idle too long, or older than 12 h); return how many."""
    now = now or utcnow()
    result = db.execute(
        delete(LoginSession).where(
            (LoginSession.last_seen_at < now - idle) | (LoginSession.created_at < now - MAX_SESSION_AGE)
        )
    )
    purged = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if purged:
        revoke_after_commit(db)
    return purged


def resolve_session(db: Session, token: str, *, idle: timedelta, now: datetime | None = None) -> Actor:
    """The actor a session token belongs to; an idle or unknown session raises AuthenticationError."""
    now = now or utcnow()
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
        revoke_after_commit(db)
        db.commit()
        why = (
            f"reached {MAX_SESSION_AGE.total_seconds() / 3600:g} h" if too_old else "expired after inactivity"
        )
        raise AuthenticationError(f"the session {why}: log in again")
    if now - session.last_seen_at > TOUCH_INTERVAL:
        session.last_seen_at = now
    return Actor(username=user.username, role=user.role, clinic_id=user.clinic_id, user_id=user.id)


def resolve_token(database: Database, token: str, *, idle: timedelta) -> Actor:
    """:func:`resolve_session` for a request, mostly without touching the database.

    A session resolved less than :data:`TOUCH_INTERVAL` ago is answered from
    ``database.signed_in`` (:mod:`dermaport.records.signed_in`). Otherwise it is looked up in a
    read-only unit of work, outside the writer lock; only when it has ended (to delete it) or
    its last use is older than :data:`TOUCH_INTERVAL` (to record this one) does a write
    transaction follow, which looks again under the lock. Idle expiry holds as in
    :func:`resolve_session`: a session unused for ``idle`` is refused and deleted.
    """
    cached = cached_actor(database, token, idle=idle)
    if cached is not None:
        return cached
    now = utcnow()
    digest = _token_digest(token)
    cache = database.signed_in
    generation = cache.generation()
    with database.reading() as db:
        found = db.execute(
            select(
                LoginSession.created_at,
                LoginSession.last_seen_at,
                User.username,
                User.role,
                User.clinic_id,
                User.id,
                User.active,
            )
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_sha256 == digest)
        ).one_or_none()
    if found is None:
        raise AuthenticationError("not signed in, or the session has ended: log in again")
    created_at, last_seen_at, username, role, clinic_id, user_id, active = found
    ended = now - last_seen_at > idle or now - created_at > MAX_SESSION_AGE or not active
    if ended or now - last_seen_at > TOUCH_INTERVAL:
        with database.transaction() as db:
            return resolve_session(db, token, idle=idle, now=now)  # the next lookup caches it
    actor = Actor(username=username, role=role, clinic_id=clinic_id, user_id=user_id)
    cache.put(digest, actor, created_at=created_at, last_seen_at=last_seen_at, generation=generation)
    return actor


def still_signed_in(db: Session, token: str, *, idle: timedelta) -> None:
    """Refuse (AuthenticationError) unless ``token``'s session still stands; reads only.

    For a request whose actor was resolved before its unit of work began (:func:`resolve_token`)
    when something was revoked since: run in the unit of work (on SQLite under the writer lock),
    so a logout, disabling or password reset that committed first stops the request.
    """
    now = utcnow()
    found = db.execute(
        select(LoginSession.created_at, LoginSession.last_seen_at, User.active)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_sha256 == _token_digest(token))
    ).one_or_none()
    if found is None:
        raise AuthenticationError("not signed in, or the session has ended: log in again")
    created_at, last_seen_at, active = found
    if not active or now - last_seen_at > idle or now - created_at > MAX_SESSION_AGE:
        raise AuthenticationError("the session has ended: log in again")


def cached_actor(database: Database, token: str, *, idle: timedelta) -> Actor | None:
    """The actor of a session :func:`resolve_token` read less than :data:`TOUCH_INTERVAL` ago, else None.

    No database work: None means "call :func:`resolve_token`".
    """
    return database.signed_in.get(
        _token_digest(token), now=utcnow(), fresh_for=min(TOUCH_INTERVAL, idle), max_age=MAX_SESSION_AGE
    )


def logout(db: Session, token: str, *, actor: str | None = None) -> None:
    """End the session ``token`` belongs to (nothing happens for an unknown token); audited."""
    ended = db.execute(delete(LoginSession).where(LoginSession.token_sha256 == _token_digest(token)))
    revoke_after_commit(db)
    if actor is not None or ended.rowcount:  # type: ignore[attr-defined]
        audit.append(db, actor=actor or "unknown", action="logout", entity="user")
