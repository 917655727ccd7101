"""Clients and their contact details: create, list, read, change (each audited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dermaport.errors import ConflictError, RecordNotFoundError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.models import Client, ClientContact, utcnow
from dermaport.records.schemas import ContactIn, ContactPatch
from dermaport.records.search import like_pattern, search_text
from dermaport.records.views import ClientOut

__all__ = [
    "client_of_clinic",
    "create_client",
    "get_client",
    "list_clients",
    "refresh_search_text",
    "update_contact",
    "writable_client",
]


def client_of_clinic(db: Session, actor: Actor, client_id: int) -> Client:
    """The client ``client_id`` of the actor's clinic; another clinic's client is "not found"."""
    client = db.get(Client, client_id)
    if client is None or client.clinic_id != actor.clinic_id:
        raise RecordNotFoundError(f"client {client_id} not found: list them with GET /api/clients")
    return client


def writable_client(db: Session, actor: Actor, client_id: int) -> Client:
    """:func:`client_of_clinic`, refusing (409) a client whose data was erased: erasure stays done."""
    client = client_of_clinic(db, actor, client_id)
    if client.erased_at is not None:
        raise ConflictError(
            f"client {client_id} was erased on {client.erased_at:%Y-%m-%d}: no new personal or clinical "
            "data can be added; register the person again as a new client if they return"
        )
    return client


def refresh_search_text(contact: ClientContact) -> None:
    """Recompute what the contact is found by (``GET /api/clients?q=``)."""
    contact.search_text = search_text(
        given_name=contact.given_name,
        family_name=contact.family_name,
        email=contact.email,
        phone=contact.phone,
        date_of_birth=contact.date_of_birth,
    )


def create_client(db: Session, actor: Actor, data: ContactIn) -> ClientOut:
    """Register a new client with their contact details."""
    actor.require(Permission.CONTACT_WRITE)
    client = Client(clinic_id=actor.clinic_id)
    client.contact = ClientContact(**data.model_dump())
    refresh_search_text(client.contact)
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


def list_clients(
    db: Session, actor: Actor, *, limit: int = 50, offset: int = 0, q: str | None = None
) -> list[ClientOut]:
    """The clinic's clients by id, a page at a time (the ids read are audited).

    ``q`` keeps those whose name, e-mail, phone or birth date contains it, in any case and with
    or without accents (``dermaport.records.search``); the query itself is not audited.
    """
    actor.require(Permission.CONTACT_READ)
    # the contact details of the page's clients in one query, not one per client
    query = select(Client).options(selectinload(Client.contact)).where(Client.clinic_id == actor.clinic_id)
    if q is not None and q.strip():
        query = query.join(ClientContact, ClientContact.client_id == Client.id).where(
            ClientContact.search_text.like(like_pattern(q), escape="\\")
        )
    rows = db.scalars(query.order_by(Client.id).limit(limit).offset(offset)).all()
    detail: dict[str, object] = {"client_ids": [c.id for c in rows]}
    if q is not None:
        detail["search"] = True
    audit.append(db, actor=actor.username, action="list", entity="client", detail=detail)
    return [ClientOut.model_validate(c) for c in rows]


def update_contact(db: Session, actor: Actor, client_id: int, patch: ContactPatch) -> ClientOut:
    """Change the given contact fields (names cannot be emptied)."""
    actor.require(Permission.CONTACT_WRITE)
    client = writable_client(db, actor, client_id)
    changes = patch.model_dump(exclude_unset=True)
    for field in ("given_name", "family_name"):
        if field in changes and changes[field] is None:
            del changes[field]
    for field, value in changes.items():
        setattr(client.contact, field, value)
    client.contact.updated_at = utcnow()
    refresh_search_text(client.contact)
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
