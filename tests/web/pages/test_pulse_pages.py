"""Electroporation through the pages: the consultation asks the high-voltage questions, the plan form
offers pulses, and a pulse plan's session runs on the simulated pulse generator."""

from __future__ import annotations

import re
import time
from typing import Any

from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS
from tests.web.conftest import Api
from tests.web.pages.helpers import Browser, drawn_signature, location_id, sign_in
from tests.web.pages.test_pages import _form_answers, _new_client, _product_lot
from tests.web.pages.test_plan_patch_tests import _apply

PULSES_NO = {q.id: False for q in PULSE_QUESTIONS}


def _ready(api: Api, browser: Browser, **answers: object) -> tuple[int, int]:
    lot_id = _product_lot(api)
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/consultation", _form_answers(**answers))
    browser.post(f"/clients/{client_id}/consent", {"signature": drawn_signature()})
    test_id = _apply(browser, client_id, lot_id, hours_ago=30)
    browser.post(f"/clients/{client_id}/patch-tests/{test_id}/reading", {"result": "negative"})
    return client_id, lot_id


def _pulse_plan(browser: Browser, client_id: int, lot_id: int, status: int = 303) -> Any:
    body = {"concern": "pigmentation", "area": "face", "lot_id": str(lot_id), "modality": "electroporation"}
    return browser.post(f"/clients/{client_id}/plans/new", body, status=status)


def test_the_consultation_asks_the_high_voltage_questions_apart(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    form = browser.get(f"/clients/{client_id}/consultation").text
    assert "Only before electroporation" in form
    for q in PULSE_QUESTIONS:
        assert f'name="{q.id}"' in form
    assert 'value="electroporation"' in browser.get(f"/clients/{client_id}/plans/new").text


def test_a_pulse_plan_without_the_high_voltage_answers_is_refused_on_the_form(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id, lot_id = _ready(api, browser)
    refused = _pulse_plan(browser, client_id, lot_id, status=409)
    assert PULSE_QUESTIONS[0].id in refused.text
    assert 'value="electroporation" checked' in refused.text  # what was chosen is kept


def test_a_pulse_plan_runs_from_the_pages_on_the_simulated_pulse_generator(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id, lot_id = _ready(api, browser, **PULSES_NO)
    answer = _pulse_plan(browser, client_id, lot_id)
    plan_id = location_id(answer, r"/plans/(\d+)\?")
    plan = browser.get(answer.headers["location"]).text
    assert "electroporation" in plan
    assert "cathode" in plan
    started = browser.post(f"/clients/{client_id}/plans/{plan_id}/start", {"lot_id": str(lot_id)})
    session_id = location_id(started, r"/sessions/(\d+)$")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = api.client.get(
            f"/api/clients/{client_id}/sessions/{session_id}", headers=api.headers["practitioner"]
        ).json()
        if record["status"] not in ("running", "paused"):
            break
        time.sleep(0.1)
    assert record["status"] == "complete", record
    report = browser.get(f"/clients/{client_id}/sessions/{session_id}/report").text
    assert re.search(r"<th scope=\"row\">Pulses</th><td><strong>(\d+)</strong> of \1 planned", report)
