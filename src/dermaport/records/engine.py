"""The database engine factory: SQLite by default, PostgreSQL (psycopg 3) by URL.

SQLite is opened in WAL mode with foreign keys enforced, ``synchronous=FULL`` (a committed
reading survives a crash of the process and of the machine) and a busy timeout; every
transaction starts with ``BEGIN IMMEDIATE`` because every transaction that touches client
data also appends to the audit chain, so two writers never deadlock on a lock upgrade. A
connection given the execution option :data:`READ_ONLY` starts a plain (deferred) read
transaction instead, which WAL lets run beside the writer, with ``query_only`` on: it can
read, never write.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from dermaport.config import Settings
from dermaport.errors import DatabaseUrlError
from dermaport.records.files import create_private, private_folder

__all__ = [
    "READ_ONLY",
    "SQLITE_BUSY_TIMEOUT_S",
    "database_url",
    "describe_url",
    "make_engine",
    "make_session_factory",
]

logger = logging.getLogger(__name__)

#: How long a SQLite writer waits for another one to finish before giving up (s).
SQLITE_BUSY_TIMEOUT_S = 30.0

#: The execution option that makes a connection's transactions read-only (on SQLite, beside the writer).
READ_ONLY = "dermaport_read_only"

_EXAMPLE = "e.g. sqlite:////var/lib/dermaport/records.sqlite3 or postgresql://postgres@127.0.0.1/dermaport"


def database_url(settings: Settings, explicit: str | None = None) -> str:
    """The database URL to use: ``explicit``, else ``DERMAPORT_DATABASE_URL``, else the default file.

    The default is ``records.sqlite3`` in the data directory (created on first use).
    """
    if explicit:
        return explicit
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{settings.data_dir / 'records.sqlite3'}"


def _normalise(url_text: str) -> URL:
    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"database URL {url_text!r} cannot be read: {_EXAMPLE}") from exc
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if url.drivername != "sqlite":
            raise DatabaseUrlError(f"database URL {url_text!r}: use plain sqlite:///PATH, {_EXAMPLE}")
        if not url.database or url.database == ":memory:":
            raise DatabaseUrlError(
                f"database URL {url_text!r} names no file; records must outlive the process: {_EXAMPLE}"
            )
        return url
    raise DatabaseUrlError(f"database URL {url_text!r} is neither SQLite nor PostgreSQL: {_EXAMPLE}")


def describe_url(url_text: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url_text).render_as_string(hide_password=True)
    except ArgumentError:
        return url_text


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below opens transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        if connection.info.get(READ_ONLY, False) != read_only:  # info lives with the pooled connection
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
            connection.info[READ_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url_text: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url_text`` (``sqlite:///PATH`` or ``postgresql://…``), configured for records.

    A SQLite file's folder is created when missing (0700), the file itself with mode 0600; an
    unusable folder is an InputError naming it. Nothing is connected until first use.
    """
    url = _normalise(url_text)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database).expanduser()
        private_folder(path.parent)
        create_private(path)  # SQLite gives its -wal and -shm files the database file's mode
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=pool_size,
            max_overflow=2 * pool_size,
            hide_parameters=True,
        )
        _configure_sqlite(engine)
    else:
        engine = create_engine(
            url, pool_size=pool_size, max_overflow=2 * pool_size, pool_pre_ping=True, hide_parameters=True
        )
    logger.debug("engine for %s", describe_url(url_text))
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose sessions keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
