"""Clients and their contact details: create, list, read, change (each audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dermaport.errors import ConflictError, RecordNotFoundError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.models import Client, ClientContact, utcnow
from dermaport.records.reads import PreparedRead, table_of
from dermaport.records.schemas import ContactIn, ContactPatch
from dermaport.records.search import like_pattern, search_text
from dermaport.records.views import ClientOut, ContactOut

__all__ = [
    "client_of_clinic",
    "client_out",
    "client_row",
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


_CLIENTS = table_of(Client)
_CONTACTS = table_of(ClientContact)
#: A client with their contact details (:class:`ClientOut`'s columns) and clinic, in one select.
_CLIENT_COLUMNS = select(
    _CLIENTS.c.id,
    _CLIENTS.c.clinic_id,
    _CLIENTS.c.created_at,
    _CLIENTS.c.erased_at,
    *(_CONTACTS.c[name] for name in ContactOut.model_fields),
).select_from(_CLIENTS.outerjoin(_CONTACTS, _CONTACTS.c.client_id == _CLIENTS.c.id))
_ONE_CLIENT = PreparedRead(_CLIENT_COLUMNS.where(_CLIENTS.c.id == bindparam("client_id")))
_CLINIC_PAGE = PreparedRead(
    _CLIENT_COLUMNS.where(_CLIENTS.c.clinic_id == bindparam("clinic_id"))
    .order_by(_CLIENTS.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_CLINIC_SEARCH = PreparedRead(
    _CLIENT_COLUMNS.where(
        _CLIENTS.c.clinic_id == bindparam("clinic_id"),
        _CONTACTS.c.search_text.like(bindparam("pattern"), escape="\\"),
    )
    .order_by(_CLIENTS.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def client_row(db: Session, actor: Actor, client_id: int) -> Any:
    """:func:`client_of_clinic` for a read: the client's row with their contact details, no ORM instance."""
    row = _ONE_CLIENT.first(db, {"client_id": client_id})
    if row is None or row.clinic_id != actor.clinic_id:
        raise RecordNotFoundError(f"client {client_id} not found: list them with GET /api/clients")
    return row


def client_out(row: Any) -> ClientOut:
    """The view of a row of :func:`client_row` (or of the list's select)."""
    return ClientOut(
        id=row.id,
        created_at=row.created_at,
        erased_at=row.erased_at,
        contact=ContactOut.model_validate(row, from_attributes=True),
    )


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
    row = client_row(db, actor, client_id)
    audit.append(db, actor=actor.username, action="read", entity="client", entity_id=row.id, client_id=row.id)
    return client_out(row)


def list_clients(
    db: Session, actor: Actor, *, limit: int = 50, offset: int = 0, q: str | None = None
) -> list[ClientOut]:
    """The clinic's clients by id, a page at a time (the ids read are audited).

    ``q`` keeps those whose name, e-mail, phone or birth date contains it, in any case and with
    or without accents (``dermaport.records.search``); the query itself is not audited.
    """
    actor.require(Permission.CONTACT_READ)
    # the page's clients with their contact details in one select of the columns shown
    values: dict[str, Any] = {"clinic_id": actor.clinic_id, "limit": limit, "offset": offset}
    if q is not None and q.strip():
        rows = _CLINIC_SEARCH.all(db, {**values, "pattern": like_pattern(q)})
    else:
        rows = _CLINIC_PAGE.all(db, values)
    detail: dict[str, object] = {"client_ids": [r.id for r in rows]}
    if q is not None:
        detail["search"] = True
    audit.append(db, actor=actor.username, action="list", entity="client", detail=detail)
    return [client_out(r) for r in rows]


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
