"""Test databases: a migrated SQLite file and a migrated PostgreSQL database, fresh for each test.

PostgreSQL is reached at ``DERMAPORT_TEST_POSTGRES_URL`` (default the local server, user
postgres, trust authentication). Each test run creates its own ``dermaport_test_<random>``
databases and drops them at the end. Where no server answers the PostgreSQL tests skip with
the reason, except under CI (``CI`` set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dermaport.records.engine import make_engine
from dermaport.records.migrate import head_revision, upgrade
from dermaport.records.models import Base

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    """The maintenance database URL of the test server."""
    return os.environ.get("DERMAPORT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_or_skip() -> str:
    """The admin URL when a server answers; otherwise skip (or fail under CI)."""
    url = postgres_admin_url()
    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        message = (
            f"PostgreSQL tests need a server at {url} (set DERMAPORT_TEST_POSTGRES_URL, or run "
            f"scripts/start-postgres): {str(exc).strip().splitlines()[0]}"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def _database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_database(admin_url: str, *, migrated: bool) -> Iterator[str]:
    """A new database on the test server, dropped afterwards."""
    name = f"dermaport_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _database_url(admin_url, name)
    try:
        if migrated:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def empty_postgres(url: str) -> None:
    """Delete every row of a migrated database; reset the audit chain's head and the schema revision."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "audit_head")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
        conn.execute(text("DELETE FROM audit_head"))
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
    engine.dispose()
