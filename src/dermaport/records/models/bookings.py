"""Products and their lots; courses and appointments (what reception books)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dermaport.records.models._base import Base, utcnow

__all__ = ["Appointment", "Course", "Lot", "Product"]


class Product(Base):
    """A product a clinic uses: its name, the active it carries and its concentration as written."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[str] = mapped_column(String(200))
    concentration: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lot(Base):
    """A batch of a product: lot number and expiry, so a recall can find who received it."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("product_id", "lot_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[date] = mapped_column(Date)


class Course(Base):
    """A course of treatments sold to a client: how many sessions it holds."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sessions_planned: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appointment(Base):
    """A booked appointment: when, how long (min), with whom, and its state."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("status IN ('booked', 'attended', 'cancelled', 'no_show')", name="status"),
        CheckConstraint("duration_min > 0", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), default=None)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    room: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_min: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="booked")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
