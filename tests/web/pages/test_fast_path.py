"""Page GETs on the API's fast path: read outside the writer lock, audit entries group-committed."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dermaport.records.database import Database, GroupAppender
from dermaport.records.models import AuditEntry, utcnow
from tests.web.conftest import Api
from tests.web.pages.helpers import Browser, drawn_signature, location_id, sign_in
from tests.web.pages.test_pages import _form_answers, _local, _new_client, _product_lot


class _Spy:
    """Counts the write transactions opened outside the audit group-append, and the group appends."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes = 0
        self.group_appends = 0
        self._inside = threading.local()
        transaction = Database.transaction
        append = GroupAppender.append

        def counted_transaction(database: Database, **kwargs: Any) -> AbstractContextManager[Session]:
            if not getattr(self._inside, "appending", False):
                self.writes += 1
            return transaction(database, **kwargs)

        def counted_append(appender: GroupAppender, database: Database, entries: Any) -> None:
            self.group_appends += 1
            self._inside.appending = True
            try:
                append(appender, database, entries)
            finally:
                self._inside.appending = False

        monkeypatch.setattr(Database, "transaction", counted_transaction)
        monkeypatch.setattr(GroupAppender, "append", counted_append)

    def reset(self) -> None:
        self.writes = self.group_appends = 0


def _entries(api: Api) -> int:
    with api.database.reading() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.fixture
def recorded(api: Api) -> tuple[Browser, dict[str, str]]:
    """A practitioner signed in, and the pages of a client with a plan and a stopped session."""
    lot_id = _product_lot(api)
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    browser.post(f"/clients/{client_id}/consultation", _form_answers())
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
    started = browser.post(f"/clients/{client_id}/plans/{plan_id}/start", {"lot_id": str(lot_id)})
    session_id = location_id(started, r"/sessions/(\d+)$")
    browser.post(f"/clients/{client_id}/sessions/{session_id}/control", {"action": "stop"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # its recorder done, so only the pages' own work is counted
        status = api.client.get(
            f"/api/clients/{client_id}/sessions/{session_id}", headers=api.headers["practitioner"]
        ).json()["status"]
        if status not in ("running", "paused"):
            break
        time.sleep(0.1)
    return browser, {
        "client list": "/clients",
        "client rows": "/clients/rows?q=ana",
        "client page": f"/clients/{client_id}",
        "consultation": f"/clients/{client_id}/consultation",
        "patch tests": f"/clients/{client_id}/patch-tests",
        "plan form": f"/clients/{client_id}/plans/new",
        "plan": f"/clients/{client_id}/plans/{plan_id}",
        "session": f"/clients/{client_id}/sessions/{session_id}",
        "report": f"/clients/{client_id}/sessions/{session_id}/report",
    }


def test_every_page_read_writes_only_its_audit_entries_group_committed(
    api: Api, recorded: tuple[Browser, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, pages = recorded
    spy = _Spy(monkeypatch)
    for name, url in pages.items():
        before = _entries(api)
        spy.reset()
        answer = browser.get(url)
        assert answer.headers["cache-control"] == "no-store", name
        assert spy.writes == 0, f"{name}: {spy.writes} write transaction(s) besides the audit's"
        assert spy.group_appends >= 1, f"{name}: its audit entries were not group-committed"
        assert _entries(api) > before, f"{name}: no audit entry"  # committed before the page was sent


def test_the_owner_pages_read_on_the_fast_path_and_denials_are_still_audited(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = sign_in(api.client, "owner")
    spy = _Spy(monkeypatch)
    for url in ("/users", "/audit"):
        spy.reset()
        owner.get(url)
        assert spy.writes == 0, url
    reception = sign_in(api.client, "reception")
    before = _entries(api)
    reception.get("/audit", status=403)
    with api.database.reading() as db:
        last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert _entries(api) == before + 1
    assert (last.actor, last.action) == ("reception", "denied")


def test_a_signed_in_page_is_resolved_from_the_cache_and_a_logout_ends_it(api: Api) -> None:
    browser = sign_in(api.client, "practitioner")
    browser.get("/clients")
    browser.get("/clients")  # the second from the signed-in cache
    browser.post("/logout", {})
    assert browser.get("/clients", status=303).headers["location"].startswith("/login")
