"""The pages that add to a client's history: notes, side effects, a session's outcome, bookings.

* notes and side effects (``/clients/{id}/notes``): a clinical note or a side effect / adverse
  event, optionally about one session, by :func:`~dermaport.records.clinical.add_note` and
  :func:`~dermaport.records.clinical.add_adverse_event` (clinical roles only);
* a session's outcome (``/clients/{id}/sessions/{sid}/outcome``), by
  :func:`~dermaport.records.clinical.set_outcome`;
* appointments (``/clients/{id}/appointments``): book one, mark one attended, cancelled or a
  no-show, by :mod:`dermaport.records.bookings` (reception too: bookings are the desk's work).

Each form refused keeps what was typed and shows the reason next to the field that caused it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from dermaport.errors import ConflictError, InputError
from dermaport.records import bookings, clients, clinical
from dermaport.records.access import Actor, Permission
from dermaport.records.schemas import AdverseEventIn, AppointmentIn, AppointmentStatusIn, NoteIn, OutcomeIn
from dermaport.web.pages.render import (
    BriefPageActor,
    FormData,
    field_errors,
    page,
    page_router,
    read_transaction,
    redirect,
    write_transaction,
)
from dermaport.web.pages.treatment import local_time

__all__ = ["router"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: The lengths an appointment may be booked for (minutes), the first the default.
DURATIONS = (30, 15, 45, 60, 90, 120)


def _session_id(form: dict[str, str]) -> int | None:
    raw = form.get("session_id", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InputError(f"session {raw!r} is not a session of this client: choose one from the list")
    return int(raw)


# -- notes and side effects ---------------------------------------------------------------------

#: What to say for a choice left out or not one of those offered.
_CHOICES = {
    "kind": "choose the kind: a side effect (expected) or an adverse event",
    "severity": "choose how severe it is: mild, moderate or severe",
}


def _notes_context(request: Request, actor: Actor, client_id: int, **extra: Any) -> dict[str, Any]:
    with read_transaction(request) as db:
        record = clinical.client_record(db, actor, client_id)
    return {"title": "Notes and side effects", "client": record.client, "record": record, **extra}


@router.get("/clients/{client_id}/notes", response_class=HTMLResponse)
def notes_page(request: Request, client_id: ClientId, actor: BriefPageActor) -> HTMLResponse:
    """The client's notes and side effects, with a form for each."""
    actor.require(Permission.CLINICAL_WRITE)
    return page(request, "notes.html", _notes_context(request, actor, client_id), actor=actor)


def _refused_notes(
    request: Request, actor: Actor, client_id: int, form: dict[str, str], errors: dict[str, str], which: str
) -> HTMLResponse:
    values = {f"{which}_{k}": v for k, v in form.items()}
    context = _notes_context(request, actor, client_id, errors=errors, values=values)
    return page(request, "notes.html", context, actor=actor, status_code=422)


@router.post("/clients/{client_id}/notes", response_model=None)
def add_note(request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData) -> Response:
    """Record a clinical note (optionally about one session)."""
    try:
        data = NoteIn(text=form.get("text", "").strip(), session_id=_session_id(form))
        with write_transaction(request) as db:
            clinical.add_note(db, actor, client_id, data)
    except ValidationError as exc:
        errors = {f"note_{k}": v for k, v in field_errors(exc).items()}
        return _refused_notes(request, actor, client_id, form, errors, "note")
    except InputError as exc:
        return _refused_notes(request, actor, client_id, form, {"note_session_id": str(exc)}, "note")
    return redirect(f"/clients/{client_id}/notes")


@router.post("/clients/{client_id}/adverse-events", response_model=None)
def add_adverse_event(
    request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData
) -> Response:
    """Record a side effect or an adverse event (onset now unless a past time is given)."""
    try:
        onset = local_time(form.get("onset_at", ""), "onset")
        data = AdverseEventIn.model_validate(
            {
                "kind": form.get("kind") or None,
                "severity": form.get("severity") or None,
                "description": form.get("description", "").strip(),
                "session_id": _session_id(form),
                "onset_at": onset,
            }
        )
        with write_transaction(request) as db:
            clinical.add_adverse_event(db, actor, client_id, data)
    except ValidationError as exc:
        errors = {f"event_{k}": _CHOICES.get(k, v) for k, v in field_errors(exc).items()}
        return _refused_notes(request, actor, client_id, form, errors, "event")
    except InputError as exc:
        field = "event_onset_at" if "onset" in str(exc) else "event_session_id"
        return _refused_notes(request, actor, client_id, form, {field: str(exc)}, "event")
    return redirect(f"/clients/{client_id}/notes")


# -- a session's outcome ------------------------------------------------------------------------


def _outcome_context(
    request: Request, actor: Actor, client_id: int, session_id: int, **extra: Any
) -> dict[str, Any]:
    with read_transaction(request) as db:
        client = clients.get_client(db, actor, client_id)
        session = clinical.get_session(db, actor, client_id, session_id)
    values = {"outcome": session.outcome or ""}
    return {"title": "Session outcome", "client": client, "session": session, "values": values, **extra}


@router.get("/clients/{client_id}/sessions/{session_id}/outcome", response_class=HTMLResponse)
def outcome_page(
    request: Request, client_id: ClientId, session_id: RowId, actor: BriefPageActor
) -> HTMLResponse:
    """The form for what came of a session: the result and the skin afterwards."""
    actor.require(Permission.CLINICAL_WRITE)
    context = _outcome_context(request, actor, client_id, session_id)
    return page(request, "outcome.html", context, actor=actor)


@router.post("/clients/{client_id}/sessions/{session_id}/outcome", response_model=None)
def set_outcome(
    request: Request, client_id: ClientId, session_id: RowId, actor: BriefPageActor, form: FormData
) -> Response:
    """Record (or correct) a session's outcome."""
    try:
        data = OutcomeIn(outcome=form.get("outcome", "").strip())
        with write_transaction(request) as db:
            clinical.set_outcome(db, actor, client_id, session_id, data)
    except (ValidationError, InputError) as exc:
        message = field_errors(exc).get("outcome", "form") if isinstance(exc, ValidationError) else str(exc)
        context = _outcome_context(request, actor, client_id, session_id, errors={"outcome": message})
        context["values"] = {"outcome": form.get("outcome", "")}
        return page(request, "outcome.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}#sessions")


# -- appointments ---------------------------------------------------------------------------------


def _booking_context(request: Request, actor: Actor, client_id: int, **extra: Any) -> dict[str, Any]:
    with read_transaction(request) as db:
        client = clients.get_client(db, actor, client_id)
        appointments = bookings.list_appointments(db, actor, client_id)
    return {
        "title": "Appointments",
        "client": client,
        "appointments": appointments,
        "durations": DURATIONS,
        "may_book": actor.may(Permission.BOOKING_WRITE),
        **extra,
    }


@router.get("/clients/{client_id}/appointments", response_class=HTMLResponse)
def appointments_page(request: Request, client_id: ClientId, actor: BriefPageActor) -> HTMLResponse:
    """The client's appointments, with the form to book one."""
    actor.require(Permission.BOOKING_READ)
    return page(request, "appointments.html", _booking_context(request, actor, client_id), actor=actor)


@router.post("/clients/{client_id}/appointments", response_model=None)
def book(request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData) -> Response:
    """Book an appointment (refused in the past, or over another in the same room)."""
    try:
        starts_at = local_time(form.get("starts_at", ""), "start")
        raw_length = form.get("duration_min", "").strip()
        data = AppointmentIn.model_validate(
            {
                "starts_at": starts_at,
                "duration_min": int(raw_length) if raw_length.isdigit() else raw_length or None,
                "room": form.get("room", "").strip() or None,
            }
        )
        with write_transaction(request) as db:
            bookings.add_appointment(db, actor, client_id, data)
    except ValidationError as exc:
        context = _booking_context(request, actor, client_id, errors=field_errors(exc), values=form)
        return page(request, "appointments.html", context, actor=actor, status_code=422)
    except (InputError, ConflictError) as exc:
        field = "room" if str(exc).startswith("room") else "starts_at"
        context = _booking_context(request, actor, client_id, errors={field: str(exc)}, values=form)
        status = 409 if isinstance(exc, ConflictError) else 422
        return page(request, "appointments.html", context, actor=actor, status_code=status)
    return redirect(f"/clients/{client_id}/appointments")


@router.post("/clients/{client_id}/appointments/{appointment_id}/status", response_model=None)
def appointment_status(
    request: Request, client_id: ClientId, appointment_id: RowId, actor: BriefPageActor, form: FormData
) -> Response:
    """Mark an appointment attended, cancelled or a no-show (or booked again)."""
    key = f"status-{appointment_id}"
    try:
        data = AppointmentStatusIn.model_validate({"status": form.get("status") or None})
        with write_transaction(request) as db:
            bookings.set_appointment_status(db, actor, client_id, appointment_id, data)
    except ValidationError:
        errors = {key: "choose what happened: attended, cancelled or no show"}
        context = _booking_context(request, actor, client_id, errors=errors)
        return page(request, "appointments.html", context, actor=actor, status_code=422)
    except InputError as exc:
        context = _booking_context(request, actor, client_id, errors={key: str(exc)})
        return page(request, "appointments.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}/appointments")
