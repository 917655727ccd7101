"""Plain ``dermaport serve`` on the default SQLite file: migrated, the owner made on first run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from dermaport.cli import main
from dermaport.config import load_settings
from dermaport.records.database import open_database
from dermaport.records.models import Client, User
from tests.web.test_demo import _free_port

PASSWORD = "a plain owner password"


def _serve_once(data_dir: Path, stdin: str | None) -> str:
    """Run plain ``serve`` until it answers /login, sign in as the owner; what it printed."""
    port = _free_port()
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(data_dir), "DERMAPORT_LOG_LEVEL": "WARNING"}
    env.pop("DERMAPORT_DATABASE_URL", None)
    argv = [sys.executable, "-m", "dermaport.cli.main", "serve", "--port", str(port)]
    if stdin is not None:
        argv.append("--owner-password-stdin")
    with subprocess.Popen(
        argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdin is not None
            if stdin is not None:
                server.stdin.write(stdin + "\n")
            server.stdin.close()
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx2.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx2.TransportError:
                    if server.poll() is not None:
                        break
                    time.sleep(0.1)
            signed = httpx2.post(
                f"{base}/login", data={"username": "owner", "password": PASSWORD}, headers={"Origin": base}
            )
            assert signed.status_code == 303, signed.text
            assert signed.headers["location"] == "/clients"
        finally:
            server.terminate()
            server.wait(30)
            assert server.stdout is not None
            assert server.stderr is not None
            out = server.stdout.read() + server.stderr.read()
    return out


def test_plain_serve_migrates_the_default_file_and_makes_the_owner_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _serve_once(data_dir, PASSWORD)
    assert "sign in as 'owner' with the password given on standard input" in first
    assert PASSWORD not in first  # a password given on standard input is never echoed
    second = _serve_once(data_dir, None)  # the owner exists: no new password, none asked for
    assert "sign in as 'owner'" not in second
    assert "Open http://127.0.0.1:" in second
    database = open_database(load_settings({"DERMAPORT_DATA_DIR": str(data_dir)}))
    try:
        with database.reading() as db:
            assert db.scalar(select(func.count()).select_from(Client)) == 0  # no sample data
            assert db.scalars(select(User.username)).all() == ["owner"]
    finally:
        database.dispose()


def test_serve_on_a_given_url_still_refuses_the_owner_password_option(
    capsys: pytest.CaptureFixture[str], empty_database_url: str
) -> None:
    argv = ["serve", "--owner-password-stdin", "--database-url", empty_database_url]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "dermaport users add owner --role owner --password-stdin" in err


def test_a_short_owner_password_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(data_dir)}
    env.pop("DERMAPORT_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from dermaport.cli import main; sys.exit(main(sys.argv[1:]))",
         "serve", "--demo", "--owner-password-stdin"],
        env=env, input="short\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: password of 5 characters is too short")
    assert done.stderr.count("\n") == 1
    assert not (data_dir / "records.sqlite3").exists()
