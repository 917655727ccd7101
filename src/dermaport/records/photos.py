"""Before/after photos: stored as files with every metadata block (GPS included) removed.

A photo must be covered by a consent of the same client that says it covers photos. The
picture is decoded, turned upright by its EXIF orientation, and re-encoded from its pixels
alone, so no EXIF, GPS, XMP or comment block survives. Files are named by their SHA-256 in
``photos/`` under the data directory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from dermaport.errors import InputError, RecordNotFoundError, TooLargeError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.clients import client_of_clinic, writable_client
from dermaport.records.clinical import session_of_client
from dermaport.records.files import private_folder, write_private
from dermaport.records.models import Consent, Photo
from dermaport.records.schemas import PhotoIn
from dermaport.records.views import PhotoOut

__all__ = ["MAX_PIXELS", "PreparedPhoto", "prepare_photo", "read_photo", "store_photo", "strip_metadata"]

logger = logging.getLogger(__name__)

#: The largest picture accepted (pixels): 24 megapixels, more than a clinic camera's 12–20 MP;
#: decoding one costs about 0.1 GB of memory, so a bigger one is refused (413) from its header.
MAX_PIXELS = 24_000_000
_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


def strip_metadata(data: bytes) -> tuple[bytes, str, str]:
    """Re-encode a JPEG or PNG from its pixels only; return (bytes, content type, extension)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            kind = image.format or ""
            if kind not in _FORMATS:
                raise InputError(f"photo format {kind or 'unknown'!r} is not accepted: send a JPEG or PNG")
            if image.width * image.height > MAX_PIXELS:
                raise TooLargeError(
                    f"photo of {image.width}×{image.height} pixels is larger than "
                    f"{MAX_PIXELS // 1_000_000} megapixels: send it at e.g. 4000×3000"
                )
            image = ImageOps.exif_transpose(image)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"photo cannot be read as an image ({exc}): send a JPEG or PNG") from exc
    if kind == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(out, format=kind, **({"quality": 95} if kind == "JPEG" else {}))
    content_type, extension = _FORMATS[kind]
    return out.getvalue(), content_type, extension


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo decoded and re-encoded without metadata, ready to store (made outside any transaction)."""

    data: PhotoIn
    clean: bytes
    content_type: str
    extension: str


def prepare_photo(data: PhotoIn) -> PreparedPhoto:
    """Decode the base64 picture and strip its metadata: the slow part, kept out of the database lock."""
    try:
        raw = base64.b64decode(data.image_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("image_base64 is not valid base64: e.g. '/9j/4AAQSkZJRg…' for a JPEG") from exc
    clean, content_type, extension = strip_metadata(raw)
    return PreparedPhoto(data=data, clean=clean, content_type=content_type, extension=extension)


def store_photo(
    db: Session,
    actor: Actor,
    client_id: int,
    data: PhotoIn,
    *,
    photo_dir: Path,
    prepared: PreparedPhoto | None = None,
) -> PhotoOut:
    """Store a client's photo (metadata stripped), linked to the consent that covers it.

    ``prepared`` is :func:`prepare_photo` of ``data``, done before the transaction began; without
    it the picture is decoded here. The file is written with mode 0600.
    """
    actor.require(Permission.CLINICAL_WRITE)
    client = writable_client(db, actor, client_id)
    consent = db.get(Consent, data.consent_id)
    if consent is None or consent.client_id != client.id:
        raise RecordNotFoundError(f"consent {data.consent_id} of client {client_id} not found")
    if not consent.covers_photos:
        raise InputError(
            f"consent {data.consent_id} does not cover photos: record one with covers_photos true"
        )
    if data.session_id is not None:
        session_of_client(db, client.id, data.session_id)
    ready = prepared if prepared is not None and prepared.data is data else prepare_photo(data)
    clean, content_type, extension = ready.clean, ready.content_type, ready.extension
    digest = hashlib.sha256(clean).hexdigest()
    private_folder(photo_dir)
    file_name = f"{digest}.{extension}"
    write_private(photo_dir / file_name, clean)
    photo = Photo(
        client_id=client.id,
        consent_id=consent.id,
        session_id=data.session_id,
        kind=data.kind,
        file_name=file_name,
        sha256=digest,
        content_type=content_type,
        recorded_by=actor.user_id,
    )
    db.add(photo)
    db.flush()
    audit.append(
        db, actor=actor.username, action="create", entity="photo", entity_id=photo.id, client_id=client.id
    )
    return PhotoOut.model_validate(photo)


def read_photo(
    db: Session, actor: Actor, client_id: int, photo_id: int, *, photo_dir: Path
) -> tuple[bytes, str]:
    """A photo's bytes and content type."""
    actor.require(Permission.CLINICAL_READ)
    client = client_of_clinic(db, actor, client_id)
    photo = db.get(Photo, photo_id)
    if photo is None or photo.client_id != client.id:
        raise RecordNotFoundError(f"photo {photo_id} of client {client_id} not found")
    path = photo_dir / photo.file_name
    if not path.is_file():
        raise RecordNotFoundError(f"photo {photo_id}'s file {photo.file_name} is missing from {photo_dir}")
    audit.append(
        db, actor=actor.username, action="read", entity="photo", entity_id=photo.id, client_id=client.id
    )
    return path.read_bytes(), photo.content_type
