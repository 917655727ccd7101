"""The photos page: a client's before/after photos, and the form to add one from a camera or a file.

A photo is stored by :func:`~dermaport.records.photos.store_photo` (metadata stripped, linked to a
consent that covers photos); the picture is decoded and stripped
(:func:`~dermaport.records.photos.prepare_photo`) before the unit of work begins. Each picture
shown is read through :func:`~dermaport.records.photos.read_photo`, so every view is audited.
Clinical roles only.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from dermaport.errors import InputError
from dermaport.records import clinical, photos
from dermaport.records.access import Actor, Permission
from dermaport.records.schemas import PhotoIn
from dermaport.web.deps import database_of
from dermaport.web.pages.render import (
    PAGE_HEADERS,
    BriefPageActor,
    field_errors,
    page,
    page_router,
    read_transaction,
    redirect,
    write_transaction,
)
from dermaport.web.security import CSRF_FIELD

__all__ = ["MAX_PHOTO_BYTES", "router"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: What to say for a choice left out.
_CHOICES = {
    "consent_id": "choose the signed consent that covers photos (record one on the consent page)",
    "kind": "choose whether it is a before, an after or another photo",
}

#: The largest file accepted from the form (bytes): the API's 15 MB picture.
MAX_PHOTO_BYTES = 15 * 1024 * 1024


def _context(request: Request, actor: Actor, client_id: int, **extra: Any) -> dict[str, Any]:
    with read_transaction(request) as db:
        record = clinical.client_record(db, actor, client_id)
    return {
        "title": "Photos",
        "client": record.client,
        "record": record,
        "consents": [c for c in record.consents if c.covers_photos],
        **extra,
    }


@router.get("/clients/{client_id}/photos", response_class=HTMLResponse)
def photos_page(request: Request, client_id: ClientId, actor: BriefPageActor) -> HTMLResponse:
    """The client's photos, and the form to add one."""
    actor.require(Permission.CLINICAL_WRITE)
    return page(request, "photos.html", _context(request, actor, client_id), actor=actor)


async def _upload(request: Request) -> tuple[dict[str, str], bytes | None]:
    """The form's text fields and the picture's bytes (None when no file was chosen)."""
    form = await request.form(max_files=1)
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    picture = form.get("picture")
    data = None
    if isinstance(picture, UploadFile) and picture.filename:
        data = await picture.read(MAX_PHOTO_BYTES + 1)
    await form.close()
    return fields, data


def _photo_in(fields: dict[str, str], data: bytes | None) -> PhotoIn:
    if not data:
        raise InputError("no picture: choose a JPEG or PNG file, or take one with the camera")
    if len(data) > MAX_PHOTO_BYTES:
        raise InputError(
            f"the picture is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB: choose a smaller one"
        )
    consent = fields.get("consent_id", "").strip()
    session = fields.get("session_id", "").strip()
    return PhotoIn.model_validate(
        {
            "consent_id": int(consent) if consent.isdigit() else None,
            "kind": fields.get("kind") or None,
            "session_id": int(session) if session.isdigit() else None,
            "image_base64": base64.b64encode(data).decode("ascii"),
        }
    )


@router.post("/clients/{client_id}/photos", response_model=None)
async def add_photo(request: Request, client_id: ClientId, actor: BriefPageActor) -> Response:
    """Store a photo: decoded and stripped first, then recorded in one unit of work (in a worker thread)."""
    fields, data = await _upload(request)
    return await run_in_threadpool(_add_photo, request, actor, client_id, fields, data)


def _add_photo(
    request: Request, actor: Actor, client_id: int, fields: dict[str, str], data: bytes | None
) -> Response:
    try:
        body = _photo_in(fields, data)
        prepared = photos.prepare_photo(body)
        with write_transaction(request) as db:
            photos.store_photo(
                db, actor, client_id, body, photo_dir=database_of(request).photo_dir, prepared=prepared
            )
    except ValidationError as exc:
        errors = {
            k if k != "image_base64" else "picture": _CHOICES.get(k, v) for k, v in field_errors(exc).items()
        }
    except InputError as exc:
        errors = {"consent_id" if "consent" in str(exc) else "picture": str(exc)}
    else:
        return redirect(f"/clients/{client_id}/photos")
    context = _context(request, actor, client_id, errors=errors, values=fields)
    return page(request, "photos.html", context, actor=actor, status_code=422)


@router.get("/clients/{client_id}/photos/{photo_id}", response_class=Response)
def photo_file(request: Request, client_id: ClientId, photo_id: PhotoId, actor: BriefPageActor) -> Response:
    """One photo's picture, for the page's <img> (every view audited)."""
    with read_transaction(request) as db:
        data, content_type = photos.read_photo(
            db, actor, client_id, photo_id, photo_dir=database_of(request).photo_dir
        )
    return Response(content=data, media_type=content_type, headers=PAGE_HEADERS)
