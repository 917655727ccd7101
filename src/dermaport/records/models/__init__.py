"""The records tables as SQLAlchemy 2 models; the schema itself is built by the Alembic migrations."""

from dermaport.records.models._base import Base, UtcDateTime, utcnow
from dermaport.records.models.audit import AuditEntry, AuditHead
from dermaport.records.models.auth import LoginAttempt, LoginSession
from dermaport.records.models.bookings import Appointment, Course, Lot, Product
from dermaport.records.models.clinical import AdverseEvent, ClinicalNote, Consent, PatchTest, Photo, Screening
from dermaport.records.models.people import ROLES, Client, ClientContact, Clinic, User
from dermaport.records.models.plans import PlanRecord
from dermaport.records.models.sessions import (
    SESSION_STATUSES,
    SessionDocument,
    SessionOutcome,
    TreatmentSession,
)

__all__ = [
    "ROLES",
    "SESSION_STATUSES",
    "AdverseEvent",
    "Appointment",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Client",
    "ClientContact",
    "Clinic",
    "ClinicalNote",
    "Consent",
    "Course",
    "LoginAttempt",
    "LoginSession",
    "Lot",
    "PatchTest",
    "Photo",
    "PlanRecord",
    "Product",
    "Screening",
    "SessionDocument",
    "SessionOutcome",
    "TreatmentSession",
    "User",
    "UtcDateTime",
    "utcnow",
]
