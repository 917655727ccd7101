"""Read-only units of work and the group-committed audit entries of reads."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dermaport.records import audit
from dermaport.records.database import Database
from dermaport.records.models import AuditEntry, Clinic


def _entry(n: int, caller: int) -> dict[str, object]:
    return {
        "actor": f"reader{caller}",
        "action": "read",
        "entity": "client",
        "entity_id": str(n),
        "client_id": None,
        "detail": {"n": n},
    }


def test_a_read_only_unit_of_work_collects_its_entries_and_cannot_write(database: Database) -> None:
    with database.reading() as db:
        pending = audit.defer_appends(db)
        audit.append(db, actor="pia", action="read", entity="client", entity_id=7, client_id=None)
        assert db.scalars(select(AuditEntry)).all() == []  # collected, not written
    assert [e["entity_id"] for e in pending] == ["7"]
    with database.reading() as db:
        db.add(Clinic(name="not in a read"))
        with pytest.raises(DBAPIError):
            db.flush()
        db.rollback()
    database.append_audit(pending)
    with database.transaction() as db:
        assert [(e.actor, e.entity_id) for e in db.scalars(select(AuditEntry))] == [("pia", "7")]
        assert audit.verify(db).intact


def test_concurrent_callers_each_return_with_their_entries_committed_in_order(database: Database) -> None:
    callers, per_caller, rounds = 8, 3, 5
    failures: list[BaseException] = []
    start = threading.Barrier(callers)

    def reader(caller: int) -> None:
        try:
            start.wait()
            for r in range(rounds):
                entries = [_entry(r * per_caller + i, caller) for i in range(per_caller)]
                database.append_audit(entries)
                with Session(database.engine) as db:  # committed before append_audit returned
                    mine = db.scalars(
                        select(AuditEntry.entity_id)
                        .where(AuditEntry.actor == f"reader{caller}")
                        .order_by(AuditEntry.seq)
                    ).all()
                assert mine == [str(n) for n in range((r + 1) * per_caller)]
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=reader, args=(c,)) for c in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with database.transaction() as db:
        report = audit.verify(db)
    assert report.intact
    assert report.entries == callers * per_caller * rounds


def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_goes_on(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = audit.append_rows

    def broken(db: Session, entries: list[dict[str, object]]) -> list[dict[str, object]]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append_rows", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        database.append_audit([_entry(1, 1)])
    monkeypatch.setattr(audit, "append_rows", real)
    database.append_audit([_entry(2, 1)])
    with database.transaction() as db:
        assert [e.entity_id for e in db.scalars(select(AuditEntry))] == ["2"]
        assert audit.verify(db).intact
