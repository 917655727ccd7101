"""The audit chain records reads and writes, verifies when intact, and names a tampered entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from dermaport.records import audit
from dermaport.records.access import Actor
from dermaport.records.clients import create_client, get_client
from dermaport.records.clinical import client_record
from dermaport.records.database import Database
from dermaport.records.models import AuditEntry
from dermaport.records.schemas import ContactIn


def _fill(database: Database, actors: dict[str, Actor], n: int = 3) -> int:
    with database.transaction() as db:
        ids = [
            create_client(db, actors["reception"], ContactIn(given_name="Ana", family_name=f"C{i}")).id
            for i in range(n)
        ]
    for client_id in ids:
        with database.transaction() as db:
            get_client(db, actors["reception"], client_id)
            client_record(db, actors["practitioner"], client_id)
    with database.transaction() as db:
        return audit.verify(db).entries


def test_every_read_and_write_is_in_the_chain(database: Database, actors: dict[str, Actor]) -> None:
    count = _fill(database, actors, n=2)
    with database.transaction() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        report = audit.verify(db)
    assert report.intact
    assert report.entries == count == len(entries)
    actions = [(e.actor, e.action, e.entity) for e in entries if e.client_id is not None]
    assert actions.count(("reception", "create", "client")) == 2
    assert actions.count(("reception", "read", "client")) == 2
    assert actions.count(("practitioner", "read", "record")) == 2
    assert [e.seq for e in entries] == list(range(1, count + 1))


def test_a_failed_transaction_leaves_no_entry(database: Database, actors: dict[str, Actor]) -> None:
    def fail() -> None:
        with database.transaction() as db:
            create_client(db, actors["reception"], ContactIn(given_name="A", family_name="B"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    with database.transaction() as db:
        report = audit.verify(db)
    assert report.intact
    assert report.entries == 3  # the three accounts only


def _tamper(database: Database, statement: str, **params: object) -> str:
    with database.engine.begin() as conn:
        conn.execute(text(statement), params)
    with database.transaction() as db:
        report = audit.verify(db)
    assert not report.intact
    return f"{report.bad_seq}: {report.problem}"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5", "5: entry 5 was altered"),
        ("UPDATE audit_log SET action = 'list' WHERE seq = 7", "7: entry 7 was altered"),
        ("UPDATE audit_log SET client_id = 99 WHERE seq = 6", "6: entry 6 was altered"),
        ("UPDATE audit_log SET at = at - interval '1 day' WHERE seq = 4", "4: entry 4 was altered"),
        ("DELETE FROM audit_log WHERE seq = 6", "6: entry 6 is missing (deleted)"),
        ("DELETE FROM audit_log WHERE seq = 1", "1: entry 1 is missing (deleted)"),
        ("DELETE FROM audit_log WHERE seq >= 8", "8: entries 8–"),
        (f"UPDATE audit_log SET hash = '{'a' * 64}' WHERE seq = 5", "5: entry 5 was altered"),
        (
            f"UPDATE audit_log SET prev_hash = '{'a' * 64}' WHERE seq = 5",
            "5: entry 5 was altered",
        ),
        ("DELETE FROM audit_head", "the chain's head row is missing"),
    ],
)
def test_tampering_is_detected_and_named(
    database: Database, actors: dict[str, Actor], statement: str, expected: str
) -> None:
    count = _fill(database, actors)
    assert count >= 10
    if "interval" in statement and database.engine.dialect.name == "sqlite":
        statement = "UPDATE audit_log SET at = datetime(at, '-1 day') WHERE seq = 4"
    assert expected in _tamper(database, statement)


def test_rewriting_an_entry_with_its_hash_is_caught_at_the_next_link(
    database: Database, actors: dict[str, Actor]
) -> None:
    _fill(database, actors)
    with database.transaction() as db:
        entry = db.get(AuditEntry, 5)
        assert entry is not None
        forged = audit.entry_hash(
            entry.prev_hash,
            seq=5,
            at=entry.at,
            actor="mallory",
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            client_id=entry.client_id,
            detail=entry.detail,
        )
    assert "5: entry 5 was altered" in _tamper(
        database, "UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 5", h=forged
    )


def test_concurrent_appends_keep_one_unbroken_chain(database: Database, actors: dict[str, Actor]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with database.transaction() as db:
        client_id = create_client(db, actors["reception"], ContactIn(given_name="A", family_name="B")).id

    def read(_: int) -> None:
        with database.transaction() as db:
            client_record(db, actors["practitioner"], client_id)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(read, range(80)))
    with database.transaction() as db:
        report = audit.verify(db)
    assert report.intact, report.problem
    assert report.entries == 3 + 1 + 80
