"""The pages over the records and the sessions service: the whole flow, the role matrix, the refusals."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dermaport.records.models import AuditEntry, utcnow
from tests.safety.helpers import OK_ANSWERS
from tests.web.conftest import Api
from tests.web.pages.helpers import Browser, drawn_signature, location_id, sign_in


def _form_answers(**changes: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in {**OK_ANSWERS, **changes}.items():
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        else:
            out[key] = str(value)
    return out


def _local(at: dt.datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%dT%H:%M")


def _new_client(browser: Browser) -> int:
    answer = browser.post(
        "/clients/new", {"given_name": "Ana", "family_name": "Silva", "phone": "+44 20 7946 0958"}
    )
    return location_id(answer, r"/clients/(\d+)$")


def _product_lot(api: Api) -> int:
    h = api.headers["practitioner"]
    product = api.client.post(
        "/api/products",
        json={"name": "sap-ampoule", "active": "sodium ascorbyl phosphate", "concentration": "3 %"},
        headers=h,
    ).json()["id"]
    lot = api.client.post(
        f"/api/products/{product}/lots", json={"lot_number": "L-2031", "expires_on": "2031-01-31"}, headers=h
    )
    return int(lot.json()["id"])


def test_login_form_has_the_contract_inputs(api: Api) -> None:
    page = api.client.get("/login")
    assert page.status_code == 200
    for name in ("username", "password", "csrf_token"):
        assert f'name="{name}"' in page.text
    assert "no-store" in page.headers["cache-control"]
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_page_asked_signed_out_goes_to_the_login(api: Api) -> None:
    answer = api.client.get("/clients/1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/clients/1"


def test_a_wrong_password_shows_the_form_again_with_the_username(api: Api) -> None:
    answer = api.client.post(
        "/login", data={"username": "owner", "password": "wrong"}, headers={"Origin": "http://testserver"}
    )
    assert answer.status_code == 401
    assert 'value="owner"' in answer.text
    assert 'class="error"' in answer.text


def test_a_form_post_without_the_csrf_token_is_refused(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    answer = api.client.post(
        "/clients/new", data={"given_name": "A", "family_name": "B"}, headers={"Origin": "http://testserver"}
    )
    assert answer.status_code == 403
    assert browser.get("/clients").text.count("<tr>") == 2  # header
    assert "no client found"


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    answer = browser.post(
        "/clients/new", {"given_name": "Ana", "family_name": "Silva", "email": "not-an-address"}, status=422
    )
    assert 'value="Ana"' in answer.text
    assert 'value="not-an-address"' in answer.text
    assert 'id="email-error"' in answer.text


def test_search_finds_a_client_by_part_of_a_name_without_accents(api: Api) -> None:
    browser = sign_in(api.client, "reception")
    browser.post("/clients/new", {"given_name": "José", "family_name": "Álvarez"})
    browser.post("/clients/new", {"given_name": "Mary", "family_name": "Smith"})
    rows = browser.get("/clients/rows?q=alva").text
    assert "Álvarez" in rows
    assert "Smith" not in rows


def test_reception_sees_contact_details_not_clinical_records(api: Api) -> None:
    practitioner = sign_in(api.client, "practitioner")
    client_id = _new_client(practitioner)
    practitioner.post(f"/clients/{client_id}/consultation", _form_answers())
    reception = sign_in(api.client, "reception")
    page = reception.get(f"/clients/{client_id}").text
    assert "+44 20 7946 0958" in page
    assert "Screenings" not in page
    assert "Clinical records are for practitioners" in page
    refused = reception.get(f"/clients/{client_id}/consultation", status=403)
    assert "may not" in refused.text
    assert reception.get("/users", status=403)
    with api.database.transaction() as db:
        denied = db.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).all()
    assert [(d.actor, d.client_id) for d in denied][:1] == [("reception", client_id)]  # audited as the API's


def test_the_consultation_verdict_comes_from_the_rules_as_answered(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    answer = api.client.post(
        f"/clients/{client_id}/consultation/verdict",
        json=_form_answers(pacemaker=True),
        headers={"Origin": "http://testserver", "X-CSRF-Token": browser.csrf},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["verdict"] == "stop"
    assert any(f["question_id"] == "pacemaker" for f in answer.json()["findings"])
    partial = api.client.post(
        f"/clients/{client_id}/consultation/verdict",
        json={"area": "face"},
        headers={"Origin": "http://testserver", "X-CSRF-Token": browser.csrf},
    )
    assert partial.json()["verdict"] == "ask"


def test_the_whole_flow_through_the_pages(api: Api, tmp_path: Path) -> None:
    lot_id = _product_lot(api)
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    assert "Ana Silva" in browser.get("/clients").text

    browser.post(f"/clients/{client_id}/consultation", _form_answers(pacemaker=True))
    browser.post(f"/clients/{client_id}/consultation", _form_answers())
    page = browser.get(f"/clients/{client_id}").text
    assert "v-stop" in page
    assert "v-ok" in page

    refused = browser.post(f"/clients/{client_id}/consent", {"signature": ""}, status=422)
    assert "sign in the box" in refused.text
    browser.post(f"/clients/{client_id}/consent", {"signature": drawn_signature()})

    applied = _local(utcnow() - dt.timedelta(hours=30))
    browser.post(
        f"/clients/{client_id}/patch-tests", {"lot_id": str(lot_id), "site": "neck", "applied_at": applied}
    )
    tests = browser.get(f"/clients/{client_id}/patch-tests").text
    test_id = int(re.search(r"/patch-tests/(\d+)/reading", tests).group(1))  # type: ignore[union-attr]
    browser.post(f"/clients/{client_id}/patch-tests/{test_id}/reading", {"result": "negative"})

    answer = browser.post(
        f"/clients/{client_id}/plans/new", {"concern": "hydration", "area": "face", "lot_id": str(lot_id)}
    )
    plan_id = location_id(answer, r"/plans/(\d+)\?")
    plan = browser.get(answer.headers["location"]).text
    assert "cathode" in plan
    assert "Predicted delivery" in plan

    started = browser.post(f"/clients/{client_id}/plans/{plan_id}/start", {"lot_id": str(lot_id)})
    session_id = location_id(started, r"/sessions/(\d+)$")
    screen = browser.get(started.headers["location"]).text
    assert f"/api/clients/{client_id}/sessions/{session_id}/live" in screen
    assert 'value="stop"' in screen

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = api.client.get(
            f"/api/clients/{client_id}/sessions/{session_id}", headers=api.headers["practitioner"]
        ).json()["status"]
        if status not in ("running", "paused"):
            break
        hold = api.client.post(
            f"/clients/{client_id}/sessions/{session_id}/control",
            data={"action": "confirm", "csrf_token": browser.csrf},
            headers={"Origin": "http://testserver", "Accept": "application/json"},
        )
        assert hold.status_code == 200, hold.text
        time.sleep(0.1)
    assert status == "complete"

    report = browser.get(f"/clients/{client_id}/sessions/{session_id}/report").text
    assert "L-2031" in report
    assert "Ana Silva" in report
    pdf = browser.get(f"/clients/{client_id}/sessions/{session_id}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Ana Silva" in text
        assert "L-2031" in text
        assert "mA·min" in text

    care = browser.get(f"/clients/{client_id}/aftercare").text
    assert "After your treatment" in care
    assert "[004]" not in care
    assert "source" not in care.lower()
    course = browser.get(f"/clients/{client_id}/course").text
    assert "course.ics" in course
    ics = browser.get(f"/clients/{client_id}/course.ics")
    assert ics.text.startswith("BEGIN:VCALENDAR")


def test_a_patch_test_read_before_24_h_is_refused_next_to_the_form(api: Api) -> None:
    lot_id = _product_lot(api)
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/patch-tests", {"lot_id": str(lot_id), "site": "neck"})
    tests = browser.get(f"/clients/{client_id}/patch-tests").text
    test_id = int(re.search(r"/patch-tests/(\d+)/reading", tests).group(1))  # type: ignore[union-attr]
    refused = browser.post(
        f"/clients/{client_id}/patch-tests/{test_id}/reading", {"result": "negative"}, status=422
    )
    assert "at least 24 h after" in refused.text


def test_a_session_refused_by_the_checks_shows_the_reason_on_the_plan(api: Api) -> None:
    lot_id = _product_lot(api)
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/consultation", _form_answers())
    answer = browser.post(
        f"/clients/{client_id}/plans/new", {"concern": "hydration", "area": "face", "lot_id": str(lot_id)}
    )
    plan_id = location_id(answer, r"/plans/(\d+)\?")
    refused = browser.post(f"/clients/{client_id}/plans/{plan_id}/start", {"lot_id": str(lot_id)}, status=409)
    assert "patch test" in refused.text


def test_the_owner_adds_and_disables_a_user_and_verifies_the_audit(api: Api) -> None:
    owner = sign_in(api.client, "owner")
    short = owner.post(
        "/users", {"username": "nina", "role": "practitioner", "password": "short"}, status=422
    )
    assert 'value="nina"' in short.text
    assert "too short" in short.text
    owner.post("/users", {"username": "nina", "role": "practitioner", "password": "a long enough password"})
    users = owner.get("/users").text
    user_id = _user_id(users, "nina")
    owner.post(f"/users/{user_id}/active", {"active": "no"})
    assert "disabled" in owner.get("/users").text
    audit = owner.get("/audit").text
    assert "Audit chain intact" in audit


def _user_id(html: str, username: str) -> int:
    found = re.search(rf'for="pw-(\d+)">New password for {username}<', html)
    assert found, html
    return int(found.group(1))


@pytest.mark.parametrize("path", ["/static/app.css", "/static/vendor/signature_pad/LICENSE"])
def test_static_files_are_served_by_the_app(api: Api, path: str) -> None:
    assert api.client.get(path).status_code == 200
