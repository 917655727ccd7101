"""Photos lose their metadata; a client's data exports whole and erases within legal retention."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from dermaport.errors import InputError, PermissionDeniedError
from dermaport.records import audit
from dermaport.records.access import Actor
from dermaport.records.bookings import add_appointment, add_course
from dermaport.records.clients import create_client, get_client
from dermaport.records.clinical import add_consent, add_note, add_screening
from dermaport.records.database import Database
from dermaport.records.documents import SessionRecorder
from dermaport.records.models import AuditEntry, ClinicalNote, Photo, SessionDocument, utcnow
from dermaport.records.photos import read_photo, store_photo
from dermaport.records.rights import erase_client, export_client
from dermaport.records.schemas import (
    AppointmentIn,
    ConsentIn,
    ContactIn,
    CourseIn,
    NoteIn,
    PhotoIn,
    ScreeningIn,
)

GPS_IFD = 0x8825


def _jpeg_with_location() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (180, 140, 120)).save(out, format="JPEG", exif=exif, comment=b"taken at home")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    return data


def _client_with_consent(database: Database, actor: Actor, *, photos: bool = True) -> tuple[int, int]:
    with database.transaction() as db:
        client = create_client(
            db, actor, ContactIn(given_name="Ana", family_name="Silva", email="ana@example.org")
        )
        consent = add_consent(
            db,
            actor,
            client.id,
            ConsentIn(
                form="photos",
                form_version="2",
                text="Photos may be taken.",
                signature="AS",
                covers_photos=photos,
            ),
        )
    return client.id, consent.id


def test_a_stored_photo_keeps_no_metadata(database: Database, actors: dict[str, Actor]) -> None:
    actor = actors["practitioner"]
    client_id, consent_id = _client_with_consent(database, actor)
    payload = PhotoIn(
        consent_id=consent_id, kind="before", image_base64=base64.b64encode(_jpeg_with_location()).decode()
    )
    with database.transaction() as db:
        photo = store_photo(db, actor, client_id, payload, photo_dir=database.photo_dir)
        data, content_type = read_photo(db, actor, client_id, photo.id, photo_dir=database.photo_dir)
    assert content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (32, 16)
    assert not stored.getexif()
    assert b"Exif" not in data
    assert b"taken at home" not in data
    assert b"PhoneMaker" not in data


@pytest.mark.parametrize(
    ("image", "fragment"),
    [("bm90IGFuIGltYWdl", "cannot be read as an image"), ("###", "not valid base64")],
)
def test_a_bad_photo_is_refused(
    database: Database, actors: dict[str, Actor], image: str, fragment: str
) -> None:
    actor = actors["practitioner"]
    client_id, consent_id = _client_with_consent(database, actor)
    with pytest.raises(InputError, match=fragment), database.transaction() as db:
        store_photo(
            db,
            actor,
            client_id,
            PhotoIn(consent_id=consent_id, kind="before", image_base64=image),
            photo_dir=database.photo_dir,
        )


def test_a_photo_needs_a_consent_that_covers_photos(database: Database, actors: dict[str, Actor]) -> None:
    actor = actors["practitioner"]
    client_id, consent_id = _client_with_consent(database, actor, photos=False)
    payload = PhotoIn(
        consent_id=consent_id, kind="before", image_base64=base64.b64encode(_jpeg_with_location()).decode()
    )
    with pytest.raises(InputError, match="does not cover photos"), database.transaction() as db:
        store_photo(db, actor, client_id, payload, photo_dir=database.photo_dir)


def _full_client(database: Database, actors: dict[str, Actor]) -> int:
    practitioner = actors["practitioner"]
    client_id, consent_id = _client_with_consent(database, practitioner)
    with database.transaction() as db:
        add_screening(
            db,
            practitioner,
            client_id,
            ScreeningIn(answers={"pregnant": False}),
        )
        add_note(db, practitioner, client_id, NoteIn(text="Tolerated well."))
        course = add_course(
            db, actors["reception"], client_id, CourseIn(name="6 sessions", sessions_planned=6)
        )
        add_appointment(
            db,
            actors["reception"],
            client_id,
            AppointmentIn(starts_at=utcnow() + timedelta(days=7), duration_min=45, course_id=course.id),
        )
        store_photo(
            db,
            practitioner,
            client_id,
            PhotoIn(
                consent_id=consent_id,
                kind="before",
                image_base64=base64.b64encode(_jpeg_with_location()).decode(),
            ),
            photo_dir=database.photo_dir,
        )
    recorder = SessionRecorder(database, practitioner)
    recorder(
        "start",
        {"uid": "s1", "client_id": client_id, "plan": {}, "device": {"serial": "SIM-1"}, "limits": {}},
    )
    recorder("reading", {"time_s": 1.0, "current_mA": 1.0, "voltage_V": 9.0, "charge_mA_min": 0.0167})
    recorder("stop", {"status": "complete"})
    return client_id


def test_export_holds_everything_and_is_audited(database: Database, actors: dict[str, Actor]) -> None:
    client_id = _full_client(database, actors)
    with database.transaction() as db:
        export = export_client(db, actors["owner"], client_id, photo_dir=database.photo_dir)
    data = json.loads(export.model_dump_json())
    assert data["format"] == "dermaport-client-export/1"
    assert data["record"]["client"]["contact"]["email"] == "ana@example.org"
    assert len(data["record"]["screenings"]) == len(data["record"]["notes"]) == 1
    assert [d["name"] for d in data["session_documents"]["s1"]] == ["start", "reading", "stop"]
    assert len(data["photos"]) == 1
    assert {e["actor"] for e in data["access_log"]} >= {"practitioner", "reception"}
    with database.transaction() as db:
        assert db.scalar(select(func.count()).where(AuditEntry.action == "export")) == 1
    with pytest.raises(PermissionDeniedError), database.transaction() as db:
        export_client(db, actors["practitioner"], client_id, photo_dir=database.photo_dir)


def test_erasure_anonymises_now_and_keeps_clinical_records_for_the_retention_period(
    database: Database, actors: dict[str, Actor]
) -> None:
    client_id = _full_client(database, actors)
    owner = actors["owner"]
    with database.transaction() as db:
        report = erase_client(db, owner, client_id, retention_years=7, photo_dir=database.photo_dir)
    items = {i.category: i for i in report.items}
    assert items["contact"].action == "anonymised"
    assert {items[c].action for c in ("notes", "screenings", "sessions", "consents", "photos")} == {"kept"}
    assert report.retained_until is not None
    assert report.retained_until.year == utcnow().year + 7
    assert str(report.retained_until) in items["notes"].reason
    assert (items["appointments"].action, items["courses"].action) == ("deleted", "deleted")  # no treatment
    with database.transaction() as db:
        client = get_client(db, owner, client_id)
        assert (client.contact.given_name, client.contact.email) == ("erased", None)
        assert client.erased_at is not None
        assert db.scalar(select(func.count()).select_from(ClinicalNote)) == 1
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert entry.detail["retained_until"] == str(report.retained_until)
        assert audit.verify(db).intact


def test_erasure_after_the_retention_period_deletes_clinical_records(
    database: Database, actors: dict[str, Actor]
) -> None:
    client_id = _full_client(database, actors)
    later = utcnow() + timedelta(days=366 * 7 + 2)
    with database.transaction() as db:
        report = erase_client(
            db, actors["owner"], client_id, retention_years=7, photo_dir=database.photo_dir, now=later
        )
    assert {i.category: i.action for i in report.items if i.category != "contact"} == {
        "photos": "deleted",
        "notes": "deleted",
        "screenings": "deleted",
        "sessions": "deleted",
        "consents": "deleted",
        "appointments": "deleted",
        "courses": "deleted",
    }
    with database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(SessionDocument)) == 0
        assert db.scalar(select(func.count()).select_from(Photo)) == 0
        assert audit.verify(db).intact
    assert list(database.photo_dir.iterdir()) == []
