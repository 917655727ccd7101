"""``dermaport serve --demo`` (the README's first command) and ``dermaport report`` (its contract)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from dermaport.cli import main
from dermaport.config import load_settings
from dermaport.records.models import Client, TreatmentSession, User
from dermaport.web.demo import prepare

PASSWORD = "a demo owner password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database made once for the module (it runs two sessions on the simulated device)."""
    folder = tmp_path_factory.mktemp("demo")
    prepared = prepare(
        load_settings({"DERMAPORT_DATA_DIR": str(folder)}), None, demo=True, owner_password=PASSWORD
    )
    assert prepared.owner_password == PASSWORD
    assert prepared.seeded
    prepared.database.dispose()
    return folder


def test_the_demo_has_an_owner_clients_and_recorded_sessions(demo: Path) -> None:
    settings = load_settings({"DERMAPORT_DATA_DIR": str(demo)})
    again = prepare(settings, None, demo=True, owner_password=None)
    try:
        assert again.owner_password is None  # shown once: not made again
        assert not again.seeded
        with again.database.transaction() as db:
            assert db.scalar(select(func.count()).select_from(User)) == 1
            assert db.scalar(select(func.count()).select_from(Client)) == 6
            statuses = db.scalars(select(TreatmentSession.status)).all()
    finally:
        again.database.dispose()
    assert statuses == ["complete", "complete"]


def test_report_writes_the_pdf_and_refuses_in_one_line(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERMAPORT_DATA_DIR", str(demo))
    out = tmp_path / "session-1.pdf"
    assert main(["report", "1", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_mode & 0o777 == 0o600
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Ana Silva" in text
        assert "SAP-2611" in text  # the lot
        assert "mA·min" in text  # the delivered dose against the plan
    capsys.readouterr()
    assert main(["report", "99", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "session 99 not found" in err
    assert main(["report", "1", "--out", str(tmp_path / "missing" / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not exist" in err


def test_serve_demo_prints_where_to_go_and_signs_the_owner_in(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(tmp_path / "data"), "DERMAPORT_LOG_LEVEL": "WARNING"}
    argv = [
        sys.executable,
        "-m",
        "dermaport.cli.main",
        "serve",
        "--demo",
        "--port",
        str(port),
        "--owner-password-stdin",
    ]
    with subprocess.Popen(
        argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdin is not None
            server.stdin.write(PASSWORD + "\n")
            server.stdin.close()
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx2.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx2.TransportError:
                    time.sleep(0.1)
            login = httpx2.get(f"{base}/login")
            for name in ("username", "password", "csrf_token"):
                assert f'name="{name}"' in login.text
            signed = httpx2.post(
                f"{base}/login", data={"username": "owner", "password": PASSWORD}, headers={"Origin": base}
            )
            assert signed.status_code == 303
            assert signed.headers["location"] == "/clients"
        finally:
            server.terminate()
            server.wait(30)
            assert server.stdout is not None
            out = server.stdout.read()
    assert f"Open http://127.0.0.1:{port}/login in your browser and sign in as 'owner'" in out
    assert PASSWORD not in out  # given on standard input: never echoed
