"""``dermaport serve`` serves the API from its own process on the database it is given."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time

import httpx2
import pytest

from dermaport.cli import main
from dermaport.records.accounts import LOGIN_MAX_FAILURES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_schema_and_login(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert (
        main(["users", "add", "olga", "--role", "owner", "--password-stdin", "--database-url", database_url])
        == 0
    )
    capsys.readouterr()
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "dermaport.cli.main",
        "serve",
        "--port",
        str(port),
        "--database-url",
        database_url,
    ]
    env = {**os.environ, "DERMAPORT_LOG_LEVEL": "INFO"}
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as server:
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    health = httpx2.get(f"{base}/health", timeout=1)
                    break
                except httpx2.TransportError:
                    time.sleep(0.1)
            assert health.json()["status"] == "ok"
            assert "/api/login" in httpx2.get(f"{base}/openapi.json").json()["paths"]
            assert httpx2.get(f"{base}/api/clients").status_code == 401
            login = httpx2.post(
                f"{base}/api/login", json={"username": "olga", "password": "a long enough password"}
            )
            token = login.json()["token"]
            me = httpx2.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json()["role"] == "owner"
            searched = httpx2.get(
                f"{base}/api/clients", params={"q": "Berg1985"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert searched.status_code == 200
            statuses = []
            for n in range(LOGIN_MAX_FAILURES + 1):  # a forged X-Forwarded-For does not reset the count
                guess = httpx2.post(
                    f"{base}/api/login",
                    json={"username": "olga", "password": "wrong wrong wrong"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"},
                )
                statuses.append(guess.status_code)
            assert statuses == [401] * LOGIN_MAX_FAILURES + [429]
        finally:
            server.terminate()
            out, _ = server.communicate(timeout=10)
        log = out.decode()
        assert "GET /api/clients?" in log  # the access log is on …
        assert "Berg1985" not in log  # … without the query
        assert "203.0.113" not in log
