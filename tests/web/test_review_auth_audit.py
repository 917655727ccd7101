"""Review of records-speed: a failed audit batch fails the read; a request whose sign-in was resolved
(from the cache) before its user was disabled is refused in its unit of work, write or read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dermaport.records import audit
from dermaport.records.accounts import set_user_active
from dermaport.records.models import AuditEntry, Client
from dermaport.web import deps

from .conftest import Api


def _new_client(api: Api) -> int:
    body = {"given_name": "Zuzana", "family_name": "Review"}
    response = api.client.post("/api/clients", json=body, headers=api.headers["practitioner"])
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_read_whose_audit_batch_fails_sends_no_client_data(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_id = _new_client(api)

    def broken(*_args: object, **_kwargs: object) -> list[AuditEntry]:
        raise RuntimeError("audit store down")

    # every append writes through append_rows
    monkeypatch.setattr(audit, "append_rows", broken)
    with TestClient(api.client.app, raise_server_exceptions=False) as client:
        response = client.get(f"/api/clients/{client_id}", headers=api.headers["practitioner"])
    assert response.status_code >= 500
    assert "Zuzana" not in response.text
    assert "Review" not in response.text


def test_a_write_authorised_before_a_disable_commits_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = api.login("reception")
    assert api.client.get("/api/me", headers=headers).status_code == 200  # now cached
    owner = api.actors["owner"]
    reception_id = api.actors["reception"].user_id
    assert reception_id is not None
    fired: list[bool] = []
    real = deps.lower_priority

    def disable_first() -> None:  # runs in the endpoint's thread, after the actor was resolved
        if not fired:
            fired.append(True)
            with api.database.transaction() as db:
                set_user_active(db, owner, reception_id, active=False)
        real()

    monkeypatch.setattr(deps, "lower_priority", disable_first)
    with api.database.transaction() as db:
        before = db.scalar(select(func.count()).select_from(Client))
    response = api.client.post(
        "/api/clients", json={"given_name": "Late", "family_name": "Write"}, headers=headers
    )
    with api.database.transaction() as db:
        after = db.scalar(select(func.count()).select_from(Client))
    assert fired
    assert response.status_code == 401, response.text
    assert after == before


def test_a_read_authorised_before_a_disable_commits_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_id = _new_client(api)
    headers = api.login("practitioner")
    assert api.client.get("/api/me", headers=headers).status_code == 200  # now cached
    owner = api.actors["owner"]
    practitioner_id = api.actors["practitioner"].user_id
    assert practitioner_id is not None
    fired: list[bool] = []
    real = deps.lower_priority

    def disable_first() -> None:
        if not fired:
            fired.append(True)
            with api.database.transaction() as db:
                set_user_active(db, owner, practitioner_id, active=False)
        real()

    monkeypatch.setattr(deps, "lower_priority", disable_first)
    response = api.client.get(f"/api/clients/{client_id}", headers=headers)
    assert fired
    assert response.status_code == 401, response.text
    assert "Zuzana" not in response.text
