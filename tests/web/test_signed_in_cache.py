"""The sign-ins resolved in the last seconds (never past the idle limit, the age limit or a revocation), and
passwords hashed only after the permission check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from dermaport.records.access import Actor
from dermaport.records.accounts import MAX_SESSION_AGE, TOUCH_INTERVAL, hash_password
from dermaport.records.models import utcnow
from dermaport.records.signed_in import SignedInCache, revoke_after_commit
from dermaport.web.routes import admin

from .conftest import Api

ACTOR = Actor(username="pia", role="practitioner", clinic_id=1, user_id=2)


def test_an_entry_serves_only_while_the_lookup_would_have_changed_nothing() -> None:
    cache = SignedInCache()
    now = utcnow()
    cache.put("d", ACTOR, created_at=now, last_seen_at=now, generation=cache.generation())
    limits = {"fresh_for": TOUCH_INTERVAL, "max_age": MAX_SESSION_AGE}
    assert cache.get("d", now=now + TOUCH_INTERVAL - timedelta(microseconds=1), **limits) == ACTOR
    assert cache.get("d", now=now + TOUCH_INTERVAL, **limits) is None
    assert cache.get("other", now=now, **limits) is None
    old = now - MAX_SESSION_AGE + timedelta(seconds=1)
    cache.put("old", ACTOR, created_at=old, last_seen_at=now, generation=cache.generation())
    assert cache.get("old", now=now, **limits) == ACTOR
    assert cache.get("old", now=now + timedelta(seconds=1), **limits) is None


def test_a_committed_revocation_drops_entries_and_a_racing_lookup_is_not_stored(api: Api) -> None:
    cache = SignedInCache()
    now = utcnow()
    before = cache.generation()
    cache.put("d", ACTOR, created_at=now, last_seen_at=now, generation=before)
    limits = {"fresh_for": TOUCH_INTERVAL, "max_age": MAX_SESSION_AGE}
    with Session(api.database.engine) as db:
        revoke_after_commit(db)
        db.rollback()
    assert cache.get("d", now=now, **limits) == ACTOR  # a rolled-back revocation changed nothing
    with Session(api.database.engine) as db:
        revoke_after_commit(db)
        db.commit()
    assert cache.get("d", now=now, **limits) is None
    cache.put("d", ACTOR, created_at=now, last_seen_at=now, generation=before)  # read before the revocation
    assert cache.get("d", now=now, **limits) is None


def test_logout_disabling_and_a_password_reset_end_a_cached_session_at_once(api: Api) -> None:
    owner = api.headers["owner"]
    users = {u["username"]: u["id"] for u in api.client.get("/api/users", headers=owner).json()}

    headers = api.login("reception")
    assert api.client.get("/api/me", headers=headers).status_code == 200  # resolved, now in the cache
    assert api.client.post("/api/logout", headers=headers).status_code == 204
    assert api.client.get("/api/me", headers=headers).status_code == 401

    headers = api.login("reception")
    assert api.client.get("/api/me", headers=headers).status_code == 200
    api.client.patch(f"/api/users/{users['reception']}", json={"active": False}, headers=owner)
    assert api.client.get("/api/me", headers=headers).status_code == 401
    api.client.patch(f"/api/users/{users['reception']}", json={"active": True}, headers=owner)

    headers = api.login("reception")
    assert api.client.get("/api/me", headers=headers).status_code == 200
    new_password = {"password": "another long passphrase"}
    reset = api.client.put(f"/api/users/{users['reception']}/password", json=new_password, headers=owner)
    assert reset.status_code == 204
    assert api.client.get("/api/me", headers=headers).status_code == 401


def test_a_password_is_hashed_only_after_the_permission_check(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []

    def spy(password: str) -> str:
        hashed.append(password)
        return hash_password(password)

    monkeypatch.setattr(admin, "hash_password", spy)
    reception = api.headers["reception"]
    body = {"password": "a long enough passphrase"}
    assert api.client.put("/api/users/1/password", json=body, headers=reception).status_code == 403
    new_user = {"username": "newbie", "role": "reception", **body}
    assert api.client.post("/api/users", json=new_user, headers=reception).status_code == 403
    assert hashed == []
    assert api.client.post("/api/users", json=new_user, headers=api.headers["owner"]).status_code == 201
    assert hashed == [body["password"]]
