"""The session recorder: stores the device runner's documents one by one, as they arrive.

The device runner emits documents to subscribers as ``subscriber(name, document)``, with
``name`` one of ``start``, ``reading``, ``event``, ``stop``; their schemas are the device
layer's (:mod:`dermaport.device.documents`, re-exported here). :class:`SessionRecorder` is
such a subscriber: each document is validated against its schema and committed in its
own transaction before the call returns, so a process killed mid-session loses nothing it had
acknowledged. A session whose ``stop`` never came stays ``running`` until the next ``start`` on
the same device marks it ``interrupted`` (or :func:`mark_interrupted` does).

Readings are not audited one by one: the session's creation is, and so is its end (stop or
interruption) with the number of documents and the SHA-256 of all of them, which ties every
stored reading to the audit chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dermaport.device.documents import (
    DeviceIdentity,
    Document,
    EventDocument,
    ReadingDocument,
    StartDocument,
    StopDocument,
    validate,
)
from dermaport.errors import InputError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.bookings import lot_of_clinic
from dermaport.records.clients import client_of_clinic
from dermaport.records.database import Database
from dermaport.records.liveness import owner_alive, process_owner
from dermaport.records.models import SessionDocument, TreatmentSession, utcnow

__all__ = [
    "DeviceIdentity",
    "EventDocument",
    "ReadingDocument",
    "SessionRecorder",
    "StartDocument",
    "StopDocument",
    "documents_digest",
    "live_sessions",
    "mark_interrupted",
    "verify_session_digests",
]

logger = logging.getLogger(__name__)


def _validated(name: str, document: Mapping[str, Any]) -> Document:
    parsed = validate(name, document)
    if isinstance(parsed, StartDocument) and parsed.client_id is None:
        raise InputError("start document field 'client_id': Field required (a session records a client)")
    return parsed


def documents_digest(db: Session, session_id: int) -> tuple[int, str]:
    """How many documents a session has, and the SHA-256 of all of them in order."""
    digest = hashlib.sha256()
    count = 0
    for name, body in db.execute(
        select(SessionDocument.name, SessionDocument.body)
        .where(SessionDocument.session_id == session_id)
        .order_by(SessionDocument.seq)
    ):
        digest.update(json.dumps([name, body], sort_keys=True, separators=(",", ":")).encode() + b"\n")
        count += 1
    return count, digest.hexdigest()


def _close(
    db: Session, session: TreatmentSession, *, status: str, reason: str, actor: str, ended_at: datetime
) -> None:
    session.status, session.reason, session.ended_at = status, reason, ended_at
    db.flush()
    count, digest = documents_digest(db, session.id)
    audit.append(
        db,
        actor=actor,
        action="end" if status != "interrupted" else "interrupt",
        entity="session",
        entity_id=session.id,
        client_id=session.client_id,
        detail={"status": status, "documents": count, "documents_sha256": digest},
    )


def _last_received(db: Session, session_id: int) -> datetime | None:
    return db.scalar(
        select(SessionDocument.received_at)
        .where(SessionDocument.session_id == session_id)
        .order_by(SessionDocument.seq.desc())
        .limit(1)
    )


def live_sessions(db: Session, *, device_serial: str | None = None) -> list[TreatmentSession]:
    """Sessions ``running`` in another process that is still alive (on one device, or on all)."""
    query = select(TreatmentSession).where(TreatmentSession.status == "running")
    if device_serial is not None:
        query = query.where(TreatmentSession.device_serial == device_serial)
    return [
        s
        for s in db.scalars(query).all()
        if owner_alive(s.owner, _last_received(db, s.id) or s.started_at, self_alive=False)
    ]


def mark_interrupted(
    db: Session, *, actor: str, device_serial: str | None = None, dead_only: bool = False
) -> list[int]:
    """Mark sessions left ``running`` (on one device, or on all) as ``interrupted``; return their ids.

    With ``dead_only``, only those whose recording process is gone
    (:func:`dermaport.records.liveness.owner_alive`; this process's own count as alive), as
    ``serve`` and every ``run`` do when they start; without it, every one (a new session on a
    device ends the one it ran before).
    """
    query = select(TreatmentSession).where(TreatmentSession.status == "running")
    if device_serial is not None:
        query = query.where(TreatmentSession.device_serial == device_serial)
    marked = []
    for session in db.scalars(query.with_for_update()).all():
        last = _last_received(db, session.id)
        if dead_only and owner_alive(session.owner, last or session.started_at):
            continue
        reason = (
            f"no stop document: the recording ended during the session, last document at "
            f"t = {session.last_time_s:g} s with {session.delivered_charge_mA_min:g} mA·min delivered"
        )
        _close(db, session, status="interrupted", reason=reason, actor=actor, ended_at=last or utcnow())
        logger.warning("session %s (%s) marked interrupted", session.id, session.uid)
        marked.append(session.id)
    return marked


class SessionRecorder:
    """A runner subscriber that writes one session's documents to the records as they arrive.

    Call it as ``recorder(name, document)``; each call commits before it returns.
    """

    def __init__(self, database: Database, actor: Actor) -> None:
        actor.require(Permission.CLINICAL_WRITE)
        self._database = database
        self._actor = actor
        self.session_id: int | None = None
        self._next_seq = 0

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        """Validate and store one document (committed when this returns)."""
        parsed = _validated(name, document)
        with self._database.transaction(priority=True) as db:  # a session's record goes first
            if isinstance(parsed, StartDocument):
                self._start(db, parsed)
            else:
                self._append(db, name, parsed)

    def _start(self, db: Session, doc: StartDocument) -> None:
        if self.session_id is not None:
            raise InputError(f"a start document for {doc.uid!r} came while session {self.session_id} runs")
        assert doc.client_id is not None  # _validated refuses a start without one
        client = client_of_clinic(db, self._actor, doc.client_id)
        if doc.lot_id is not None:
            lot_of_clinic(db, self._actor, doc.lot_id)
        if db.scalar(select(TreatmentSession.id).where(TreatmentSession.uid == doc.uid)) is not None:
            raise InputError(f"session uid {doc.uid!r} is recorded already: each run needs a new uid")
        busy = live_sessions(db, device_serial=doc.device.serial)
        if busy:
            raise InputError(
                f"device {doc.device.serial!r} is recording session {busy[0].id} in another process: "
                "one device runs one session at a time"
            )
        mark_interrupted(db, actor=self._actor.username, device_serial=doc.device.serial)
        session = TreatmentSession(
            uid=doc.uid,
            client_id=client.id,
            appointment_id=doc.appointment_id,
            lot_id=doc.lot_id,
            plan_id=doc.plan_id,
            owner=process_owner(),
            operator_id=self._actor.user_id,
            device_serial=doc.device.serial,
            plan=doc.plan.model_dump(mode="json", exclude_unset=True),
            device=doc.device.model_dump(mode="json"),
            limits=doc.limits.model_dump(mode="json", exclude_unset=True),
        )
        db.add(session)
        db.flush()
        db.add(SessionDocument(session_id=session.id, seq=0, name="start", body=doc.model_dump(mode="json")))
        audit.append(
            db,
            actor=self._actor.username,
            action="create",
            entity="session",
            entity_id=session.id,
            client_id=client.id,
        )
        self.session_id, self._next_seq = session.id, 1

    def _append(self, db: Session, name: str, doc: Document) -> None:
        if self.session_id is None:
            raise InputError(f"a {name} document came before the session's start document")
        session = db.get(TreatmentSession, self.session_id)
        assert session is not None
        if session.status != "running":
            raise InputError(
                f"session {session.id} has ended ({session.status}); a {name} document came after"
            )
        time_s = getattr(doc, "time_s", None)
        db.add(
            SessionDocument(
                session_id=session.id,
                seq=self._next_seq,
                name=name,
                time_s=time_s,
                body=doc.model_dump(mode="json"),
            )
        )
        self._next_seq += 1
        if time_s is not None:
            session.last_time_s = max(session.last_time_s, time_s)
        if isinstance(doc, ReadingDocument):
            session.delivered_charge_mA_min = doc.charge_mA_min
        if isinstance(doc, EventDocument) and doc.kind == "state":
            session.state = str(doc.detail.get("to", ""))[:20]
        if isinstance(doc, StopDocument):
            _close(
                db,
                session,
                status=doc.status,
                reason=doc.reason,
                actor=self._actor.username,
                ended_at=utcnow(),
            )


def verify_session_digests(db: Session) -> list[str]:
    """Recompute every ended session's document digest against its audited end; the problems found.

    Each ended (or interrupted) session's audit entry holds the number and SHA-256 of its
    documents; a stored reading edited, added or deleted since makes them differ. Returns one
    line per session that no longer matches (empty when all do).
    """
    from dermaport.records.models import AuditEntry

    problems = []
    ends = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "session", AuditEntry.action.in_(("end", "interrupt")))
        .order_by(AuditEntry.seq)
    )
    for entry in ends:
        if not entry.entity_id.isdigit():
            continue
        count, digest = documents_digest(db, int(entry.entity_id))
        if (count, digest) != (entry.detail.get("documents"), entry.detail.get("documents_sha256")):
            problems.append(
                f"session {entry.entity_id}: its {count} stored documents do not match the "
                f"{entry.detail.get('documents')} audited at its end (audit entry {entry.seq}): "
                "a document was altered, added or deleted"
            )
    return problems
