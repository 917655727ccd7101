"""What the records functions return: plain typed values read from the tables (and the API's JSON)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field, model_validator

__all__ = [
    "AdverseEventOut",
    "AppointmentOut",
    "ClientOut",
    "ClientRecord",
    "ConsentOut",
    "ContactOut",
    "CourseOut",
    "DocumentOut",
    "LotOut",
    "NoteOut",
    "OutcomeRevisionOut",
    "PatchTestOut",
    "PhotoOut",
    "ProductOut",
    "ScreeningOut",
    "SessionOut",
    "UserOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ContactOut(_Out):
    """A client's personal data and contact details (``erased`` ones read ``"erased"``)."""

    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None
    address: str | None


class ClientOut(_Out):
    """A client as reception sees them: id, dates and contact details."""

    id: int
    created_at: datetime
    erased_at: datetime | None
    contact: ContactOut


class ScreeningOut(_Out):
    """A stored screening."""

    id: int
    questionnaire_version: str
    answers: dict[str, Any]
    verdict: str
    findings: list[Any]
    defer_until: date | None
    adjustments: list[Any]
    screened_on: date | None
    screened_by: int
    screened_at: datetime


class ConsentOut(_Out):
    """A stored consent (the text's SHA-256 proves which text was signed)."""

    id: int
    form: str
    form_version: str
    text: str
    text_sha256: str
    signature: str
    covers_photos: bool
    signed_at: datetime
    recorded_by: int


class PatchTestOut(_Out):
    """A stored patch test: applied (``applied_at``), then read (``read_at``, ``result``) ≥ 24 h later.

    ``result`` is ``pending`` until read, then ``negative`` or ``positive``; ``lot_id`` names the
    product lot tested (``GET /api/products/ID/lots``).
    """

    id: int
    lot_id: int | None
    site: str
    applied_at: datetime
    read_at: datetime | None
    result: str
    notes: str
    recorded_by: int | None = None
    read_by: int | None = None


class NoteOut(_Out):
    """A stored clinical note."""

    id: int
    session_id: int | None
    text: str
    author_id: int
    created_at: datetime


class AdverseEventOut(_Out):
    """A stored side effect or adverse event."""

    id: int
    session_id: int | None
    kind: str
    severity: str
    description: str
    onset_at: datetime


class PhotoOut(_Out):
    """A stored photo's record (the file itself is fetched separately)."""

    id: int
    consent_id: int
    session_id: int | None
    kind: str
    sha256: str
    content_type: str
    stored_at: datetime


class ProductOut(_Out):
    """A product."""

    id: int
    name: str
    active: str
    concentration: str


class LotOut(_Out):
    """A lot of a product."""

    id: int
    product_id: int
    lot_number: str
    expires_on: date


class CourseOut(_Out):
    """A course of treatments."""

    id: int
    client_id: int
    name: str
    sessions_planned: int
    created_at: datetime


class AppointmentOut(_Out):
    """A booked appointment."""

    id: int
    client_id: int
    course_id: int | None
    practitioner_id: int | None
    room: str | None = None
    starts_at: datetime
    duration_min: int
    status: str


class OutcomeRevisionOut(_Out):
    """One account of a session's outcome, kept when a later one replaced it."""

    id: int
    outcome: str
    recorded_by: int | None
    recorded_at: datetime


class SessionOut(_Out):
    """A treatment session: settings, device, delivered dose (mA·min), status and outcome."""

    id: int
    uid: str
    appointment_id: int | None
    lot_id: int | None
    operator_id: int | None
    device_serial: str
    plan: dict[str, Any]
    device: dict[str, Any]
    limits: dict[str, Any]
    status: str
    reason: str
    started_at: datetime
    ended_at: datetime | None
    last_time_s: float
    delivered_charge_mA_min: float  # noqa: N815 - unit in the name
    outcome: str
    outcome_history: list[OutcomeRevisionOut] = []
    plan_id: int | None = None
    state: str = ""

    @model_validator(mode="after")
    def _paused(self) -> SessionOut:
        """A running session whose runner holds paused reads ``paused``."""
        if self.status == "running" and self.state == "paused":
            self.status = "paused"
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def charge_dose_mA_min(self) -> float:  # noqa: N802
        """Charge delivered so far (the last reading's count), mA·min."""
        return self.delivered_charge_mA_min

    @computed_field  # type: ignore[prop-decorator]
    @property
    def planned_dose_mA_min(self) -> float | None:  # noqa: N802
        """Charge the session's current steps were planned to deliver (the trapezoids), mA·min."""
        value = self.plan.get("planned_dose_mA_min")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class DocumentOut(_Out):
    """One of a session's runner documents, in arrival order."""

    seq: int
    name: str
    time_s: float | None
    body: dict[str, Any]
    received_at: datetime


class UserOut(_Out):
    """An account (never its password hash)."""

    id: int
    username: str
    role: str
    active: bool


class ClientRecord(_Out):
    """Everything clinical about one client, with their contact details."""

    client: ClientOut
    screenings: list[ScreeningOut]
    consents: list[ConsentOut]
    patch_tests: list[PatchTestOut]
    notes: list[NoteOut]
    adverse_events: list[AdverseEventOut]
    photos: list[PhotoOut]
    sessions: list[SessionOut]
    courses: list[CourseOut]
    appointments: list[AppointmentOut]
