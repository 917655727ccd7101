"""Clinical records of a client: screenings, consents, patch tests, notes, adverse events, photos."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dermaport.records.models._base import Base, utcnow

__all__ = ["AdverseEvent", "ClinicalNote", "Consent", "PatchTest", "Photo", "Screening"]


class Screening(Base):
    """A contraindication screening: the questionnaire version, every answer, and what the rules made of them.

    ``verdict``, ``findings``, ``defer_until`` and ``adjustments`` are computed by
    :func:`dermaport.safety.screening.screen` on ``screened_on``, never taken from a caller.
    """

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    questionnaire_version: Mapped[str] = mapped_column(String(50))
    answers: Mapped[dict[str, Any]]
    verdict: Mapped[str] = mapped_column(String(20))
    findings: Mapped[list[Any]] = mapped_column(default=list)
    defer_until: Mapped[date | None] = mapped_column(Date, default=None)
    adjustments: Mapped[list[Any]] = mapped_column(default=list)
    screened_on: Mapped[date | None] = mapped_column(Date, default=None)
    screened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """A signed consent: the form and its version, the exact text shown, the signature and the time."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    form: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
    covers_photos: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class PatchTest(Base):
    """A patch test of a product lot on the client's skin and its reading."""

    __tablename__ = "patch_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), default=None)
    site: Mapped[str] = mapped_column(String(100))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    result: Mapped[str] = mapped_column(String(20), default="pending")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    read_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class ClinicalNote(Base):
    """A practitioner's note about a client, optionally about one session."""

    __tablename__ = "clinical_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdverseEvent(Base):
    """A side effect or adverse event, with its severity, onset and the session it followed."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        CheckConstraint("kind IN ('side_effect', 'adverse_event')", name="kind"),
        CheckConstraint("severity IN ('mild', 'moderate', 'severe')", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    onset_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Photo(Base):
    """A before/after photo: a file (location metadata stripped) linked to the consent that covers it."""

    __tablename__ = "photos"
    __table_args__ = (CheckConstraint("kind IN ('before', 'after', 'other')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), default=None)
    kind: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(50))
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
