"""One records database: its engine, its sessions (units of work) and where its files go."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from dermaport.config import Settings
from dermaport.records import audit
from dermaport.records.engine import READ_ONLY, database_url, make_engine, make_session_factory
from dermaport.records.migrate import require_current
from dermaport.records.signed_in import SignedInCache

__all__ = ["Database", "GroupAppender", "WriterLock", "open_database"]

logger = logging.getLogger(__name__)


class WriterLock:
    """One writer at a time, where a waiting *priority* writer (a session's recorder) goes first.

    Ordinary units of work (API requests, some holding the lock through a password hash) queue
    behind every priority waiter, so a recorder that fell behind drains its backlog before the
    next request gets in.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._priority_turn = threading.Condition(self._mutex)
        self._ordinary_turn = threading.Condition(self._mutex)
        self._held = False
        self._priority_waiting = 0

    def acquire(self, *, priority: bool = False) -> None:
        """Wait for the lock (behind every waiting priority writer, unless this is one)."""
        with self._mutex:
            if priority:
                self._priority_waiting += 1
                try:
                    while self._held:
                        self._priority_turn.wait()
                finally:
                    self._priority_waiting -= 1
            else:
                while self._held or self._priority_waiting:
                    self._ordinary_turn.wait()
            self._held = True

    def release(self) -> None:
        """Let the next writer in: wake one waiting priority writer, else one ordinary one."""
        with self._mutex:
            self._held = False
            if self._priority_waiting:
                self._priority_turn.notify()
            else:
                self._ordinary_turn.notify()


@dataclass
class _Ticket:
    entries: Sequence[Mapping[str, Any]]
    #: Woken when the ticket's batch has committed (or failed), or when it is its turn to lead.
    wake: threading.Condition
    done: bool = False
    error: BaseException | None = None


class GroupAppender:
    """Audit entries of many read-only requests appended in one transaction (one commit, one fsync).

    Each caller queues its entries and waits. One caller at a time leads: it takes everything
    queued so far (its own entries included), appends it in one unit of work and, once that
    has committed, releases every caller of the batch (or hands them its error); the first
    caller still waiting then leads the next batch. So no caller returns before its entries
    are committed, and the more requests arrive at once the fewer transactions they cost.
    Each caller waits on its own condition (over one lock), so a batch's end wakes only the
    callers it released and the next leader, not every caller queued behind it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._leading = False

    def append(self, database: Database, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append ``entries`` to the chain, in order; return once they are committed."""
        ticket = _Ticket(entries, threading.Condition(self._lock))
        with self._lock:
            self._queue.append(ticket)
            while self._leading and not ticket.done:
                ticket.wake.wait()
            if ticket.done:
                if ticket.error is not None:
                    raise ticket.error
                return
            self._leading = True
            batch, self._queue = self._queue, []
        error: BaseException | None = None
        try:
            with database.connection() as connection:
                audit.append_rows(connection, [entry for each in batch for entry in each.entries])
        except BaseException as exc:
            error = exc
            raise
        finally:
            with self._lock:
                for each in batch:
                    each.done, each.error = True, error
                    if each is not ticket:
                        each.wake.notify()
                self._leading = False
                if self._queue:  # queued while this batch was written: the first leads the next
                    self._queue[0].wake.notify()


@dataclass(frozen=True)
class Database:
    """An open records database and the settings it was opened with."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    _writer: WriterLock | None = field(default=None, repr=False)
    signed_in: SignedInCache = field(default_factory=SignedInCache, repr=False, compare=False)
    _appender: GroupAppender = field(default_factory=GroupAppender, repr=False, compare=False)

    @property
    def photo_dir(self) -> Path:
        """Where photo files are kept (``photos/`` in the data directory)."""
        return self.settings.data_dir / "photos"

    @contextmanager
    def transaction(self, *, priority: bool = False, session: Session | None = None) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back when it raises.

        On SQLite, where one writer at a time holds the file and every unit of work writes (the
        audit chain), this process's units of work queue on a lock rather than in SQLite's
        sleeping busy handler, which would leave some requests waiting for seconds; a
        ``priority`` unit of work (a session's recorder) goes before every waiting ordinary one.
        The lock is held for the whole block, so keep the block to the database work: open it
        in the thread that does that work, not around waits for anything else.

        ``session`` is a fresh session of :attr:`sessions` to use (one made ``autobegin=False``
        by a request before it knew which thread would run it); it is closed at the end.
        """
        if self._writer is not None:
            self._writer.acquire(priority=priority)
        try:
            with session or self.sessions() as work, work.begin():
                yield work
        finally:
            if self._writer is not None:
                self._writer.release()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A unit of work on a bare connection (no ORM session), for plain Core statements.

        As :meth:`transaction` (the writer lock on SQLite, ``BEGIN IMMEDIATE``; committed when the
        block ends, rolled back when it raises), without an ORM session's bookkeeping: for the
        audit chain's group appends, which run for every read.
        """
        if self._writer is not None:
            self._writer.acquire()
        try:
            with self.engine.begin() as connection:
                yield connection
        finally:
            if self._writer is not None:
                self._writer.release()

    @contextmanager
    def reading(self, *, session: Session | None = None) -> Iterator[Session]:
        """A read-only unit of work, outside the writer lock (on SQLite a WAL read beside the writer).

        Any write in it fails (SQLite ``query_only``, PostgreSQL ``READ ONLY``). A caller that
        reads client data in it collects the audit entries
        (:func:`~dermaport.records.audit.defer_appends`) and hands them to :meth:`append_audit`
        before anything it read is sent. ``session``: as for :meth:`transaction`.
        """
        options: dict[str, Any] = {READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        with session or self.sessions() as work, work.begin():
            work.connection(execution_options=options)
            yield work

    def append_audit(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append the entries a read-only unit of work collected; return once they are committed.

        They are batched with other requests' (:class:`GroupAppender`).
        """
        if entries:
            self._appender.append(self, entries)

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
    writer = WriterLock() if engine.dialect.name == "sqlite" else None
    return Database(
        url=chosen, engine=engine, sessions=make_session_factory(engine), settings=settings, _writer=writer
    )
