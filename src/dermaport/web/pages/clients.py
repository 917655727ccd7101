"""The clients pages: the list with search as you type, new and edit, and one page per client."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dermaport.errors import InputError
from dermaport.records import bookings, clients, clinical
from dermaport.records.access import Actor, Permission
from dermaport.records.schemas import ContactIn, ContactPatch
from dermaport.sessions import list_plans
from dermaport.web.pages.render import (
    BriefPageActor,
    DbSession,
    FormData,
    PageActor,
    field_errors,
    page,
    page_router,
    redirect,
    write_transaction,
)

__all__ = ["CONTACT_FIELDS", "lots_by_id", "router"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Search = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")]

#: The contact form's fields and their labels.
CONTACT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("given_name", "Given name", "text"),
    ("family_name", "Family name", "text"),
    ("date_of_birth", "Date of birth", "date"),
    ("email", "E-mail", "email"),
    ("phone", "Phone", "tel"),
    ("address", "Address", "text"),
)


def _contact_values(form: dict[str, str]) -> dict[str, Any]:
    return {name: (form.get(name, "").strip() or None) for name, _label, _kind in CONTACT_FIELDS}


#: Clients a list shows at once (the search finds the others).
LIST_LIMIT = 50


def _rows(db: Session, actor: Actor, q: str | None) -> list[Any]:
    return clients.list_clients(db, actor, limit=LIST_LIMIT, q=q.strip() if q and q.strip() else None)


@router.get("/clients", response_class=HTMLResponse)
def client_list(request: Request, actor: PageActor, db: DbSession, q: Search = None) -> HTMLResponse:
    """The clinic's clients, with a search box that filters as you type."""
    rows = _rows(db, actor, q)
    return page(request, "clients.html", {"title": "Clients", "rows": rows, "q": q or ""}, actor=actor)


@router.get("/clients/rows", response_class=HTMLResponse)
def client_rows(request: Request, actor: PageActor, db: DbSession, q: Search = None) -> HTMLResponse:
    """The list's rows alone, for the search box's script."""
    return page(request, "client_rows.html", {"rows": _rows(db, actor, q)}, actor=actor)


@router.get("/clients/new", response_class=HTMLResponse)
def new_client_form(request: Request, actor: PageActor) -> HTMLResponse:
    """The new client form."""
    actor.require(Permission.CONTACT_WRITE)
    context = {"title": "New client", "fields": CONTACT_FIELDS, "action": "/clients/new"}
    return page(request, "client_form.html", context, actor=actor)


@router.post("/clients/new", response_model=None)
def new_client(request: Request, actor: BriefPageActor, form: FormData) -> Response:
    """Register the client, then show their page (or the form again with the errors)."""
    values = _contact_values(form)
    context: dict[str, Any] = {"title": "New client", "fields": CONTACT_FIELDS, "action": "/clients/new"}
    try:
        data = ContactIn.model_validate(values)
        with write_transaction(request) as db:
            created = clients.create_client(db, actor, data)
    except ValidationError as exc:
        context |= {"errors": field_errors(exc), "values": form}
        return page(request, "client_form.html", context, actor=actor, status_code=422)
    except InputError as exc:
        context |= {"errors": {"form": str(exc)}, "values": form}
        return page(request, "client_form.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{created.id}")


@router.get("/clients/{client_id}/edit", response_class=HTMLResponse)
def edit_client_form(request: Request, client_id: ClientId, actor: PageActor, db: DbSession) -> HTMLResponse:
    """The contact details form, filled in."""
    actor.require(Permission.CONTACT_WRITE)
    client = clients.get_client(db, actor, client_id)
    values = {k: ("" if v is None else str(v)) for k, v in client.contact.model_dump().items()}
    context = {
        "title": f"Edit {client.contact.given_name} {client.contact.family_name}",
        "fields": CONTACT_FIELDS,
        "action": f"/clients/{client_id}/edit",
        "values": values,
        "client": client,
    }
    return page(request, "client_form.html", context, actor=actor)


@router.post("/clients/{client_id}/edit", response_model=None)
def edit_client(request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData) -> Response:
    """Change the contact details, then show the client's page (or the form again with the errors)."""
    values = _contact_values(form)
    context: dict[str, Any] = {
        "title": "Edit client",
        "fields": CONTACT_FIELDS,
        "action": f"/clients/{client_id}/edit",
        "values": form,
    }
    try:
        data = ContactPatch.model_validate(values)
        with write_transaction(request) as db:
            clients.update_contact(db, actor, client_id, data)
    except ValidationError as exc:
        context["errors"] = field_errors(exc)
        return page(request, "client_form.html", context, actor=actor, status_code=422)
    except InputError as exc:
        context["errors"] = {"form": str(exc)}
        return page(request, "client_form.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}")


def lots_by_id(db: Session, actor: Actor) -> dict[int, dict[str, Any]]:
    """Every lot of the clinic: its product's name, its number and expiry, by lot id."""
    return {row.id: row._asdict() for row in bookings.clinic_lots(db, actor)}


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(request: Request, client_id: ClientId, actor: PageActor, db: DbSession) -> HTMLResponse:
    """One client: contact details, and for clinical roles the whole history."""
    context: dict[str, Any] = {"clinical": actor.may(Permission.CLINICAL_READ)}
    if context["clinical"]:
        record = clinical.client_record(db, actor, client_id)
        client = record.client
        context |= {
            "record": record,
            "plans": list_plans(db, actor, client_id),
            "lots": lots_by_id(db, actor),
            "appointments": record.appointments,
        }
    else:
        client = clients.get_client(db, actor, client_id)
        context["appointments"] = bookings.list_appointments(db, actor, client_id)
    context |= {"client": client, "title": f"{client.contact.given_name} {client.contact.family_name}"}
    return page(request, "client.html", context, actor=actor)
