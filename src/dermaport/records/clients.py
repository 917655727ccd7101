"""Clients and their contact details: create, list, read, change (each audited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dermaport.errors import RecordNotFoundError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.models import Client, ClientContact, utcnow
from dermaport.records.schemas import ContactIn, ContactPatch
from dermaport.records.views import ClientOut

__all__ = ["client_of_clinic", "create_client", "get_client", "list_clients", "update_contact"]


def client_of_clinic(db: Session, actor: Actor, client_id: int) -> Client:
    """The client ``client_id`` of the actor's clinic; another clinic's client is "not found"."""
    client = db.get(Client, client_id)
    if client is None or client.clinic_id != actor.clinic_id:
        raise RecordNotFoundError(f"client {client_id} not found: list them with GET /api/clients")
    return client


def create_client(db: Session, actor: Actor, data: ContactIn) -> ClientOut:
    """Register a new client with their contact details."""
    actor.require(Permission.CONTACT_WRITE)
    client = Client(clinic_id=actor.clinic_id)
    client.contact = ClientContact(**data.model_dump())
    db.add(client)
    db.flush()
    audit.append(
        db, actor=actor.username, action="create", entity="client", entity_id=client.id, client_id=client.id
    )
    return ClientOut.model_validate(client)


def get_client(db: Session, actor: Actor, client_id: int) -> ClientOut:
    """One client's contact details."""
    actor.require(Permission.CONTACT_READ)
    client = client_of_clinic(db, actor, client_id)
    audit.append(
        db, actor=actor.username, action="read", entity="client", entity_id=client.id, client_id=client.id
    )
    return ClientOut.model_validate(client)


def list_clients(db: Session, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[ClientOut]:
    """The clinic's clients by id, a page at a time (the ids read are audited)."""
    actor.require(Permission.CONTACT_READ)
    rows = db.scalars(
        select(Client)
        .where(Client.clinic_id == actor.clinic_id)
        .order_by(Client.id)
        .limit(limit)
        .offset(offset)
    ).all()
    audit.append(
        db, actor=actor.username, action="list", entity="client", detail={"client_ids": [c.id for c in rows]}
    )
    return [ClientOut.model_validate(c) for c in rows]


def update_contact(db: Session, actor: Actor, client_id: int, patch: ContactPatch) -> ClientOut:
    """Change the given contact fields (names cannot be emptied)."""
    actor.require(Permission.CONTACT_WRITE)
    client = client_of_clinic(db, actor, client_id)
    changes = patch.model_dump(exclude_unset=True)
    for field in ("given_name", "family_name"):
        if field in changes and changes[field] is None:
            del changes[field]
    for field, value in changes.items():
        setattr(client.contact, field, value)
    client.contact.updated_at = utcnow()
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="update",
        entity="client",
        entity_id=client.id,
        client_id=client.id,
        detail={"fields": sorted(changes)},
    )
    return ClientOut.model_validate(client)
