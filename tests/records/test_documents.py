"""The runner's documents are stored as they arrive; a killed recorder loses no acknowledged reading."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dermaport.errors import InputError, PermissionDeniedError
from dermaport.records import audit
from dermaport.records.access import Actor
from dermaport.records.clients import create_client
from dermaport.records.clinical import session_documents, set_outcome
from dermaport.records.database import Database
from dermaport.records.documents import SessionRecorder, documents_digest
from dermaport.records.models import AuditEntry, SessionDocument, TreatmentSession
from dermaport.records.schemas import ContactIn, OutcomeIn

ROOT = Path(__file__).resolve().parents[2]


def _client(database: Database, actor: Actor) -> int:
    with database.transaction() as db:
        return create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id


def _start(client_id: int, uid: str = "run-1", serial: str = "SIM-0001") -> dict[str, Any]:
    return {
        "uid": uid,
        "client_id": client_id,
        "plan": {"steps": ["iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s"]},
        "device": {"serial": serial, "model": "simulated", "firmware": "1.0"},
        "limits": {"current_mA_max": 4.0, "current_density_mA_cm2_max": 0.5},
    }


def _reading(t: float, charge: float) -> dict[str, Any]:
    return {
        "time_s": t,
        "current_mA": 1.5,
        "voltage_V": 11.8,
        "impedance_ohm": 7900.0,
        "charge_mA_min": charge,
    }


def _session(database: Database, uid: str) -> TreatmentSession:
    with database.transaction() as db:
        session = db.scalars(select(TreatmentSession).where(TreatmentSession.uid == uid)).one()
        db.expunge(session)
        return session


def test_a_whole_session_is_stored_and_its_end_is_audited(
    database: Database, actors: dict[str, Actor]
) -> None:
    client_id = _client(database, actors["practitioner"])
    recorder = SessionRecorder(database, actors["practitioner"])
    recorder("start", _start(client_id))
    for i in range(1, 6):
        recorder("reading", _reading(i * 1.0, i * 0.025))
    recorder("event", {"time_s": 3.0, "kind": "operator_pause", "detail": {"by": "practitioner"}})
    recorder("stop", {"status": "complete", "reason": "plan finished", "time_s": 5.0})
    session = _session(database, "run-1")
    assert (session.status, session.reason) == ("complete", "plan finished")
    assert session.delivered_charge_mA_min == pytest.approx(0.125)
    assert session.last_time_s == 5.0
    assert session.device["serial"] == "SIM-0001"
    with database.transaction() as db:
        names = db.scalars(
            select(SessionDocument.name)
            .where(SessionDocument.session_id == session.id)
            .order_by(SessionDocument.seq)
        ).all()
        count, digest = documents_digest(db, session.id)
        end = db.scalars(select(AuditEntry).where(AuditEntry.action == "end")).one()
        assert audit.verify(db).intact
    assert names == ["start", *["reading"] * 5, "event", "stop"]
    assert end.detail == {"status": "complete", "documents": count, "documents_sha256": digest}
    with pytest.raises(InputError, match="has ended"):
        recorder("reading", _reading(6.0, 0.2))
    practitioner = actors["practitioner"]
    with database.transaction() as db:
        stored = session_documents(db, practitioner, client_id, session.id)
        outcome = set_outcome(
            db, practitioner, client_id, session.id, OutcomeIn(outcome="Even tone at 24 h.")
        )
    assert [d.name for d in stored] == names
    assert stored[1].body["current_mA"] == 1.5
    assert outcome.outcome == "Even tone at 24 h."


@pytest.mark.parametrize(
    ("name", "document", "fragment"),
    [
        (
            "reading",
            {"time_s": 1, "current_mA": math.nan, "voltage_V": 1, "charge_mA_min": 0},
            "'current_mA'",
        ),
        ("reading", {"time_s": -1, "current_mA": 1, "voltage_V": 1, "charge_mA_min": 0}, "'time_s'"),
        ("reading", {"time_s": 1, "voltage_V": 1, "charge_mA_min": 0}, "'current_mA': Field required"),
        ("stop", {"status": "paused"}, "'status'"),
        ("frame", {}, "'frame' is not one of start, reading, event, stop"),
    ],
)
def test_a_bad_document_is_refused_naming_the_field(
    database: Database, actors: dict[str, Actor], name: str, document: dict[str, Any], fragment: str
) -> None:
    client_id = _client(database, actors["practitioner"])
    recorder = SessionRecorder(database, actors["practitioner"])
    recorder("start", _start(client_id))
    with pytest.raises(InputError, match=fragment):
        recorder(name, document)


def test_documents_before_start_and_reception_are_refused(
    database: Database, actors: dict[str, Actor]
) -> None:
    with pytest.raises(InputError, match="before the session's start"):
        SessionRecorder(database, actors["practitioner"])("reading", _reading(1, 0))
    with pytest.raises(PermissionDeniedError, match="reception"):
        SessionRecorder(database, actors["reception"])


def test_the_next_start_on_the_device_marks_an_open_session_interrupted(
    database: Database, actors: dict[str, Actor]
) -> None:
    client_id = _client(database, actors["practitioner"])
    first = SessionRecorder(database, actors["practitioner"])
    first("start", _start(client_id, "run-1"))
    first("reading", _reading(1.0, 0.025))
    other = SessionRecorder(database, actors["practitioner"])
    other("start", _start(client_id, "run-other", serial="SIM-0002"))
    SessionRecorder(database, actors["practitioner"])("start", _start(client_id, "run-2"))
    interrupted = _session(database, "run-1")
    assert interrupted.status == "interrupted"
    assert "t = 1 s with 0.025 mA·min delivered" in interrupted.reason
    assert _session(database, "run-other").status == "running"  # another device's session runs on


def test_sigkill_loses_no_acknowledged_reading(
    database: Database, actors: dict[str, Actor], database_url: str, tmp_path: Path
) -> None:
    practitioner = actors["practitioner"]
    client_id = _client(database, practitioner)
    argv = [
        sys.executable,
        "-m",
        "tests.records.writer_process",
        database_url,
        str(tmp_path / "data"),
        str(client_id),
        str(practitioner.user_id),
        str(practitioner.clinic_id),
        "killed-run",
    ]
    acknowledged = 0
    with subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    ) as process:
        assert process.stdout is not None
        try:
            assert process.stdout.readline() == "started\n"
            while acknowledged < 60:
                line = process.stdout.readline()
                assert line.startswith("ack "), line
                acknowledged = int(line.split()[1])
        finally:
            process.send_signal(signal.SIGKILL)
            rest = process.stdout.read()
            process.wait(timeout=10)
    acknowledged = max(
        [acknowledged, *(int(x.split()[1]) for x in rest.splitlines() if x.startswith("ack "))]
    )
    assert process.returncode == -signal.SIGKILL
    session = _session(database, "killed-run")
    assert session.status == "running"
    with database.transaction() as db:
        times = db.scalars(
            select(SessionDocument.time_s)
            .where(SessionDocument.session_id == session.id, SessionDocument.name == "reading")
            .order_by(SessionDocument.seq)
        ).all()
    assert len(times) >= acknowledged  # a reading committed but not yet acknowledged may be there too
    assert times[:acknowledged] == pytest.approx([n * 0.1 for n in range(1, acknowledged + 1)])
    SessionRecorder(database, practitioner)("start", _start(client_id, "next-run"))
    after = _session(database, "killed-run")
    assert after.status == "interrupted"
    assert after.delivered_charge_mA_min == pytest.approx(len(times) * 0.0025)
    with database.transaction() as db:
        assert audit.verify(db).intact
