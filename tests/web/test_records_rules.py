"""What the records refuse and keep: erasure that stays done, audit coverage, clinic validation, search."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from dermaport.records.models import AuditEntry, Consent, SessionOutcome, utcnow
from tests.web.conftest import Api
from tests.web.routes import ALLOWED, make_fixtures, request_for

WRITES = {"POST", "PUT", "PATCH"}


def _audit_count(api: Api) -> int:
    with api.database.transaction() as db:
        return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_every_route_that_writes_appends_to_the_audit_chain(api: Api) -> None:
    fixtures = make_fixtures(api)
    for method, template in sorted(k for k in ALLOWED if k[0] in WRITES):
        url, body = request_for(api, fixtures, method, template)
        headers = api.login("owner") if template == "/api/logout" else api.headers["owner"]
        before = _audit_count(api)
        response = api.client.request(method, url, json=body, headers=headers)
        assert response.is_success, (method, template, response.text)
        assert _audit_count(api) > before, (method, template)


def test_an_erased_client_accepts_no_new_data_and_keeps_no_signature(api: Api) -> None:
    fixtures = make_fixtures(api)
    owner, reception = api.headers["owner"], api.headers["reception"]
    base = f"/api/clients/{fixtures.client_id}"
    assert api.client.post(f"{base}/erase", headers=owner).status_code == 200
    refused: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", base, {"given_name": "Anna", "email": "anna.berg@example.com"}),
        ("POST", f"{base}/notes", {"text": "still here"}),
        (
            "POST",
            f"{base}/consents",
            {"form": "f", "form_version": "1", "text": "t", "signature": "Anna Berg"},
        ),
        (
            "POST",
            f"{base}/appointments",
            {"starts_at": (utcnow() + timedelta(days=2)).isoformat(), "duration_min": 30},
        ),
        ("PUT", f"{base}/sessions/{fixtures.session_id}/outcome", {"outcome": "fine"}),
    ]
    for method, url, body in refused:
        response = api.client.request(
            method, url, json=body, headers=reception if method == "PATCH" else owner
        )
        assert response.status_code == 409, (method, url, response.text)
        assert "erased" in response.json()["detail"]
    contact = api.client.get(base, headers=owner).json()["contact"]
    assert (contact["given_name"], contact["email"]) == ("erased", None)
    with api.database.transaction() as db:
        signatures = list(
            db.scalars(select(Consent.signature).where(Consent.client_id == fixtures.client_id))
        )
    assert signatures == [""]
    assert api.client.get("/api/clients", params={"q": "Silva"}, headers=owner).json() == []


def test_an_outcome_change_keeps_the_earlier_one(api: Api) -> None:
    fixtures = make_fixtures(api)
    url = f"/api/clients/{fixtures.client_id}/sessions/{fixtures.session_id}/outcome"
    headers = api.headers["practitioner"]
    api.client.put(url, json={"outcome": "Even tone."}, headers=headers)
    second = api.client.put(url, json={"outcome": "Erythema at 24 h."}, headers=headers).json()
    assert second["outcome"] == "Erythema at 24 h."
    assert [h["outcome"] for h in second["outcome_history"]] == ["Even tone.", "Erythema at 24 h."]
    with api.database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(SessionOutcome)) == 2
        entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    revisions = [h["id"] for h in second["outcome_history"]]
    assert entry.detail == {"fields": ["outcome"], "revision": revisions[1], "replaces": revisions[0]}


def test_patch_tests_are_applied_then_read_a_day_later(api: Api) -> None:
    fixtures = make_fixtures(api)
    headers = api.headers["practitioner"]
    base = f"/api/clients/{fixtures.client_id}/patch-tests"
    applied = api.client.post(base, json={"site": "inner forearm"}, headers=headers).json()
    assert (applied["result"], applied["read_at"]) == ("pending", None)
    too_soon = api.client.put(f"{base}/{applied['id']}/reading", json={"result": "negative"}, headers=headers)
    assert too_soon.status_code == 400
    assert "at least 24 h" in too_soon.json()["detail"]
    now = utcnow()
    backwards = {"site": "arm", "applied_at": now.isoformat(), "result": "negative",
                 "read_at": (now - timedelta(days=5 * 365)).isoformat()}  # fmt: skip
    assert api.client.post(base, json=backwards, headers=headers).status_code == 400
    minute = {**backwards, "read_at": (now + timedelta(minutes=1)).isoformat(),
              "applied_at": now.isoformat()}  # fmt: skip
    assert api.client.post(base, json=minute, headers=headers).status_code == 400
    earlier = {"site": "arm", "applied_at": (now - timedelta(hours=30)).isoformat()}
    pending = api.client.post(base, json=earlier, headers=headers).json()
    read = api.client.put(f"{base}/{pending['id']}/reading", json={"result": "positive"}, headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["result"] == "positive"
    assert read.json()["read_at"] > read.json()["applied_at"]
    again = api.client.put(f"{base}/{pending['id']}/reading", json={"result": "negative"}, headers=headers)
    assert again.status_code == 409


def test_lots_products_and_bookings_a_clinic_would_refuse(api: Api) -> None:
    fixtures = make_fixtures(api)
    headers = api.headers["owner"]
    lots = f"/api/products/{fixtures.product_id}/lots"
    assert (
        api.client.post(
            lots, json={"lot_number": "OLD", "expires_on": "2020-01-31"}, headers=headers
        ).status_code
        == 400
    )
    for product in (
        {"name": "Dust", "active": "unicorn dust", "concentration": "3 %"},
        {"name": "Strong", "active": "other", "concentration": "900 %"},
        {"name": "Too much", "active": "tranexamic acid", "concentration": "50 %"},  # 500 mg/mL > 167
    ):
        assert api.client.post("/api/products", json=product, headers=headers).status_code == 400, product
    ok = {"name": "TXA 3", "active": "tranexamic acid", "concentration": "3 %"}
    assert api.client.post("/api/products", json=ok, headers=headers).status_code == 201
    other = {"name": "House blend", "active": "other", "concentration": "2 %"}
    assert api.client.post("/api/products", json=other, headers=headers).status_code == 201
    book = f"/api/clients/{fixtures.client_id}/appointments"
    practitioner = api.actors["practitioner"].user_id
    start = (utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    first = {"starts_at": start.isoformat(), "duration_min": 60, "practitioner_id": practitioner}
    assert api.client.post(book, json=first, headers=headers).status_code == 201
    clash = {**first, "starts_at": (start + timedelta(minutes=30)).isoformat()}
    assert api.client.post(book, json=clash, headers=headers).status_code == 409
    after = {**first, "starts_at": (start + timedelta(minutes=60)).isoformat()}
    assert api.client.post(book, json=after, headers=headers).status_code == 201
    room = {"starts_at": start.isoformat(), "duration_min": 30, "room": "Room 2"}
    assert api.client.post(book, json=room, headers=headers).status_code == 201
    assert api.client.post(book, json=room, headers=headers).status_code == 409
    past = {"starts_at": "2020-06-01T10:00:00+00:00", "duration_min": 30}
    assert api.client.post(book, json=past, headers=headers).status_code == 400


def test_contact_details_a_clinic_would_refuse(api: Api) -> None:
    headers = api.headers["reception"]
    for bad in (
        {"date_of_birth": "2030-01-01"},
        {"email": "not-an-email"},
        {"phone": "call me"},
    ):
        body = {"given_name": "Anna", "family_name": "Berg", **bad}
        response = api.client.post("/api/clients", json=body, headers=headers)
        assert response.status_code == 422, bad
        field = next(iter(bad))
        assert response.json()["detail"].startswith(f"{field}:")
        assert str(bad[field]) not in response.json()["detail"]


def test_search_by_any_part_of_name_phone_email_or_birth_date(api: Api) -> None:
    headers = api.headers["reception"]
    people = [
        {"given_name": "Żaneta", "family_name": "Łukasik-Øberg", "email": "zaneta@example.pl",
         "phone": "+48 600 123 456", "date_of_birth": "1985-04-12"},
        {"given_name": "Anna", "family_name": "Berg", "email": "anna.berg@example.com"},
    ]  # fmt: skip
    ids = [api.client.post("/api/clients", json=p, headers=headers).json()["id"] for p in people]

    def found(q: str) -> list[int]:
        response = api.client.get("/api/clients", params={"q": q}, headers=headers)
        assert response.status_code == 200
        return [c["id"] for c in response.json()]

    assert found("zan") == [ids[0]]
    assert found("ZANETA") == [ids[0]]
    assert found("lukasik") == [ids[0]]
    assert found("600 123") == [ids[0]]
    assert found("600-123-456") == [ids[0]]
    assert found("1985-04") == [ids[0]]
    assert found("12.04.1985") == [ids[0]]
    assert found("BERG") == ids  # Berg, and Øberg folded
    assert found("example.com") == [ids[1]]
    assert found("100%") == []
    assert found("_") == []


def test_the_owner_lists_disables_and_resets_users(api: Api) -> None:
    owner = api.headers["owner"]
    users = {u["username"]: u for u in api.client.get("/api/users", headers=owner).json()}
    reception = users["reception"]["id"]
    assert (
        api.client.patch(f"/api/users/{reception}", json={"active": False}, headers=owner).json()["active"]
        is False
    )
    assert api.client.get("/api/me", headers=api.headers["reception"]).status_code == 401  # sessions ended
    login = {"username": "reception", "password": "correct horse battery staple"}
    assert api.client.post("/api/login", json=login).status_code == 401
    api.client.patch(f"/api/users/{reception}", json={"active": True}, headers=owner)
    reset = api.client.put(
        f"/api/users/{reception}/password", json={"password": "a brand new passphrase"}, headers=owner
    )
    assert reset.status_code == 204
    assert api.client.post("/api/login", json=login).status_code == 401
    assert (
        api.client.post("/api/login", json={**login, "password": "a brand new passphrase"}).status_code == 200
    )
    own = api.actors["owner"].user_id
    assert api.client.patch(f"/api/users/{own}", json={"active": False}, headers=owner).status_code == 400
