"""Prepared reads (``records.reads.PreparedRead``) read what the session's execution reads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dermaport.config import load_settings
from dermaport.records import bookings, clients, clinical
from dermaport.records.database import Database
from dermaport.records.models import Client, Clinic, TreatmentSession
from dermaport.records.reads import PreparedRead
from dermaport.sessions import plans
from dermaport.web.demo import prepare

MODULES = (clients, clinical, bookings, plans)


def _prepared() -> list[tuple[str, PreparedRead]]:
    found = [
        (f"{module.__name__}.{name}", value)
        for module in MODULES
        for name, value in vars(module).items()
        if isinstance(value, PreparedRead)
    ]
    found += [(f"clinical._RECORD_PARTS.{name}", query) for name, _view, query in clinical._RECORD_PARTS]
    return found


def _compare(database: Database) -> int:
    """Every prepared read, for every client, session and clinic: the same rows, keys and types."""
    compared = 0
    with database.reading() as db:
        clinic_ids = db.scalars(select(Clinic.id)).all()
        client_ids = [*db.scalars(select(Client.id)).all(), 10**6]
        session_ids = [*db.scalars(select(TreatmentSession.id)).all(), 10**6]
        for label, read in _prepared():
            names = set(read.statement.compile().params)
            for value in {"clinic_id": clinic_ids, "client_id": client_ids, "session_id": session_ids}.get(
                next(iter(names & {"clinic_id", "client_id", "session_id"}), ""), [0]
            ):
                params = dict.fromkeys(names, value) | {"limit": 50, "offset": 0, "pattern": "%a%"}
                expected = db.execute(read.statement, params).all()
                got = read.all(db, params)
                assert [tuple(r) for r in got] == [tuple(r) for r in expected], label
                assert [[type(v) for v in r] for r in got] == [[type(v) for v in r] for r in expected], label
                for row, other in zip(got, expected, strict=True):
                    assert row._asdict() == other._asdict(), label
                compared += len(expected)
    return compared


def test_prepared_reads_read_what_the_session_reads_on_the_demo_records(tmp_path: Path) -> None:
    settings = load_settings({"DERMAPORT_DATA_DIR": str(tmp_path)})
    prepared = prepare(settings, f"sqlite:///{tmp_path / 'records.sqlite3'}", demo=True, owner_password=None)
    try:
        assert _compare(prepared.database) > 30  # rows of every kind, with dates, JSON and NULLs
    finally:
        prepared.database.dispose()


def test_a_prepared_read_sees_the_units_pending_changes(database: Database) -> None:
    with database.transaction() as db:
        clinic = Clinic(name="pending")
        db.add(clinic)
        db.flush()
        db.add(Client(clinic_id=clinic.id))
        rows = clients._CLINIC_PAGE.all(db, {"clinic_id": clinic.id, "limit": 5, "offset": 0})
        assert len(rows) == 1  # flushed before the read, as the session's autoflush would
        db.rollback()


def test_postgresql_reads_through_the_session(database: Database) -> None:
    with database.reading() as db:
        rows = bookings._CLINIC_LOTS.all(db, {"clinic_id": 1})
    assert rows == [] or all(hasattr(r, "lot_number") for r in rows)
