"""Shared test settings: a wide, colourless terminal; records databases on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from dermaport.config import Settings, load_settings
from dermaport.records import accounts
from dermaport.records.database import Database, open_database
from dermaport.records.engine import make_engine
from dermaport.records.migrate import upgrade
from tests.databases import BACKENDS, empty_postgres, postgres_database, postgres_or_skip


@pytest.fixture(autouse=True)
def _wide_plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("DERMAPORT_DEFAULT_PH", raising=False)
    monkeypatch.delenv("DERMAPORT_DEFAULT_SKIN", raising=False)
    monkeypatch.delenv("DERMAPORT_DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with small costs: the tests check the scheme, not its cost."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# Records databases: every records and API test runs once on SQLite and once on PostgreSQL.


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "records.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[str]:
    admin = postgres_or_skip()
    with postgres_database(admin, migrated=True) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty records database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "records.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("_postgres_migrated")
    empty_postgres(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty (unmigrated) database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with postgres_database(postgres_or_skip(), migrated=False) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data directory is the test's own folder."""
    return load_settings({"DERMAPORT_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def database(settings: Settings, database_url: str) -> Iterator[Database]:
    """An open, migrated, empty records database (SQLite, then PostgreSQL)."""
    db = open_database(settings, database_url)
    yield db
    db.dispose()
