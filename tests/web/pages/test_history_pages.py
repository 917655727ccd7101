"""The pages that add to a client's history: notes, side effects, a session's outcome, bookings."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from typing import Any

from PIL import Image

from dermaport.records.models import TreatmentSession, utcnow
from tests.web.conftest import Api
from tests.web.pages.helpers import ORIGIN, Browser, drawn_signature, sign_in
from tests.web.pages.test_pages import _local, _new_client


def _recorded_session(api: Api, client_id: int) -> int:
    with api.database.transaction() as db:
        row = TreatmentSession(
            uid=secrets.token_hex(8),
            client_id=client_id,
            device_serial="SIM-1",
            plan={},
            device={},
            limits={},
            status="complete",
        )
        db.add(row)
        db.flush()
        return row.id


def test_a_note_and_a_side_effect_join_the_client_history(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    session_id = _recorded_session(api, client_id)
    form = browser.get(f"/clients/{client_id}/notes").text
    assert 'name="csrf_token"' in form
    assert f'<option value="{session_id}"' in form
    browser.post(f"/clients/{client_id}/notes", {"text": "Prefers the left side first", "session_id": ""})
    browser.post(
        f"/clients/{client_id}/adverse-events",
        {
            "kind": "side_effect",
            "severity": "mild",
            "description": "Redness under the cathode, gone in 20 min",
            "session_id": str(session_id),
            "onset_at": "",
        },
    )
    history = browser.get(f"/clients/{client_id}").text
    assert "Prefers the left side first" in history
    assert "side effect (mild): Redness under the cathode, gone in 20 min" in history


def test_a_refused_side_effect_keeps_what_was_typed_and_names_the_field(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    refused = browser.post(
        f"/clients/{client_id}/adverse-events",
        {"kind": "side_effect", "severity": "", "description": "Tingling at the edge", "session_id": ""},
        status=422,
    )
    assert "Tingling at the edge" in refused.text
    assert re.search(
        r'id="event_severity-error"[^>]*>choose how severe it is: mild, moderate or severe', refused.text
    )
    bad_time = browser.post(
        f"/clients/{client_id}/adverse-events",
        {"kind": "adverse_event", "severity": "moderate", "description": "Blister", "onset_at": "yesterday"},
        status=422,
    )
    assert "is not a date and time: e.g. 2026-12-01T14:30" in bad_time.text
    assert "Blister" in bad_time.text
    assert "None recorded." in browser.get(f"/clients/{client_id}").text  # nothing half-written


def test_an_outcome_is_recorded_and_then_corrected(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    session_id = _recorded_session(api, client_id)
    assert f"/sessions/{session_id}/outcome" in browser.get(f"/clients/{client_id}").text
    empty = browser.post(f"/clients/{client_id}/sessions/{session_id}/outcome", {"outcome": "  "}, status=422)
    assert 'id="outcome-error"' in empty.text
    browser.post(f"/clients/{client_id}/sessions/{session_id}/outcome", {"outcome": "Skin calm, smoother"})
    browser.post(
        f"/clients/{client_id}/sessions/{session_id}/outcome", {"outcome": "Calm; slight redness at 1 h"}
    )
    assert "Calm; slight redness at 1 h" in browser.get(f"/clients/{client_id}").text
    answer = api.client.get(
        f"/api/clients/{client_id}/sessions/{session_id}", headers=api.headers["practitioner"]
    )
    assert answer.json()["outcome"] == "Calm; slight redness at 1 h"


def test_reception_books_and_marks_an_appointment_but_reads_no_clinical_page(api: Api) -> None:
    practitioner = sign_in(api.client, "practitioner")
    client_id = _new_client(practitioner)
    desk = sign_in(api.client, "reception")
    desk.get(f"/clients/{client_id}/notes", status=403)
    desk.post(f"/clients/{client_id}/notes", {"text": "a note"}, status=403)
    starts = _local(utcnow() + dt.timedelta(days=2))
    desk.post(f"/clients/{client_id}/appointments", {"starts_at": starts, "duration_min": "45", "room": "2"})
    page = desk.get(f"/clients/{client_id}/appointments").text
    assert "45 min" in page
    appointment_id = int(re.search(r"/appointments/(\d+)/status", page).group(1))  # type: ignore[union-attr]
    overlap = desk.post(
        f"/clients/{client_id}/appointments",
        {"starts_at": starts, "duration_min": "30", "room": "2"},
        status=409,
    )
    assert "room 2 is booked from" in overlap.text
    assert 'value="2"' in overlap.text  # what was typed is kept
    past = desk.post(
        f"/clients/{client_id}/appointments",
        {"starts_at": _local(utcnow() - dt.timedelta(days=1)), "duration_min": "30"},
        status=422,
    )
    assert "is in the past" in past.text
    desk.post(f"/clients/{client_id}/appointments/{appointment_id}/status", {"status": "cancelled"})
    assert "cancelled" in desk.get(f"/clients/{client_id}").text
    desk.post(
        f"/clients/{client_id}/appointments/{appointment_id}/status", {"status": "sideways"}, status=422
    )


def _jpeg_with_gps() -> bytes:
    picture = Image.new("RGB", (32, 24), (200, 150, 120))
    exif = Image.Exif()
    exif[0x8825] = {2: (38.0, 43.0, 0.0)}  # GPSInfo: a latitude
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _upload(browser: Browser, client_id: int, data: bytes, **fields: str) -> Any:
    form = browser.client.get(f"/clients/{client_id}/photos").text
    consent = re.search(r'<select id="consent_id" name="consent_id">\s*<option value="(\d+)"', form)
    defaults = {"kind": "before", "consent_id": consent.group(1) if consent else ""}
    return browser.client.post(
        f"/clients/{client_id}/photos",
        data={**defaults, **fields, "csrf_token": browser.csrf},
        files={"picture": ("face.jpg", data, "image/jpeg")},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )


def test_a_photo_taken_at_the_chair_is_stored_stripped_and_shown(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    assert "No signed consent of Ana covers photos" in browser.get(f"/clients/{client_id}/photos").text
    browser.post(f"/clients/{client_id}/consent", {"signature": drawn_signature(), "covers_photos": "yes"})
    form = browser.get(f"/clients/{client_id}/photos").text
    assert 'enctype="multipart/form-data"' in form
    original = _jpeg_with_gps()
    assert b"Exif" in original
    stored = _upload(browser, client_id, original)
    assert stored.status_code == 303, re.findall(r"role=\"alert\">([^<]*)", stored.text)
    page = browser.get(f"/clients/{client_id}/photos").text
    photo_id = int(re.search(rf"/clients/{client_id}/photos/(\d+)", page).group(1))  # type: ignore[union-attr]
    picture = browser.get(f"/clients/{client_id}/photos/{photo_id}")
    assert picture.headers["content-type"] == "image/jpeg"
    assert picture.headers["cache-control"] == "no-store"
    assert b"Exif" not in picture.content
    assert Image.open(io.BytesIO(picture.content)).size == (32, 24)
    assert "1 photo(s): before" in browser.get(f"/clients/{client_id}").text


def test_a_refused_photo_says_why_next_to_the_field_and_stores_nothing(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/consent", {"signature": drawn_signature(), "covers_photos": "yes"})
    not_a_picture = _upload(browser, client_id, b"just some text, not a picture")
    assert not_a_picture.status_code == 422
    assert 'id="picture-error"' in not_a_picture.text
    no_kind = _upload(browser, client_id, _jpeg_with_gps(), kind="")
    assert no_kind.status_code == 422
    assert "choose whether it is a before, an after or another photo" in no_kind.text
    assert "No photo." in browser.get(f"/clients/{client_id}/photos").text
    desk = sign_in(api.client, "reception")
    desk.get(f"/clients/{client_id}/photos", status=403)
    assert _upload(desk, client_id, _jpeg_with_gps()).status_code == 403
