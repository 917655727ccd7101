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
    with subprocess.Popen(argv, env=os.environ.copy(), stderr=subprocess.PIPE) as server:
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
        finally:
            server.terminate()
            server.wait(timeout=10)
