"""The API: sign-in, idle expiry, throttled logins, refusal of an unmigrated database, JSON errors."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from dermaport.cli import main
from dermaport.config import Settings
from dermaport.errors import DatabaseNotMigratedError
from dermaport.records.accounts import LOGIN_MAX_FAILURES
from dermaport.records.models import LoginSession, utcnow
from dermaport.web import create_app
from tests.web.conftest import PASSWORD, Api


def test_health_and_schema_need_no_session(api: Api) -> None:
    assert api.client.get("/health").json()["status"] == "ok"
    schema = api.client.get("/openapi.json").json()
    assert schema["info"]["title"] == "dermaport clinic records"
    assert any(path.endswith("/login") for path in schema["paths"])


def test_login_sets_a_cookie_that_signs_requests_and_logout_ends_it(api: Api) -> None:
    response = api.client.post("/api/login", json={"username": "reception", "password": PASSWORD})
    assert response.status_code == 200
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    assert "password_hash" not in response.text
    assert api.client.get("/api/me").json() == {"username": "reception", "role": "reception", "clinic_id": 1}
    csrf = {"Origin": "http://testserver", "X-CSRF-Token": response.json()["csrf_token"]}
    assert api.client.post("/api/logout").status_code == 403  # a cookie-signed write needs the token
    assert api.client.post("/api/logout", headers=csrf).status_code == 204
    api.client.cookies.clear()
    token = response.json()["token"]
    assert api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_wrong_password_and_an_unknown_user_read_the_same(api: Api) -> None:
    wrong = api.client.post("/api/login", json={"username": "owner", "password": "nope nope nope"})
    unknown = api.client.post("/api/login", json={"username": "nobody", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_a_session_expires_after_inactivity(api: Api) -> None:
    headers = api.headers["owner"]
    assert api.client.get("/api/me", headers=headers).status_code == 200
    idle = timedelta(minutes=api.database.settings.session_idle_minutes)
    with api.database.transaction() as db:
        db.execute(update(LoginSession).values(last_seen_at=utcnow() - idle - timedelta(seconds=1)))
    api.database.signed_in.clear()  # the idle time passing would have aged the 10 s cache out too
    response = api.client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert "expired after inactivity" in response.json()["detail"]
    assert api.client.get("/api/me", headers=headers).status_code == 401  # and it stays ended


def test_a_busy_session_still_ends_after_12_hours(api: Api) -> None:
    headers = api.headers["owner"]
    with api.database.transaction() as db:
        db.execute(update(LoginSession).values(created_at=utcnow() - timedelta(hours=12, seconds=1)))
    api.database.signed_in.clear()  # as the 12 h passing would have aged the 10 s cache out
    response = api.client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert "reached 12 h" in response.json()["detail"]


def test_logins_are_throttled_after_repeated_failures(api: Api) -> None:
    for _ in range(LOGIN_MAX_FAILURES):
        assert (
            api.client.post("/api/login", json={"username": "owner", "password": "guess guess"}).status_code
            == 401
        )
    response = api.client.post("/api/login", json={"username": "owner", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "too many failed logins" in response.json()["detail"]
    other = api.client.post("/api/login", json={"username": "reception", "password": PASSWORD})
    assert other.status_code == 200  # another user from the same address is not yet blocked


def test_validation_errors_and_missing_records_are_4xx(api: Api) -> None:
    owner = api.headers["owner"]
    assert api.client.get("/api/clients/999", headers=owner).status_code == 404
    assert api.client.get("/api/clients/0", headers=owner).status_code == 422
    bad = api.client.post("/api/clients", json={"given_name": "", "family_name": "X"}, headers=owner)
    assert bad.status_code == 422
    nul = api.client.post("/api/clients", json={"given_name": "A\x00", "family_name": "X"}, headers=owner)
    assert nul.status_code == 422
    ancient = {"starts_at": "0001-01-01T00:00:00+00:01", "duration_min": 100}  # found by the fuzz run
    created = api.client.post("/api/clients", json={"given_name": "A", "family_name": "X"}, headers=owner)
    booked = api.client.post(f"/api/clients/{created.json()['id']}/appointments", json=ancient, headers=owner)
    assert booked.status_code == 422
    assert "1900–2200" in booked.text
    weak = api.client.post(
        "/api/users", json={"username": "kim", "role": "reception", "password": "short"}, headers=owner
    )
    assert weak.status_code == 400
    assert "too short" in weak.json()["detail"]


def test_an_unmigrated_database_is_refused(settings: Settings, empty_database_url: str) -> None:
    with pytest.raises(DatabaseNotMigratedError, match="dermaport db upgrade"):
        create_app(settings, database_url=empty_database_url)


def test_serve_refuses_an_unmigrated_database_in_one_line(
    capsys: pytest.CaptureFixture[str], empty_database_url: str
) -> None:
    assert main(["serve", "--port", str(_free_port()), "--database-url", empty_database_url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the records database")
    assert "run `dermaport db upgrade`" in err
    assert err.count("\n") == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_on_a_port_in_use_says_so_in_one_line_before_writing_anything(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DERMAPORT_DATA_DIR", str(tmp_path / "data"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        assert main(["serve", "--demo", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"error: port {port} on 127.0.0.1 is in use (another dermaport serve?): stop it, or pick another "
        f"port, e.g. --port {port + 1}\n"
    )
    assert captured.out == ""  # no address to open, no one-time password
    assert not (tmp_path / "data").exists()  # no database prepared


@pytest.mark.parametrize("argv", [["--port", "abc"], ["--port=abc"]])
def test_an_option_value_that_does_not_parse_is_named_with_an_example(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --port 'abc' is not valid (")
    assert "e.g. --port 8000" in err
    assert err.count("\n") == 1


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert "--port 70000" in err
    assert "--port 8000" in err


@pytest.mark.parametrize("host", ["", " ", "http://127.0.0.1", "127.0.0.1/login"])
def test_serve_refuses_a_bad_host(capsys: pytest.CaptureFixture[str], host: str) -> None:
    assert main(["serve", "--demo", "--host", host]) == 2
    err = capsys.readouterr().err
    assert f"--host {host!r}" in err
    assert "--host 127.0.0.1" in err
    assert err.count("\n") == 1


def test_a_client_of_another_clinic_is_not_found(api: Api) -> None:
    from dermaport.records.accounts import add_user

    with api.database.transaction() as db:
        add_user(db, "test", username="elsewhere", role="owner", password=PASSWORD, clinic="Clinic B")
    created = api.client.post(
        "/api/clients", json={"given_name": "A", "family_name": "B"}, headers=api.headers["owner"]
    )
    other = api.login("elsewhere")
    assert api.client.get(f"/api/clients/{created.json()['id']}", headers=other).status_code == 404
    assert api.client.get("/api/clients", headers=other).json() == []


def test_app_closes_its_own_database(settings: Settings, database_url: str) -> None:
    with TestClient(create_app(settings, database_url=database_url)) as client:
        assert client.get("/health").status_code == 200


def test_audit_verify_over_the_api_names_a_deleted_entry(api: Api) -> None:
    owner = api.headers["owner"]
    api.client.post("/api/clients", json={"given_name": "A", "family_name": "B"}, headers=owner)
    intact = api.client.get("/api/audit/verify", headers=owner).json()
    assert intact["intact"] is True
    assert intact["bad_entry"] is None
    with api.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    broken = api.client.get("/api/audit/verify", headers=owner).json()
    assert (broken["intact"], broken["bad_entry"]) == (False, 2)
    assert broken["problem"] == "entry 2 is missing (deleted)"
