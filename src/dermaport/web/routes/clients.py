"""Clients and their contact details, bookings and clinical records."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from dermaport.records import bookings, clients, clinical
from dermaport.records.schemas import (
    AdverseEventIn,
    AppointmentIn,
    AppointmentStatusIn,
    ConsentIn,
    ContactIn,
    ContactPatch,
    CourseIn,
    NoteIn,
    OutcomeIn,
    PatchTestIn,
    PatchTestReadingIn,
    ScreeningIn,
)
from dermaport.records.views import (
    AdverseEventOut,
    AppointmentOut,
    ClientOut,
    ClientRecord,
    ConsentOut,
    CourseOut,
    DocumentOut,
    NoteOut,
    PatchTestOut,
    ScreeningOut,
    SessionOut,
)
from dermaport.web.deps import CurrentActor, DbSession, RecordsRouter
from dermaport.web.responses import SIGNED_IN

router = RecordsRouter(prefix="/api/clients", tags=["clients"], responses=SIGNED_IN)

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A client's id.")]
AppointmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="An appointment's id.")]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A session's id.")]


@router.get("")
def list_clients(
    actor: CurrentActor,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=r"^[^\x00]*$",
            description="Any part of a name, phone, e-mail or date of birth (case and accents ignored).",
        ),
    ] = None,
) -> list[ClientOut]:
    """The clinic's clients, a page at a time; with ``q``, those it finds."""
    return clients.list_clients(db, actor, limit=limit, offset=offset, q=q)


@router.post("", status_code=201)
def create_client(body: ContactIn, actor: CurrentActor, db: DbSession) -> ClientOut:
    """Register a client with their contact details."""
    return clients.create_client(db, actor, body)


@router.get("/{client_id}")
def get_client(client_id: ClientId, actor: CurrentActor, db: DbSession) -> ClientOut:
    """A client's contact details."""
    return clients.get_client(db, actor, client_id)


@router.patch("/{client_id}")
def update_client(client_id: ClientId, body: ContactPatch, actor: CurrentActor, db: DbSession) -> ClientOut:
    """Change a client's contact details."""
    return clients.update_contact(db, actor, client_id, body)


@router.get("/{client_id}/record")
def get_record(client_id: ClientId, actor: CurrentActor, db: DbSession) -> ClientRecord:
    """Everything about a client: contact details and all clinical records."""
    return clinical.client_record(db, actor, client_id)


@router.get("/{client_id}/sessions/{session_id}")
def get_session(client_id: ClientId, session_id: SessionId, actor: CurrentActor, db: DbSession) -> SessionOut:
    """One treatment session: plan, device, limits, delivered dose and outcome."""
    return clinical.get_session(db, actor, client_id, session_id)


@router.put("/{client_id}/sessions/{session_id}/outcome")
def set_outcome(
    client_id: ClientId, session_id: SessionId, body: OutcomeIn, actor: CurrentActor, db: DbSession
) -> SessionOut:
    """Record what came of a session."""
    return clinical.set_outcome(db, actor, client_id, session_id, body)


@router.get("/{client_id}/sessions/{session_id}/documents")
def session_documents(
    client_id: ClientId, session_id: SessionId, actor: CurrentActor, db: DbSession
) -> list[DocumentOut]:
    """A session's runner documents (start, readings, events, stop) in arrival order."""
    return clinical.session_documents(db, actor, client_id, session_id)


@router.post("/{client_id}/screenings", status_code=201)
def add_screening(client_id: ClientId, body: ScreeningIn, actor: CurrentActor, db: DbSession) -> ScreeningOut:
    """Record a screening."""
    return clinical.add_screening(db, actor, client_id, body)


@router.post("/{client_id}/consents", status_code=201)
def add_consent(client_id: ClientId, body: ConsentIn, actor: CurrentActor, db: DbSession) -> ConsentOut:
    """Record a signed consent."""
    return clinical.add_consent(db, actor, client_id, body)


@router.post("/{client_id}/patch-tests", status_code=201)
def add_patch_test(
    client_id: ClientId, body: PatchTestIn, actor: CurrentActor, db: DbSession
) -> PatchTestOut:
    """Record a patch test."""
    return clinical.add_patch_test(db, actor, client_id, body)


@router.post("/{client_id}/notes", status_code=201)
def add_note(client_id: ClientId, body: NoteIn, actor: CurrentActor, db: DbSession) -> NoteOut:
    """Record a clinical note."""
    return clinical.add_note(db, actor, client_id, body)


@router.post("/{client_id}/adverse-events", status_code=201)
def add_adverse_event(
    client_id: ClientId, body: AdverseEventIn, actor: CurrentActor, db: DbSession
) -> AdverseEventOut:
    """Record a side effect or adverse event."""
    return clinical.add_adverse_event(db, actor, client_id, body)


@router.get("/{client_id}/appointments")
def list_appointments(client_id: ClientId, actor: CurrentActor, db: DbSession) -> list[AppointmentOut]:
    """A client's appointments."""
    return bookings.list_appointments(db, actor, client_id)


@router.post("/{client_id}/appointments", status_code=201)
def add_appointment(
    client_id: ClientId, body: AppointmentIn, actor: CurrentActor, db: DbSession
) -> AppointmentOut:
    """Book an appointment."""
    return bookings.add_appointment(db, actor, client_id, body)


@router.put("/{client_id}/appointments/{appointment_id}/status")
def set_appointment_status(
    client_id: ClientId,
    appointment_id: AppointmentId,
    body: AppointmentStatusIn,
    actor: CurrentActor,
    db: DbSession,
) -> AppointmentOut:
    """Mark an appointment attended, cancelled or a no-show."""
    return bookings.set_appointment_status(db, actor, client_id, appointment_id, body)


@router.post("/{client_id}/courses", status_code=201)
def add_course(client_id: ClientId, body: CourseIn, actor: CurrentActor, db: DbSession) -> CourseOut:
    """Sell a course of treatments."""
    return bookings.add_course(db, actor, client_id, body)


PatchTestId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A patch test's id.")]


@router.put("/{client_id}/patch-tests/{patch_test_id}/reading")
def read_patch_test(
    client_id: ClientId,
    patch_test_id: PatchTestId,
    body: PatchTestReadingIn,
    actor: CurrentActor,
    db: DbSession,
) -> PatchTestOut:
    """Record the reading of a pending patch test (at least 24 h after it was applied)."""
    return clinical.read_patch_test(db, actor, client_id, patch_test_id, body)
