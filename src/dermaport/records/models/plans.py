"""Stored session plans: what was planned for a client, immutable, with the digest of its document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dermaport.records.models._base import Base, utcnow

__all__ = ["PlanRecord"]


class PlanRecord(Base):
    """A plan made for a client from one screening: its document (``content``) and its SHA-256.

    ``content`` is the plan document as ``dermaport plan --json`` writes it (steps, settings,
    product, prediction, the screening it was made from); ``digest`` is
    :func:`dermaport.planning.digest.plan_digest` of it. Nothing updates a plan: a changed plan
    is a new one, and a stored plan whose content no longer matches its digest is refused.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    request: Mapped[dict[str, Any]]
    content: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
