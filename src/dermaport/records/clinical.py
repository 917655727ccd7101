"""Clinical records: screenings, consents, patch tests, notes, adverse events, and the whole record.

Every function checks the actor's permission and appends to the audit chain in the caller's
transaction.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dermaport.errors import ConflictError, InputError, RecordNotFoundError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.bookings import lot_of_clinic
from dermaport.records.clients import client_of_clinic, client_out, client_row, writable_client
from dermaport.records.models import (
    AdverseEvent,
    Appointment,
    Client,
    ClinicalNote,
    Consent,
    Course,
    PatchTest,
    Photo,
    Screening,
    SessionDocument,
    SessionOutcome,
    TreatmentSession,
    utcnow,
)
from dermaport.records.reads import PreparedRead, connection_of, table_of, view_columns, views_of
from dermaport.records.schemas import (
    AdverseEventIn,
    ConsentIn,
    NoteIn,
    OutcomeIn,
    PatchTestIn,
    PatchTestReadingIn,
    ScreeningIn,
)
from dermaport.records.views import (
    AdverseEventOut,
    AppointmentOut,
    ClientRecord,
    ConsentOut,
    CourseOut,
    DocumentOut,
    NoteOut,
    OutcomeRevisionOut,
    PatchTestOut,
    PhotoOut,
    ScreeningOut,
    SessionOut,
)
from dermaport.safety.screening import screen

__all__ = [
    "add_adverse_event",
    "add_consent",
    "add_note",
    "add_patch_test",
    "add_screening",
    "client_record",
    "get_session",
    "read_patch_test",
    "session_documents",
    "session_of_client",
    "set_outcome",
]


#: A patch test is read no sooner than this after it was applied.
PATCH_TEST_MIN_WAIT = timedelta(hours=24)
#: How far ahead of the server's clock a time may be (a desk's clock running fast).
CLOCK_SKEW = timedelta(minutes=5)


def _written(db: Session, actor: Actor, entity: str, row: Any, client_id: int) -> None:
    db.add(row)
    db.flush()
    audit.append(
        db, actor=actor.username, action="create", entity=entity, entity_id=row.id, client_id=client_id
    )


def session_of_client(db: Session, client_id: int, session_id: int) -> TreatmentSession:
    """The session ``session_id`` of client ``client_id``."""
    session = db.get(TreatmentSession, session_id)
    if session is None or session.client_id != client_id:
        raise RecordNotFoundError(f"session {session_id} of client {client_id} not found")
    return session


def add_screening(
    db: Session, actor: Actor, client_id: int, data: ScreeningIn, *, today: date | None = None
) -> ScreeningOut:
    """Record a screening's answers with the verdict, findings, deferral and adjustments the rules compute.

    ``today`` (default: the local date) is the day the rules screen for.
    """
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    day = today or datetime.now().date()
    result = screen(data.answers, today=day)
    row = Screening(
        client_id=client.id,
        screened_by=actor.user_id,
        questionnaire_version=result.version,
        answers=dict(data.answers),
        verdict=result.verdict.value,
        findings=[f.to_json() for f in result.findings],
        defer_until=result.defer_until,
        adjustments=list(result.adjustments),
        screened_on=day,
    )
    _written(db, actor, "screening", row, client.id)
    return ScreeningOut.model_validate(row)


def add_consent(db: Session, actor: Actor, client_id: int, data: ConsentIn) -> ConsentOut:
    """Record a signed consent; the SHA-256 of its text is kept to prove which text was signed."""
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    values = data.model_dump()
    values["signed_at"] = values["signed_at"] or utcnow()
    row = Consent(
        client_id=client.id,
        recorded_by=actor.user_id,
        text_sha256=hashlib.sha256(data.text.encode()).hexdigest(),
        **values,
    )
    _written(db, actor, "consent", row, client.id)
    return ConsentOut.model_validate(row)


def _check_reading(applied_at: datetime, read_at: datetime, now: datetime) -> None:
    if read_at > now + CLOCK_SKEW:
        raise InputError(f"read_at {read_at.isoformat()} is in the future: give the time it was read")
    if read_at < applied_at + PATCH_TEST_MIN_WAIT:
        hours = (read_at - applied_at).total_seconds() / 3600
        raise InputError(
            f"a patch test is read at least 24 h after it was applied; read_at is {hours:.1f} h after "
            f"applied_at {applied_at.isoformat()}: read it from "
            f"{(applied_at + PATCH_TEST_MIN_WAIT).isoformat()}"
        )


def _usable_lot(db: Session, actor: Actor, lot_id: int, on: datetime) -> None:
    lot = lot_of_clinic(db, actor, lot_id)
    if lot.expires_on < on.date():
        raise InputError(
            f"lot {lot_id} ({lot.lot_number}) expired on {lot.expires_on.isoformat()}: use a lot in date"
        )


def add_patch_test(db: Session, actor: Actor, client_id: int, data: PatchTestIn) -> PatchTestOut:
    """Record a patch test applied (of one of the clinic's lots in date, if named).

    Its reading is a second step, :func:`read_patch_test`; a test applied and read earlier may be
    recorded at once, the reading at least 24 h after ``applied_at`` and not in the future.
    """
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    now = utcnow()
    applied_at = data.applied_at or now
    if applied_at > now + CLOCK_SKEW:
        raise InputError(f"applied_at {applied_at.isoformat()} is in the future: record a test once applied")
    if data.lot_id is not None:
        _usable_lot(db, actor, data.lot_id, applied_at)
    if (data.result == "pending") != (data.read_at is None):
        raise InputError(
            "a pending patch test has no read_at, and a read one needs it: record the application first, "
            "then PUT …/patch-tests/ID/reading with the result"
        )
    if data.read_at is not None:
        _check_reading(applied_at, data.read_at, now)
    values = data.model_dump()
    values["applied_at"] = applied_at
    row = PatchTest(
        client_id=client.id,
        recorded_by=actor.user_id,
        read_by=actor.user_id if data.read_at is not None else None,
        **values,
    )
    _written(db, actor, "patch_test", row, client.id)
    return PatchTestOut.model_validate(row)


def read_patch_test(
    db: Session, actor: Actor, client_id: int, patch_test_id: int, data: PatchTestReadingIn
) -> PatchTestOut:
    """Record the reading of a pending patch test: at least 24 h after it was applied, not in the future."""
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    row = db.get(PatchTest, patch_test_id)
    if row is None or row.client_id != client.id:
        raise RecordNotFoundError(f"patch test {patch_test_id} of client {client_id} not found")
    if row.result != "pending":
        raise ConflictError(
            f"patch test {patch_test_id} was read already ({row.result}): record a new test to test again"
        )
    now = utcnow()
    read_at = data.read_at or now
    _check_reading(row.applied_at, read_at, now)
    row.result, row.read_at, row.read_by = data.result, read_at, actor.user_id
    if data.notes:
        row.notes = f"{row.notes}\n{data.notes}".strip()
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="update",
        entity="patch_test",
        entity_id=row.id,
        client_id=client.id,
        detail={"fields": ["read_at", "result"]},
    )
    return PatchTestOut.model_validate(row)


def add_note(db: Session, actor: Actor, client_id: int, data: NoteIn) -> NoteOut:
    """Record a clinical note."""
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    if data.session_id is not None:
        session_of_client(db, client.id, data.session_id)
    row = ClinicalNote(client_id=client.id, author_id=actor.user_id, **data.model_dump())
    _written(db, actor, "note", row, client.id)
    return NoteOut.model_validate(row)


def add_adverse_event(db: Session, actor: Actor, client_id: int, data: AdverseEventIn) -> AdverseEventOut:
    """Record a side effect or adverse event."""
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    if data.session_id is not None:
        session_of_client(db, client.id, data.session_id)
    values = data.model_dump()
    values["onset_at"] = values["onset_at"] or utcnow()
    row = AdverseEvent(client_id=client.id, recorded_by=actor.user_id, **values)
    _written(db, actor, "adverse_event", row, client.id)
    return AdverseEventOut.model_validate(row)


def get_session(db: Session, actor: Actor, client_id: int, session_id: int) -> SessionOut:
    """One treatment session of a client."""
    actor.require(Permission.CLINICAL_READ)
    row = _ONE_SESSION.first(db, {"session_id": session_id})
    if row is None or row.client_id != client_id or row.clinic_id != actor.clinic_id:
        client_row(db, actor, client_id)  # another clinic's (or no) client: "client not found"
        raise RecordNotFoundError(f"session {session_id} of client {client_id} not found")
    history = views_of(OutcomeRevisionOut, _SESSION_OUTCOMES.all(db, {"session_id": row.id}))
    audit.append(
        db, actor=actor.username, action="read", entity="session", entity_id=row.id, client_id=client_id
    )
    return _session_out(row, history)


def set_outcome(db: Session, actor: Actor, client_id: int, session_id: int, data: OutcomeIn) -> SessionOut:
    """Record what came of a session; an earlier account is kept (``session_outcomes``), not overwritten.

    The audit entry names the new revision and the one it replaces.
    """
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    row = session_of_client(db, client.id, session_id)
    previous = db.scalar(
        select(SessionOutcome.id)
        .where(SessionOutcome.session_id == row.id)
        .order_by(SessionOutcome.id.desc())
        .limit(1)
    )
    if previous is None and row.outcome:  # written before outcomes had a history: keep it first
        earlier = SessionOutcome(outcome=row.outcome, recorded_by=None)
        row.outcome_history.append(earlier)
        db.flush()
        previous = earlier.id
    revision = SessionOutcome(outcome=data.outcome, recorded_by=actor.user_id)
    row.outcome_history.append(revision)
    row.outcome = data.outcome
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="update",
        entity="session",
        entity_id=row.id,
        client_id=client.id,
        detail={"fields": ["outcome"], "revision": revision.id, "replaces": previous},
    )
    return SessionOut.model_validate(row)


def session_documents(db: Session, actor: Actor, client_id: int, session_id: int) -> list[DocumentOut]:
    """A session's runner documents (start, readings, events, stop) in arrival order."""
    actor.require(Permission.CLINICAL_READ)
    client = client_of_clinic(db, actor, client_id)
    row = session_of_client(db, client.id, session_id)
    documents = db.scalars(
        select(SessionDocument).where(SessionDocument.session_id == row.id).order_by(SessionDocument.seq)
    ).all()
    audit.append(
        db,
        actor=actor.username,
        action="read",
        entity="session_documents",
        entity_id=row.id,
        client_id=client.id,
    )
    return [DocumentOut.model_validate(d) for d in documents]


def _history(model: Any, view: type[Any], order: Any) -> PreparedRead:
    """A client's rows of ``model`` as ``view`` needs them, oldest first (then by id).

    ``order`` (a mapped attribute) is ordered by as its table's column: the statement stays a
    Core one, which the session executes without the ORM's per-execution compile state.
    """
    table = table_of(model)
    return PreparedRead(
        select(*view_columns(model, view))
        .where(table.c.client_id == bindparam("client_id"))
        .order_by(table.c[order.key], table.c.id)
    )


_SESSIONS = table_of(TreatmentSession)
_CLIENTS = table_of(Client)
_OUTCOMES = table_of(SessionOutcome)
_SESSION_COLUMNS = [*view_columns(TreatmentSession, SessionOut), _SESSIONS.c.client_id]
#: One session with its client's clinic (whose client it is checked in the same select).
_ONE_SESSION = PreparedRead(
    select(*_SESSION_COLUMNS, _CLIENTS.c.clinic_id)
    .join(_CLIENTS, _CLIENTS.c.id == _SESSIONS.c.client_id)
    .where(_SESSIONS.c.id == bindparam("session_id"))
)
_OUTCOME_COLUMNS = [*view_columns(SessionOutcome, OutcomeRevisionOut), _OUTCOMES.c.session_id]
_SESSION_OUTCOMES = PreparedRead(
    select(*_OUTCOME_COLUMNS)
    .where(_OUTCOMES.c.session_id == bindparam("session_id"))
    .order_by(_OUTCOMES.c.id)
)
#: Every outcome revision of every session of one client, by id (one select for the whole record).
_CLIENT_OUTCOMES = PreparedRead(
    select(*_OUTCOME_COLUMNS)
    .join(_SESSIONS, _SESSIONS.c.id == _OUTCOMES.c.session_id)
    .where(_SESSIONS.c.client_id == bindparam("client_id"))
    .order_by(_OUTCOMES.c.id)
)
#: The record's parts: (field of ClientRecord, view, select of the client's rows in order).
_RECORD_PARTS: tuple[tuple[str, Any, PreparedRead], ...] = (
    ("screenings", ScreeningOut, _history(Screening, ScreeningOut, Screening.screened_at)),
    ("consents", ConsentOut, _history(Consent, ConsentOut, Consent.signed_at)),
    ("patch_tests", PatchTestOut, _history(PatchTest, PatchTestOut, PatchTest.applied_at)),
    ("notes", NoteOut, _history(ClinicalNote, NoteOut, ClinicalNote.created_at)),
    ("adverse_events", AdverseEventOut, _history(AdverseEvent, AdverseEventOut, AdverseEvent.onset_at)),
    ("photos", PhotoOut, _history(Photo, PhotoOut, Photo.stored_at)),
    ("courses", CourseOut, _history(Course, CourseOut, Course.created_at)),
    ("appointments", AppointmentOut, _history(Appointment, AppointmentOut, Appointment.starts_at)),
)
_CLIENT_SESSIONS = PreparedRead(
    select(*_SESSION_COLUMNS)
    .where(_SESSIONS.c.client_id == bindparam("client_id"))
    .order_by(_SESSIONS.c.started_at, _SESSIONS.c.id)
)


def _session_out(row: Any, history: list[OutcomeRevisionOut]) -> SessionOut:
    values = {name: getattr(row, name) for name in SessionOut.model_fields if name != "outcome_history"}
    return SessionOut.model_validate({**values, "outcome_history": history})


def client_record(db: Session, actor: Actor, client_id: int) -> ClientRecord:
    """Everything about one client: contact details and every clinical record (audited as one read).

    One select per kind of record, of the columns its view shows (:mod:`dermaport.records.reads`),
    and one for every session's outcome revisions.
    """
    actor.require(Permission.CLINICAL_READ)
    client = client_row(db, actor, client_id)
    key = {"client_id": client.id}
    connection = connection_of(db)  # looked up once for the ten reads
    parts: dict[str, Any] = {
        name: views_of(view, query.all(connection, key)) for name, view, query in _RECORD_PARTS
    }
    history: dict[int, list[OutcomeRevisionOut]] = {}
    for revision in _CLIENT_OUTCOMES.all(connection, key):
        history.setdefault(revision.session_id, []).append(
            OutcomeRevisionOut.model_validate(revision, from_attributes=True)
        )
    sessions = [_session_out(row, history.get(row.id, [])) for row in _CLIENT_SESSIONS.all(connection, key)]
    record = ClientRecord(client=client_out(client), sessions=sessions, **parts)
    audit.append(
        db, actor=actor.username, action="read", entity="record", entity_id=client.id, client_id=client.id
    )
    return record
