"""A client's data rights (owner only), and their photos."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response

from dermaport.records import photos, rights
from dermaport.records.schemas import PhotoIn
from dermaport.records.views import PhotoOut
from dermaport.web.deps import CurrentActor, DbSession, RecordsRouter, database_of
from dermaport.web.responses import SIGNED_IN

router = RecordsRouter(prefix="/api/clients", tags=["data rights", "photos"], responses=SIGNED_IN)

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A client's id.")]
PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A photo's id.")]


@router.get("/{client_id}/export")
def export_client(
    client_id: ClientId, request: Request, actor: CurrentActor, db: DbSession
) -> rights.ExportOut:
    """Everything about a client, machine-readable (owner only)."""
    return rights.export_client(db, actor, client_id, photo_dir=database_of(request).photo_dir)


@router.post("/{client_id}/erase")
def erase_client(
    client_id: ClientId, request: Request, actor: CurrentActor, db: DbSession
) -> rights.ErasureReport:
    """Erase a client's personal data; clinical records are kept until their retention runs out."""
    database = database_of(request)
    return rights.erase_client(
        db, actor, client_id, retention_years=database.settings.retention_years, photo_dir=database.photo_dir
    )


def _prepared_photo(body: PhotoIn) -> photos.PreparedPhoto:
    """Decode and strip the picture before the unit of work (and SQLite's write lock) begins."""
    return photos.prepare_photo(body)


@router.post("/{client_id}/photos", status_code=201)
def add_photo(
    client_id: ClientId,
    prepared: Annotated[photos.PreparedPhoto, Depends(_prepared_photo)],
    request: Request,
    actor: CurrentActor,
    db: DbSession,
) -> PhotoOut:
    """Store a before/after photo (location and every other metadata stripped)."""
    return photos.store_photo(
        db, actor, client_id, prepared.data, photo_dir=database_of(request).photo_dir, prepared=prepared
    )


@router.get(
    "/{client_id}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def get_photo(
    client_id: ClientId, photo_id: PhotoId, request: Request, actor: CurrentActor, db: DbSession
) -> Response:
    """A photo's file."""
    data, content_type = photos.read_photo(
        db, actor, client_id, photo_id, photo_dir=database_of(request).photo_dir
    )
    return Response(content=data, media_type=content_type)
