"""Request protections: CSRF for cookie-signed writes, security headers, body and pixel limits, 0600 files."""

from __future__ import annotations

import base64
import io
import stat
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from dermaport.records.engine import make_engine
from dermaport.web import create_app
from dermaport.web.security import JSON_BODY_LIMIT
from tests.web.conftest import PASSWORD, Api
from tests.web.routes import make_fixtures

SITE = "http://testserver"


def _cookie_login(api: Api, username: str = "owner") -> str:
    """Sign in with the cookie (as a browser page would); return the CSRF token."""
    response = api.client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    token: str = response.json()["csrf_token"]
    return token


def _erased(api: Api, client_id: int) -> bool:
    response = api.client.get(f"/api/clients/{client_id}", headers=api.headers["owner"])
    return bool(response.json()["erased_at"])


def test_a_cookie_signed_erasure_from_another_origin_or_port_is_403(api: Api) -> None:
    fixtures = make_fixtures(api)
    _cookie_login(api)
    url = f"/api/clients/{fixtures.client_id}/erase"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for origin in ("http://127.0.0.1:9999", "http://testserver:9999", "https://evil.example", "null"):
        response = api.client.post(url, content=b"x=1", headers={**form, "Origin": origin})
        assert response.status_code == 403, origin
        assert "cross-site" in response.json()["detail"]
    referer = api.client.post(url, content=b"x=1", headers={**form, "Referer": "http://127.0.0.1:9999/a"})
    assert referer.status_code == 403
    assert api.client.post(url, content=b"x=1", headers=form).status_code == 403  # neither header
    assert not _erased(api, fixtures.client_id)


def test_a_same_origin_cookie_write_needs_the_session_token(api: Api) -> None:
    fixtures = make_fixtures(api)
    token = _cookie_login(api)
    url = f"/api/clients/{fixtures.client_id}/erase"
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": SITE}
    assert api.client.post(url, content=b"csrf_token=wrong", headers=form).status_code == 403
    assert api.client.post(url, headers={"Origin": SITE, "X-CSRF-Token": "0" * 64}).status_code == 403
    assert not _erased(api, fixtures.client_id)
    accepted = api.client.post(url, content=f"csrf_token={token}".encode(), headers=form)
    assert accepted.status_code == 200, accepted.text
    assert _erased(api, fixtures.client_id)
    note = api.client.post(
        "/api/clients",
        json={"given_name": "Lea", "family_name": "Moreau"},
        headers={"Origin": SITE, "X-CSRF-Token": token},
    )
    assert note.status_code == 201


def test_a_multipart_form_may_carry_the_token(api: Api) -> None:
    token = _cookie_login(api)
    response = api.client.post("/api/logout", files={"csrf_token": (None, token)}, headers={"Origin": SITE})
    assert response.status_code == 204


def test_bearer_clients_are_not_affected(api: Api) -> None:
    response = api.client.post(
        "/api/clients",
        json={"given_name": "Lea", "family_name": "Moreau"},
        headers={**api.headers["owner"], "Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 201


def test_the_configured_site_origin_is_the_one_accepted(api: Api) -> None:
    settings = api.database.settings.model_copy(update={"site_origins": ("https://clinic.example",)})
    with TestClient(create_app(settings, database=api.database)) as client:
        login = client.post("/api/login", json={"username": "owner", "password": PASSWORD})
        csrf = login.json()["csrf_token"]
        body = {"given_name": "Lea", "family_name": "Moreau"}
        own_host = client.post("/api/clients", json=body, headers={"Origin": SITE, "X-CSRF-Token": csrf})
        assert own_host.status_code == 403  # the configured origin, not the Host header, counts
        proxied = {"Origin": "https://clinic.example", "X-CSRF-Token": csrf}
        assert client.post("/api/clients", json=body, headers=proxied).status_code == 201


def test_security_headers_on_data_errors_and_photos(api: Api) -> None:
    fixtures = make_fixtures(api)
    owner = api.headers["owner"]
    for url, status in (
        (f"/api/clients/{fixtures.client_id}", 200),
        (f"/api/clients/{fixtures.client_id}/photos/{fixtures.photo_id}", 200),
        ("/api/clients/999", 404),
        ("/api/me", 200),
    ):
        response = api.client.get(url, headers=owner)
        assert response.status_code == status
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
    assert api.client.get("/api/me").headers["x-content-type-options"] == "nosniff"  # on a 401 too


def test_a_body_over_the_limit_is_413_before_it_is_read(api: Api) -> None:
    owner = {**api.headers["owner"], "Content-Type": "application/json"}
    big = b'{"given_name": "' + b"a" * (JSON_BODY_LIMIT + 10) + b'", "family_name": "b"}'
    response = api.client.post("/api/clients", content=big, headers=owner)
    assert response.status_code == 413
    assert "bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"given_name": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'", "family_name": "b"}'

    streamed = api.client.post("/api/clients", content=chunks(), headers=owner)
    assert streamed.status_code == 413
    fixtures = make_fixtures(api)
    photo = {"consent_id": fixtures.consent_id, "kind": "after", "image_base64": "A" * (2 * JSON_BODY_LIMIT)}
    assert (
        api.client.post(f"/api/clients/{fixtures.client_id}/photos", json=photo, headers=owner).status_code
        == 400
    )


def test_a_picture_over_the_pixel_limit_is_413(api: Api) -> None:
    fixtures = make_fixtures(api)
    out = io.BytesIO()
    Image.new("L", (6000, 5000)).save(out, format="PNG")  # 30 megapixels, a few kB
    body = {
        "consent_id": fixtures.consent_id,
        "kind": "after",
        "image_base64": base64.b64encode(out.getvalue()).decode(),
    }
    response = api.client.post(
        f"/api/clients/{fixtures.client_id}/photos", json=body, headers=api.headers["practitioner"]
    )
    assert response.status_code == 413
    assert "megapixels" in response.json()["detail"]


def test_database_and_photos_are_created_owner_only(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "new" / "records.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
        conn.commit()
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    make_fixtures(api)
    photos = list(api.database.photo_dir.iterdir())
    assert photos
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in photos)
