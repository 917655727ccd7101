"""Treatment sessions and the runner's documents (start, readings, events, stop) as they arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dermaport.records.models._base import Base, utcnow

__all__ = ["SESSION_STATUSES", "SessionDocument", "SessionOutcome", "TreatmentSession"]

#: A session is ``running`` until its stop document; ``interrupted`` if it never came.
SESSION_STATUSES = ("running", "complete", "stopped", "failed", "interrupted")


class TreatmentSession(Base):
    """One treatment session: plan, device, limits, lot, delivered dose (mA·min) and outcome."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'complete', 'stopped', 'failed', 'interrupted')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), default=None)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), default=None)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), default=None, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    device_serial: Mapped[str] = mapped_column(String(100), index=True)
    plan: Mapped[dict[str, Any]]
    device: Mapped[dict[str, Any]]
    limits: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="running")
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    last_time_s: Mapped[float] = mapped_column(default=0.0)
    delivered_charge_mA_min: Mapped[float] = mapped_column(default=0.0)  # noqa: N815 - unit in the name
    outcome: Mapped[str] = mapped_column(Text, default="")
    #: The runner's state at its last ``state`` event (``paused`` shows as the session's status).
    state: Mapped[str] = mapped_column(String(20), default="")
    #: The recording process (``host:pid:nonce``): a session whose process is gone is interrupted.
    owner: Mapped[str] = mapped_column(String(200), default="")

    #: Every account of the outcome in the order given (the last one is ``outcome``).
    outcome_history: Mapped[list[SessionOutcome]] = relationship(
        order_by="SessionOutcome.id", lazy="selectin"
    )


class SessionDocument(Base):
    """One document of a session's run, numbered in arrival order, kept whole for replay."""

    __tablename__ = "session_documents"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    seq: Mapped[int]
    name: Mapped[str] = mapped_column(String(20))
    time_s: Mapped[float | None] = mapped_column(default=None)
    body: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionOutcome(Base):
    """One account of a session's outcome; a changed outcome adds a row, so earlier ones are kept."""

    __tablename__ = "session_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    outcome: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
