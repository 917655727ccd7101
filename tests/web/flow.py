"""A client made ready for treatment through the API: screened, consented, patch-tested, planned."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update

from dermaport.planning.digest import with_digest
from dermaport.records.models import Lot, PatchTest, PlanRecord, utcnow
from tests.safety.helpers import OK_ANSWERS
from tests.web.conftest import Api

PRODUCT = {"name": "sap-ampoule", "active": "sodium ascorbyl phosphate", "concentration": "3 %"}
CONSENT = {
    "form": "iontophoresis",
    "form_version": "3",
    "text": "I consent to iontophoresis of the face.",
    "signature": "Ana Silva",
}


@dataclass
class Ready:
    """Ids of a client ready for a session, and the headers to use."""

    client_id: int
    product_id: int
    lot_id: int
    patch_test_id: int
    plan: dict[str, Any]
    headers: dict[str, str]


def post(api: Api, url: str, body: dict[str, Any], headers: dict[str, str], status: int = 201) -> Any:
    """POST and check the status; the JSON answer."""
    response = api.client.post(url, json=body, headers=headers)
    assert response.status_code == status, (url, response.status_code, response.text)
    return response.json()


def age_patch_test(api: Api, patch_test_id: int, *, applied_h_ago: float, read_h_ago: float | None) -> None:
    """Move a patch test's application (and reading) into the past, as its two visits would have.

    The records API refuses a reading under 24 h after the application; the tests that need one
    (to show the sessions service refuses it too) set the times here.
    """
    now = utcnow()
    with api.database.transaction() as db:
        db.execute(
            update(PatchTest)
            .where(PatchTest.id == patch_test_id)
            .values(
                applied_at=now - timedelta(hours=applied_h_ago),
                read_at=None if read_h_ago is None else now - timedelta(hours=read_h_ago),
            )
        )


def ready_client(
    api: Api,
    *,
    answers: dict[str, Any] | None = None,
    consent: bool = True,
    patch: str | None = "negative",
    applied_h_ago: float = 48.0,
    read_h_ago: float | None = 20.0,
    lot_expires: str = "2030-12-31",
    role: str = "practitioner",
) -> Ready:
    """A new client through the API, with the records a session needs (or without the ones asked)."""
    h = api.headers[role]
    client = post(api, "/api/clients", {"given_name": "Ana", "family_name": "Silva"}, h)["id"]
    base = f"/api/clients/{client}"
    post(api, f"{base}/screenings", {"answers": answers or dict(OK_ANSWERS)}, h)
    if consent:
        post(api, f"{base}/consents", CONSENT, h)
    product = post(api, "/api/products", PRODUCT, h)["id"]
    lot = post(
        api, f"/api/products/{product}/lots", {"lot_number": f"L{client}", "expires_on": "2030-12-31"}, h
    )
    patch_id = 0
    if patch is not None:
        now = utcnow()
        applied = now - timedelta(hours=applied_h_ago)
        body: dict[str, Any] = {"site": "neck", "lot_id": lot["id"], "applied_at": applied.isoformat()}
        patch_id = post(api, f"{base}/patch-tests", body, h)["id"]
        if patch != "pending" and read_h_ago is not None and applied_h_ago - read_h_ago >= 24:
            read = {"result": patch, "read_at": (now - timedelta(hours=read_h_ago)).isoformat()}
            answer = api.client.put(f"{base}/patch-tests/{patch_id}/reading", json=read, headers=h)
            assert answer.status_code == 200, answer.text
        elif patch != "pending":
            # a reading the records refuse (too early): stored behind their back, so that the
            # sessions service's own check is what refuses it
            with api.database.transaction() as db:
                db.execute(update(PatchTest).where(PatchTest.id == patch_id).values(result=patch))
            age_patch_test(api, patch_id, applied_h_ago=applied_h_ago, read_h_ago=read_h_ago)
    if lot_expires != "2030-12-31":  # a lot that has run out since it was received and patch-tested
        with api.database.transaction() as db:
            expired = date.fromisoformat(lot_expires)
            db.execute(update(Lot).where(Lot.id == lot["id"]).values(expires_on=expired))
    plan = post(api, f"{base}/plans", {"concern": "hydration", "area": "face", "product": "sap-ampoule"}, h)
    return Ready(client, product, lot["id"], patch_id, plan, h)


def wait_for(
    api: Api, client_id: int, session_id: int, statuses: tuple[str, ...], timeout_s: float = 120
) -> Any:
    """Poll the session until its status is one of ``statuses``; its JSON."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = api.client.get(
            f"/api/clients/{client_id}/sessions/{session_id}", headers=api.headers["practitioner"]
        )
        assert got.status_code == 200, got.text
        if got.json()["status"] in statuses or time.monotonic() > deadline:
            return got.json()
        time.sleep(0.05)


def stored_with_steps(api: Api, ready: Ready, steps: list[str]) -> int:
    """The client's plan stored again with ``steps`` (a valid digest, as a planner's would be); its id."""
    with api.database.transaction() as db:
        stored = db.get(PlanRecord, ready.plan["id"])
        assert stored is not None
        content = copy.deepcopy(stored.content)
        content.pop("digest", None)
        content["steps"] = steps
        document = with_digest(content)
        row = PlanRecord(
            client_id=stored.client_id,
            screening_id=stored.screening_id,
            request=stored.request,
            content=document,
            digest=document["digest"],
            created_by=stored.created_by,
        )
        db.add(row)
        db.flush()
        return row.id
