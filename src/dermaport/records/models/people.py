"""Clinics, their users (accounts with a role) and clients.

A client's personal data (name, birth date, contact details) lives in
:class:`ClientContact`, apart from the clinical tables, which refer to the client by id
only; erasure anonymises the contact row and keeps what retention requires.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dermaport.records.models._base import Base, utcnow

__all__ = ["ROLES", "Client", "ClientContact", "Clinic", "User"]

#: The roles a user may have.
ROLES = ("owner", "practitioner", "reception")


class Clinic(Base):
    """A clinic: its users and clients belong to it."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """An account: a unique username, an argon2 password hash and one role."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('owner', 'practitioner', 'reception')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clinic: Mapped[Clinic] = relationship()


class Client(Base):
    """A client of a clinic, as the clinical records know them: an id and dates, no personal data."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)

    contact: Mapped[ClientContact] = relationship(back_populates="client", uselist=False)


class ClientContact(Base):
    """A client's personal data and contact details, kept apart from the clinical data."""

    __tablename__ = "client_contacts"
    __table_args__ = (
        Index(
            "ix_client_contacts_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(50), default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Names, e-mail, phone and birth date folded for search (``dermaport.records.search``).
    search_text: Mapped[str] = mapped_column(String(1000), default="", server_default="")

    client: Mapped[Client] = relationship(back_populates="contact")
