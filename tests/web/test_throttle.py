"""Login throttling: counted per account and address, atomic under concurrency, a delay not a lockout."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from dermaport.records.accounts import LOGIN_MAX_FAILURES, login_delay_s
from dermaport.records.models import AuditEntry, LoginAttempt, LoginSession, utcnow
from dermaport.web import create_app
from tests.web.conftest import PASSWORD, Api

WRONG = {"username": "owner", "password": "wrong wrong wrong"}
RIGHT = {"username": "owner", "password": PASSWORD}


def _client_at(api: Api, address: str) -> TestClient:
    return TestClient(create_app(api.database.settings, database=api.database), client=(address, 40000))


def test_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere(api: Api) -> None:
    attacker = _client_at(api, "198.51.100.7")
    for _ in range(LOGIN_MAX_FAILURES):
        assert attacker.post("/api/login", json=WRONG).status_code == 401
    refused = attacker.post("/api/login", json=RIGHT)
    assert refused.status_code == 429  # even the right password waits, from the guessing address
    assert 0 < int(refused.headers["Retry-After"]) <= 2
    assert "too many failed logins" in refused.json()["detail"]
    owner = _client_at(api, "192.0.2.10")
    assert owner.post("/api/login", json=RIGHT).status_code == 200  # the owner's own desk is not locked


def test_the_delay_grows_and_then_lets_a_try_through(api: Api) -> None:
    for _ in range(LOGIN_MAX_FAILURES):
        api.client.post("/api/login", json=WRONG)
    assert api.client.post("/api/login", json=WRONG).status_code == 429
    with api.database.transaction() as db:  # the delay (1 s) has passed
        db.execute(update(LoginAttempt).values(at=utcnow() - timedelta(seconds=2)))
    assert api.client.post("/api/login", json=WRONG).status_code == 401
    response = api.client.post("/api/login", json=WRONG)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == 2  # twice as long after one more failure
    assert [login_delay_s(n, 5) for n in (4, 5, 6, 7)] == [0, 1, 2, 4]
    assert login_delay_s(50, 5) == 900  # never longer than the window


def test_concurrent_guesses_are_counted_atomically(api: Api) -> None:
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def guess() -> None:
        barrier.wait()
        statuses.append(api.client.post("/api/login", json=WRONG).status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(401) == LOGIN_MAX_FAILURES  # evaluated; every other one refused unevaluated
    assert statuses.count(429) == 20 - LOGIN_MAX_FAILURES
    with api.database.transaction() as db:
        failed = db.scalar(select(func.count()).where(AuditEntry.action == "login_failed"))
    assert failed == LOGIN_MAX_FAILURES


def test_failed_logins_and_logout_are_audited_without_the_password(api: Api) -> None:
    api.client.post("/api/login", json={"username": "nobody", "password": "secret guess 1"})
    api.client.post("/api/login", json={"username": "owner", "password": "secret guess 2"})
    assert api.client.post("/api/logout", headers=api.headers["reception"]).status_code == 204
    with api.database.transaction() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(3)).all()
    logout, owner_guess, unknown_guess = entries
    assert (logout.actor, logout.action) == ("reception", "logout")
    assert (owner_guess.action, owner_guess.entity_id) == ("login_failed", str(api.actors["owner"].user_id))
    assert (unknown_guess.action, unknown_guess.entity_id, unknown_guess.actor) == (
        "login_failed",
        "",
        "anonymous",
    )
    assert "secret" not in repr([(e.detail, e.actor, e.entity_id) for e in entries])


def test_ended_sessions_are_purged_at_the_next_login(api: Api) -> None:
    with api.database.transaction() as db:
        db.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        assert db.scalar(select(func.count()).select_from(LoginSession)) == 3
    api.login("owner")
    with api.database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(LoginSession)) == 1
