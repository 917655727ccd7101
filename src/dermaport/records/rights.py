"""Data rights: export everything about a client; erase on request within legal retention.

Erasure anonymises the client's personal data at once, consent signatures included (the
consent's form, version, text, text hash and time stay as proof of what was agreed).
Afterwards the client accepts no new personal or clinical data (409). Clinical records are kept, under the
client's id only, until the retention period (``DERMAPORT_RETENTION_YEARS``, default 7) has run
from the client's last clinical entry; after that an erasure deletes them too. Bookings that
no treatment refers to are deleted. The audit log keeps ids only, and is kept. The erasure
returns a report, item by item, of what was anonymised, deleted or kept and why, and the
erasure itself is audited.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.clients import client_of_clinic
from dermaport.records.clinical import client_record
from dermaport.records.models import (
    AdverseEvent,
    Appointment,
    AuditEntry,
    ClinicalNote,
    Consent,
    Course,
    PatchTest,
    Photo,
    Screening,
    SessionDocument,
    TreatmentSession,
    utcnow,
)
from dermaport.records.views import ClientRecord

__all__ = [
    "ERASED",
    "REMOVED_SIGNATURE",
    "ErasureItem",
    "ErasureReport",
    "ExportOut",
    "erase_client",
    "export_client",
]

#: What an erased name reads.
ERASED = "erased"
#: What an erased consent's signature reads (the signature itself is removed).
REMOVED_SIGNATURE = ""

_CLINICAL: tuple[tuple[str, Any, Any], ...] = (
    ("photos", Photo, Photo.stored_at),
    ("adverse_events", AdverseEvent, AdverseEvent.onset_at),
    ("notes", ClinicalNote, ClinicalNote.created_at),
    ("patch_tests", PatchTest, PatchTest.applied_at),
    ("screenings", Screening, Screening.screened_at),
    ("sessions", TreatmentSession, TreatmentSession.started_at),
    ("consents", Consent, Consent.signed_at),
)


class AccessEntry(BaseModel):
    """One entry of the client's access log: who read or changed their data, and when."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str


class ExportOut(BaseModel):
    """Everything about a client, machine-readable (GDPR art. 15 and 20)."""

    format: Literal["dermaport-client-export/1"] = "dermaport-client-export/1"
    exported_at: datetime
    record: ClientRecord
    session_documents: dict[str, list[dict[str, Any]]]
    photos: dict[str, str]
    access_log: list[AccessEntry]


class ErasureItem(BaseModel):
    """What became of one kind of record."""

    category: str
    count: int
    action: Literal["anonymised", "deleted", "kept"]
    reason: str


class ErasureReport(BaseModel):
    """The outcome of an erasure request, item by item."""

    client_id: int
    erased_at: datetime
    retained_until: date | None
    items: list[ErasureItem]


def export_client(db: Session, actor: Actor, client_id: int, *, photo_dir: Any) -> ExportOut:
    """Everything about one client: record, session documents, photos (base64), access log."""
    actor.require(Permission.DATA_RIGHTS)
    record = client_record(db, actor, client_id)
    documents: dict[str, list[dict[str, Any]]] = {}
    for session in record.sessions:
        rows = db.scalars(
            select(SessionDocument)
            .where(SessionDocument.session_id == session.id)
            .order_by(SessionDocument.seq)
        )
        documents[session.uid] = [{"name": d.name, "seq": d.seq, "document": d.body} for d in rows]
    photos = {}
    for photo in record.photos:
        row = db.get(Photo, photo.id)
        path = photo_dir / row.file_name if row else None
        if path is not None and path.is_file():
            photos[str(photo.id)] = base64.b64encode(path.read_bytes()).decode()
    access = db.scalars(select(AuditEntry).where(AuditEntry.client_id == client_id).order_by(AuditEntry.seq))
    export = ExportOut(
        exported_at=utcnow(),
        record=record,
        session_documents=documents,
        photos=photos,
        access_log=[AccessEntry.model_validate(e, from_attributes=True) for e in access],
    )
    audit.append(
        db, actor=actor.username, action="export", entity="client", entity_id=client_id, client_id=client_id
    )
    return export


def _last_clinical_entry(db: Session, client_id: int) -> datetime | None:
    latest: datetime | None = None
    for _name, model, column in _CLINICAL:
        value = db.scalar(select(func.max(column)).where(model.client_id == client_id))
        if value is not None:
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            latest = value if latest is None or value > latest else latest
    return latest


def _add_years(when: datetime, years: int) -> date:
    day = when.date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def erase_client(
    db: Session,
    actor: Actor,
    client_id: int,
    *,
    retention_years: int,
    photo_dir: Any,
    now: datetime | None = None,
) -> ErasureReport:
    """Erase a client's personal data; delete clinical records whose retention has run out."""
    actor.require(Permission.DATA_RIGHTS)
    client = client_of_clinic(db, actor, client_id)
    now = now or utcnow()
    items: list[ErasureItem] = []
    contact = client.contact
    contact.given_name, contact.family_name = ERASED, ERASED
    contact.date_of_birth = contact.email = contact.phone = contact.address = None
    contact.search_text = ""
    contact.updated_at = now
    items.append(ErasureItem(category="contact", count=1, action="anonymised", reason="erasure request"))
    last = _last_clinical_entry(db, client.id)
    retained_until = _add_years(last, retention_years) if last is not None else None
    expired = retained_until is None or now.date() >= retained_until
    signed = 0
    if not expired:  # kept consents lose their signature; expired ones are deleted below
        result = db.execute(
            update(Consent)
            .where(Consent.client_id == client.id, Consent.signature != REMOVED_SIGNATURE)
            .values(signature=REMOVED_SIGNATURE)
        )
        signed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if signed:
        items.append(
            ErasureItem(
                category="consent_signatures",
                count=signed,
                action="anonymised",
                reason="a signature identifies the person; form, text, its hash and time are kept",
            )
        )

    treated_appointments = select(TreatmentSession.appointment_id).where(
        TreatmentSession.client_id == client.id, TreatmentSession.appointment_id.is_not(None)
    )
    for name, model, _column in _CLINICAL:
        ids = list(db.scalars(select(model.id).where(model.client_id == client.id)))
        if not ids:
            continue
        if not expired:
            reason = f"legal retention until {retained_until} ({retention_years} y after the last entry)"
            items.append(ErasureItem(category=name, count=len(ids), action="kept", reason=reason))
            continue
        if model is TreatmentSession:
            db.execute(delete(SessionDocument).where(SessionDocument.session_id.in_(ids)))
            db.execute(delete(Photo).where(Photo.session_id.in_(ids)))
        if model is Photo:
            for file_name in db.scalars(select(Photo.file_name).where(Photo.id.in_(ids))):
                (photo_dir / file_name).unlink(missing_ok=True)
        db.execute(delete(model).where(model.id.in_(ids)))
        items.append(
            ErasureItem(category=name, count=len(ids), action="deleted", reason="retention period over")
        )
    untreated = db.execute(
        delete(Appointment).where(
            Appointment.client_id == client.id, Appointment.id.not_in(treated_appointments)
        )
    ).rowcount  # type: ignore[attr-defined]
    if untreated:
        items.append(
            ErasureItem(
                category="appointments",
                count=untreated,
                action="deleted",
                reason="no treatment refers to them",
            )
        )
    kept_courses = select(Appointment.course_id).where(
        Appointment.client_id == client.id, Appointment.course_id.is_not(None)
    )
    courses = db.execute(
        delete(Course).where(Course.client_id == client.id, Course.id.not_in(kept_courses))
    ).rowcount  # type: ignore[attr-defined]
    if courses:
        items.append(
            ErasureItem(
                category="courses", count=courses, action="deleted", reason="no treatment refers to them"
            )
        )
    client.erased_at = now
    db.flush()
    report = ErasureReport(client_id=client.id, erased_at=now, retained_until=retained_until, items=items)
    audit.append(
        db,
        actor=actor.username,
        action="erase",
        entity="client",
        entity_id=client.id,
        client_id=client.id,
        detail={
            "retained_until": retained_until.isoformat() if retained_until else None,
            "items": {f"{i.category}": f"{i.action} {i.count}" for i in items},
        },
    )
    return report
