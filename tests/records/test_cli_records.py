"""The records commands: db upgrade, users add, audit verify (exit codes and one-line errors)."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from dermaport.config import Settings
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.clients import create_client
from dermaport.records.database import open_database
from dermaport.records.engine import make_engine
from dermaport.records.schemas import ContactIn
from tests._cli import one_line_error, run


def test_upgrade_add_users_and_verify(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, empty_database_url: str
) -> None:
    url = ["--database-url", empty_database_url]
    code, _, err = run(capsys, "audit", "verify", *url)
    assert code == 1
    assert "run `dermaport db upgrade`" in err
    assert err.count("\n") == 1
    code, out, _ = run(capsys, "db", "upgrade", *url)
    assert (code, "migrated from empty to revision") == (
        0,
        out.split(" ", 1)[1][: len("migrated from empty to revision")],
    )
    code, out, _ = run(capsys, "db", "upgrade", *url)
    assert code == 0
    assert "up to date" in out
    for name, role in (("olga", "owner"), ("pia", "practitioner"), ("rex", "reception")):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        code, out, err = run(capsys, "users", "add", name, "--role", role, "--password-stdin", *url)
        assert code == 0, err
        assert f"Added {role} '{name}'" in out
    code, out, _ = run(capsys, "audit", "verify", *url)
    assert code == 0
    assert "intact: 3 entries" in out


def test_environment_variable_selects_the_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("DERMAPORT_DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert run(capsys, "users", "add", "olga", "--role", "owner", "--password-stdin")[0] == 0
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0
    assert "1 entries" in out


@pytest.mark.parametrize(
    ("argv", "stdin", "fragments"),
    [
        (["users", "add", "olga", "--role", "boss"], "long enough pw\n", ["'boss'", "--role practitioner"]),
        (["users", "add", "Olga Smith", "--role", "owner"], "long enough pw\n", ["'Olga Smith'", "anna.k"]),
        (["users", "add", "olga", "--role", "owner"], "short\n", ["5 characters", "at least 10"]),
        (["users", "add", "olga", "--role", "owner"], "\n", ["no password"]),
    ],
)
def test_bad_user_input_is_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    argv: list[str],
    stdin: str,
    fragments: list[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, _, err = run(capsys, *argv, "--password-stdin", "--database-url", database_url)
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    for fragment in fragments:
        assert fragment in err
    assert "long enough" not in err  # a password is never echoed


def test_duplicate_username_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    for expected in (0, 2):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        code, _, err = run(
            capsys,
            "users",
            "add",
            "olga",
            "--role",
            "owner",
            "--password-stdin",
            "--database-url",
            database_url,
        )
        assert code == expected
    assert "'olga' is taken" in err


def test_audit_verify_names_the_altered_entry(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    for name in ("a1", "a2", "a3"):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        run(
            capsys,
            "users",
            "add",
            name,
            "--role",
            "owner",
            "--password-stdin",
            "--database-url",
            database_url,
        )
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET detail = :d WHERE seq = 2"), {"d": '{"role": "reception"}'})
    engine.dispose()
    code, _, err = run(capsys, "audit", "verify", "--database-url", database_url)
    assert code == 1
    assert (
        err == "error: audit chain broken at entry 2: entry 2 was altered (1 entries before it are intact)\n"
    )


def test_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "audit", "verify", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 1
    assert err.startswith("error: no database answers at postgresql")
    assert "127.0.0.1:1/none" in err
    assert err.count("\n") == 1


def test_clients_export_and_erase(
    capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path, settings: Settings
) -> None:
    database = open_database(settings, database_url)
    with database.transaction() as db:
        user = add_user(db, "test", username="pia", role="practitioner", password="a long enough password")
        actor = Actor(username="pia", role="practitioner", clinic_id=user.clinic_id, user_id=user.id)
        client_id = create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id
    database.dispose()
    url = ["--database-url", database_url]
    code, out, _ = run(capsys, "clients", "export", str(client_id), "-o", str(tmp_path / "x.json"), *url)
    assert code == 0
    assert (
        json.loads((tmp_path / "x.json").read_text())["record"]["client"]["contact"]["family_name"] == "Silva"
    )
    code, _, err = run(capsys, "clients", "erase", str(client_id), *url)
    assert code == 2
    assert "--yes" in err
    code, out, _ = run(capsys, "clients", "erase", str(client_id), "--yes", *url)
    assert code == 0
    assert "contact: anonymised 1" in out
    code, _, err = run(capsys, "clients", "export", "999", *url)
    assert code == 2
    assert "client 999 not found" in err
    code, out, _ = run(capsys, "audit", "verify", *url)
    assert code == 0


def test_clients_export_to_unwritable_paths_and_owner_only_files(
    capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path, settings: Settings
) -> None:
    database = open_database(settings, database_url)
    with database.transaction() as db:
        user = add_user(db, "test", username="pia", role="practitioner", password="a long enough password")
        actor = Actor(username="pia", role="practitioner", clinic_id=user.clinic_id, user_id=user.id)
        client_id = create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id
    database.dispose()
    url = ["--database-url", database_url]
    (tmp_path / "file").write_text("")
    for target in (str(tmp_path), str(tmp_path / "file" / "x"), "/dev/full", "/proc/x.json"):
        code, _, err = run(capsys, "clients", "export", str(client_id), "-o", target, *url)
        one_line_error(code, err, 2, f"cannot write {target!r}")
    out = tmp_path / "export.json"
    code, _, err = run(capsys, "clients", "export", str(client_id), "-o", str(out), *url)
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left
