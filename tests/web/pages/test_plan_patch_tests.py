"""The plan's "Before the session" list comes from the client's patch tests on record."""

from __future__ import annotations

import datetime as dt
import re

from dermaport.records.models import utcnow
from tests.web.conftest import Api
from tests.web.pages.helpers import Browser, location_id, sign_in
from tests.web.pages.test_pages import _form_answers, _local, _new_client, _product_lot


def _plan(browser: Browser, client_id: int, lot_id: int) -> tuple[int, str]:
    answer = browser.post(
        f"/clients/{client_id}/plans/new", {"concern": "hydration", "area": "face", "lot_id": str(lot_id)}
    )
    return location_id(answer, r"/plans/(\d+)\?"), browser.get(answer.headers["location"]).text


def _stored_requirements(api: Api, client_id: int, plan_id: int) -> list[str]:
    answer = api.client.get(f"/api/clients/{client_id}/plans/{plan_id}", headers=api.headers["practitioner"])
    assert answer.status_code == 200, answer.text
    return list(answer.json()["requirements"])


def _apply(browser: Browser, client_id: int, lot_id: int, hours_ago: float) -> int:
    applied = _local(utcnow() - dt.timedelta(hours=hours_ago))
    browser.post(
        f"/clients/{client_id}/patch-tests", {"lot_id": str(lot_id), "site": "neck", "applied_at": applied}
    )
    tests = browser.get(f"/clients/{client_id}/patch-tests").text
    return int(re.search(r"/patch-tests/(\d+)/reading", tests).group(1))  # type: ignore[union-attr]


def test_a_negative_test_read_after_24_h_clears_the_plan_and_the_page(api: Api) -> None:
    lot_id = _product_lot(api)
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/consultation", _form_answers())
    test_id = _apply(browser, client_id, lot_id, hours_ago=30)
    browser.post(f"/clients/{client_id}/patch-tests/{test_id}/reading", {"result": "negative"})
    plan_id, page = _plan(browser, client_id, lot_id)
    assert "Before the session" not in page
    assert "patch test pending" not in page
    assert _stored_requirements(api, client_id, plan_id) == []


def test_without_a_test_the_plan_asks_for_one_and_a_later_reading_clears_the_page(api: Api) -> None:
    lot_id = _product_lot(api)
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/consultation", _form_answers())
    plan_id, page = _plan(browser, client_id, lot_id)
    assert "Before the session" in page
    assert "no patch test with sap-ampoule on record" in page
    (stored,) = _stored_requirements(api, client_id, plan_id)
    assert stored.startswith("no patch test with sap-ampoule on record: apply one")
    test_id = _apply(browser, client_id, lot_id, hours_ago=30)
    unread = browser.get(f"/clients/{client_id}/plans/{plan_id}").text
    assert "is not read yet" in unread  # as the session's start would refuse
    browser.post(f"/clients/{client_id}/patch-tests/{test_id}/reading", {"result": "negative"})
    assert "Before the session" not in browser.get(f"/clients/{client_id}/plans/{plan_id}").text
