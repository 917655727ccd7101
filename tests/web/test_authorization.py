"""Walk every route of the OpenAPI schema: 401 without a session, and each role gets what it may."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dermaport.records.models import AuditEntry
from tests.web.conftest import ROLES, Api
from tests.web.routes import ALLOWED, PUBLIC, make_fixtures, request_for

METHODS = {"get", "post", "put", "patch", "delete"}


def _schema_routes(api: Api) -> set[tuple[str, str]]:
    schema = api.client.get("/openapi.json").json()
    return {(m.upper(), path) for path, item in schema["paths"].items() for m in item if m in METHODS}


def test_the_table_covers_every_route_of_the_schema(api: Api) -> None:
    assert _schema_routes(api) == set(ALLOWED) | PUBLIC


def test_without_a_session_every_route_but_login_and_health_answers_401(api: Api) -> None:
    fixtures = make_fixtures(api)
    for method, template in sorted(_schema_routes(api) - PUBLIC):
        url, body = request_for(api, fixtures, method, template)
        response = api.client.request(method, url, json=body)
        assert response.status_code == 401, (method, template, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api.client.get("/health").json()["status"] == "ok"
    bad = api.client.request("GET", "/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def _audit_entries(api: Api) -> int:
    with api.database.transaction() as db:
        return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_it_may(api: Api, role: str) -> None:
    fixtures = make_fixtures(api)
    for method, template in sorted(_schema_routes(api) - PUBLIC):
        url, body = request_for(api, fixtures, method, template)
        # logging out ends the session, so it gets one of its own
        headers = api.login(role) if template == "/api/logout" else api.headers[role]
        before = _audit_entries(api)
        response = api.client.request(method, url, json=body, headers=headers)
        if role in ALLOWED[(method, template)]:
            assert 200 <= response.status_code < 300, (role, method, template, response.text)
            if template.startswith("/api/clients"):  # client data: every read and write is audited
                assert _audit_entries(api) > before, (method, template)
        else:
            assert response.status_code == 403, (role, method, template, response.text)
            assert role in response.json()["detail"]
            assert _audit_entries(api) == before + 1  # the refused attempt is recorded


def test_reception_sees_contact_details_not_clinical_notes(api: Api) -> None:
    fixtures = make_fixtures(api)
    practitioner, reception = api.headers["practitioner"], api.headers["reception"]
    note = {"text": "Responded well; mild tingling."}
    assert api.client.post(
        f"/api/clients/{fixtures.client_id}/notes", json=note, headers=practitioner
    ).is_success
    contact = api.client.get(f"/api/clients/{fixtures.client_id}", headers=reception)
    assert contact.json()["contact"]["phone"] == "+351 900 000 000"
    assert "tingling" not in contact.text
    assert api.client.get(f"/api/clients/{fixtures.client_id}/record", headers=reception).status_code == 403
    with api.database.transaction() as db:
        denied = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (denied.actor, denied.action, denied.client_id) == ("reception", "denied", fixtures.client_id)
    assert denied.entity_id == "GET /api/clients/{client_id}/record"
    record = api.client.get(f"/api/clients/{fixtures.client_id}/record", headers=practitioner)
    assert record.json()["notes"][0]["text"] == note["text"]
