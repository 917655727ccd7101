"""One records database: its engine, its sessions (units of work) and where its files go."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dermaport.config import Settings
from dermaport.records.engine import database_url, make_engine, make_session_factory
from dermaport.records.migrate import require_current

__all__ = ["Database", "open_database"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    """An open records database and the settings it was opened with."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    _writer: threading.Lock | None = field(default=None, repr=False)

    @property
    def photo_dir(self) -> Path:
        """Where photo files are kept (``photos/`` in the data directory)."""
        return self.settings.data_dir / "photos"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back when it raises.

        On SQLite, where one writer at a time holds the file and every unit of work writes (the
        audit chain), this process's units of work queue on a lock rather than in SQLite's
        sleeping busy handler, which would leave some requests waiting for seconds.
        """
        if self._writer is None:
            with self.sessions() as session, session.begin():
                yield session
            return
        with self._writer, self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(settings: Settings, url: str | None = None, *, check_revision: bool = True) -> Database:
    """Open the records database (``url``, else the settings' one, else the default SQLite file).

    With ``check_revision`` (the default) it refuses, naming ``dermaport db upgrade``, unless the
    schema is current.
    """
    chosen = database_url(settings, url)
    engine = make_engine(chosen)
    try:
        if check_revision:
            require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    writer = threading.Lock() if engine.dialect.name == "sqlite" else None
    return Database(
        url=chosen, engine=engine, sessions=make_session_factory(engine), settings=settings, _writer=writer
    )
