"""The migrations build exactly the models' schema; an unmigrated database is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from dermaport.config import Settings
from dermaport.errors import DatabaseNotMigratedError, DatabaseUrlError
from dermaport.records.database import open_database
from dermaport.records.engine import make_engine
from dermaport.records.migrate import current_revision, head_revision, upgrade
from dermaport.records.models import Base


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_unmigrated_database_is_refused_naming_the_command(
    settings: Settings, empty_database_url: str
) -> None:
    with pytest.raises(DatabaseNotMigratedError, match=r"is empty; run `dermaport db upgrade`"):
        open_database(settings, empty_database_url)


def test_upgrade_is_idempotent(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    assert upgrade(engine) == (None, head_revision())
    assert upgrade(engine) == (head_revision(), head_revision())
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'records.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "sqlite://", "not a url", "sqlite+pysqlcipher:///x"])
def test_bad_database_url_names_the_value_and_an_example(url: str) -> None:
    with pytest.raises(DatabaseUrlError, match=r"e\.g\. sqlite:////") as info:
        make_engine(url)
    assert repr(url) in str(info.value)


def test_a_database_from_a_newer_dermaport_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], database_url: str, settings: Settings
) -> None:
    from dermaport.cli import main

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for argv in (["db", "upgrade"], ["audit", "verify"]):
        assert main([*argv, "--database-url", database_url]) == 1
        err = capsys.readouterr().err
        assert "is at revision '9999', which this dermaport" in err
        assert err.count("\n") == 1
