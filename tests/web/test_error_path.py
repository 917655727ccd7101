"""One error path that never leaks: malformed bodies are 422 {"detail": str}, nothing personal logged."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest

from tests.web.conftest import Api
from tests.web.routes import ALLOWED, PUBLIC, make_fixtures, request_for

MARKER = "ZQXMARKER"


def _planted(body: Any, tag: str) -> Any:
    """The body with every string value carrying a marker (kept valid where the field allows it)."""
    if isinstance(body, dict):
        return {k: _planted(v, tag) for k, v in body.items()}
    if isinstance(body, list):
        return [_planted(v, tag) for v in body]
    if isinstance(body, str) and not body[:1].isdigit() and len(body) < 200 and body.isascii():
        return f"{body} {MARKER}{tag}"
    return body


def _raw(body: dict[str, Any], replacement: str) -> str:
    """The body as JSON text with each string value replaced by raw JSON (e.g. NaN, a lone surrogate)."""
    return "{" + ", ".join(f"{json.dumps(k)}: {replacement}" for k in body) + "}"


def _server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (the test client's own request lines left out)."""
    return "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if not r.name.startswith("httpx")
    )


def _assert_refusal_shape(response: Any) -> None:
    """A 4xx in the documented shape; no submitted value in a 422, nor in any refusal about a person.

    A records refusal (400/409) may name a non-personal value it refuses (a product's active, a
    lot number, a plan's product or concern: catalogue names), as the project's messages do.
    """
    assert response.status_code < 500, (response.request.url, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"detail"}
        assert isinstance(body["detail"], str)
        path = response.request.url.path
        catalogue = path.startswith("/api/products") or path.endswith("/plans")
        if response.status_code == 422 or not catalogue:
            assert MARKER not in body["detail"], response.request.url


def test_planted_markers_never_reach_the_log_nor_an_error_body(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    fixtures = make_fixtures(api)
    caplog.set_level(logging.DEBUG)
    headers = api.headers["owner"]
    routes = sorted(set(ALLOWED) | PUBLIC)
    for n, (method, template) in enumerate(routes):
        url, body = request_for(api, fixtures, method, template)
        if template == "/api/logout":
            continue
        query = f"?q={MARKER}q{n}" if template == "/api/clients" and method == "GET" else ""
        if body is None:
            _assert_refusal_shape(api.client.request(method, url + query, headers=headers))
            continue
        planted = _planted(body, str(n))
        if template == "/api/login":
            planted = {"username": f"owner{MARKER}", "password": f"pw {MARKER}{n}"}
        _assert_refusal_shape(api.client.request(method, url, json=planted, headers=headers))
        for raw in ('"x \\ud83d"', "NaN", "1e999", "-Infinity", '"' + MARKER + '\\u0000"'):
            response = api.client.request(
                method,
                url,
                content=_raw(planted, raw) if "MARKER" not in raw else _raw(body, raw),
                headers={**headers, "Content-Type": "application/json"},
            )
            _assert_refusal_shape(response)
            refused = response.status_code in (400, 401, 409, 413, 422)
            assert refused or "MARKER" in raw, (method, template, raw, response.text)  # NUL: passwords
        binary = api.client.request(
            method, url, files={"file": ("x.png", b"\x89PNG\xff\xfe" + MARKER.encode())}, headers=headers
        )
        _assert_refusal_shape(binary)
        assert binary.status_code == 422, (method, template, binary.text)
    logged = _server_log(caplog)
    assert MARKER not in logged
    assert "argon2" not in logged
    assert "Traceback" not in logged


def test_a_lone_surrogate_in_a_note_is_422_naming_the_field(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    fixtures = make_fixtures(api)
    caplog.set_level(logging.DEBUG)
    response = api.client.post(
        f"/api/clients/{fixtures.client_id}/notes",
        content='{"text": "Client reports HIV medication; rosacea flare \\ud83d"}',
        headers={**api.headers["practitioner"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("text:")
    assert "HIV" not in response.text
    assert "HIV" not in _server_log(caplog)


@pytest.mark.parametrize("number", ["NaN", "1e999", "Infinity"])
def test_a_non_finite_number_is_422(api: Api, number: str) -> None:
    fixtures = make_fixtures(api)
    response = api.client.post(
        f"/api/clients/{fixtures.client_id}/screenings",
        content='{"questionnaire_version": "1", "answers": {"age": ' + number + '}, "verdict": "suitable"}',
        headers={**api.headers["practitioner"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_a_422_never_echoes_a_password(api: Api) -> None:
    response = api.client.post(
        "/api/users",
        json={"username": "kim", "role": "boss", "password": "my secret passphrase"},
        headers=api.headers["owner"],
    )
    assert response.status_code == 422
    assert "secret" not in response.text
    assert response.json()["detail"].startswith("role:")


def test_concurrent_duplicate_usernames_are_409_and_log_no_hash(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"username": "twin", "role": "reception", "password": "a long enough password"}
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def post() -> None:
        barrier.wait()
        statuses.append(api.client.post("/api/users", json=body, headers=api.headers["owner"]).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 7
    assert "argon2" not in _server_log(caplog)
    assert "password" not in _server_log(caplog)


def test_concurrent_duplicate_lots_are_409(api: Api) -> None:
    fixtures = make_fixtures(api)
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        barrier.wait()
        response = api.client.post(
            f"/api/products/{fixtures.product_id}/lots",
            json={"lot_number": "L-77", "expires_on": "2030-01-31"},
            headers=api.headers["practitioner"],
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 5


def test_a_body_that_is_not_utf8_is_422(api: Api) -> None:
    fixtures = make_fixtures(api)
    response = api.client.post(
        f"/api/clients/{fixtures.client_id}/notes",
        content=b'{"text": "\xff\xfe rosacea"}',
        headers={**api.headers["practitioner"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "rosacea" not in response.text
    assert response.json()["detail"].startswith("the body is not valid JSON")
