"""Sessions through the API, on SQLite and PostgreSQL: screened, consented, patch-tested, planned, treated.

The server's device is the simulated one on a fake clock (``tests.web.conftest.fast_sessions``),
so a 6-minute session runs in seconds; every refusal is checked to open no device at all.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update

from dermaport.planning.digest import with_digest
from dermaport.records.models import PlanRecord, Screening, SessionDocument, TreatmentSession
from tests.safety.helpers import OK_ANSWERS
from tests.web.conftest import Api
from tests.web.flow import Ready, post, ready_client, wait_for


def _sessions(api: Api) -> int:
    with api.database.transaction() as db:
        return db.scalar(select(func.count()).select_from(TreatmentSession)) or 0


def _start(api: Api, ready: Ready, status: int = 201) -> Any:
    body = {"plan_id": ready.plan["id"], "lot_id": ready.lot_id}
    return post(api, f"/api/clients/{ready.client_id}/sessions", body, ready.headers, status)


def test_a_client_is_screened_planned_treated_and_the_record_lists_the_session(api: Api) -> None:
    ready = ready_client(api)
    plan = ready.plan
    assert {"id", "digest", "steps", "electrode", "charge_dose_mA_min", "predicted", "screening"} <= set(plan)
    assert plan["electrode"] == "cathode"
    started = _start(api, ready)
    assert set(started) == {"id", "status"}
    session = wait_for(api, ready.client_id, started["id"], ("complete", "stopped", "failed"))
    assert session["status"] == "complete", session["reason"]
    assert session["plan_id"] == plan["id"]
    assert session["charge_dose_mA_min"] == pytest.approx(session["planned_dose_mA_min"], rel=0.01)
    assert session["lot_id"] == ready.lot_id
    documents = api.client.get(
        f"/api/clients/{ready.client_id}/sessions/{started['id']}/documents", headers=ready.headers
    ).json()
    start = documents[0]["body"]
    assert (start["plan_id"], start["plan_digest"], start["lot_id"]) == (
        plan["id"],
        plan["digest"],
        ready.lot_id,
    )
    assert start["operator"]["username"] == "practitioner"
    assert start["prediction_request"]["active"]
    readings = [d["body"] for d in documents if d["name"] == "reading"]
    times = [r["time_s"] for r in readings]
    assert all(b - a == pytest.approx(0.5) for a, b in itertools.pairwise(times))  # none missing
    assert readings[-1]["charge_mA_min"] == pytest.approx(session["charge_dose_mA_min"])
    assert documents[-1]["name"] == "stop"
    assert documents[-1]["body"]["status"] == "complete"
    record = api.client.get(f"/api/clients/{ready.client_id}/record", headers=ready.headers).json()
    listed = record["sessions"]
    assert [(s["id"], s["status"]) for s in listed] == [(started["id"], "complete")]
    assert listed[0]["charge_dose_mA_min"] == pytest.approx(session["charge_dose_mA_min"])
    outcome = api.client.put(
        f"/api/clients/{ready.client_id}/sessions/{started['id']}/outcome",
        json={"outcome": "Even tone, no erythema."},
        headers=ready.headers,
    )
    assert outcome.status_code == 200
    assert outcome.json()["outcome"] == "Even tone, no erythema."
    live = api.client.get(
        f"/api/clients/{ready.client_id}/sessions/{started['id']}/live", headers=ready.headers
    )
    assert live.headers["content-type"].startswith("text/event-stream")
    assert live.text.count("event: reading\n") == len(readings)


def _edit_screening(api: Api, ready: Ready, **changes: Any) -> None:
    with api.database.transaction() as db:
        row = db.scalars(select(Screening).where(Screening.client_id == ready.client_id)).one()
        row.answers = {**row.answers, **changes}


def _edit_plan(api: Api, ready: Ready, *, redigest: bool, old: str, new: str) -> None:
    with api.database.transaction() as db:
        row = db.get(PlanRecord, ready.plan["id"])
        assert row is not None
        content = dict(row.content)
        content["steps"] = [
            s.replace(old, new) if s.startswith("iontophoresis") else s for s in content["steps"]
        ]
        assert content["steps"] != row.content["steps"]
        if redigest:  # someone with write access recomputes the digest too
            content = with_digest(content)
            row.digest = content["digest"]
        row.content = content


Edit = Callable[[Api, Ready], None] | None
REFUSALS: dict[str, tuple[dict[str, Any], Edit, str]] = {
    "stop verdict": ({}, lambda api, r: _edit_screening(api, r, pacemaker=True), "screening .* says stop"),
    "pending patch test": ({"patch": "pending", "read_h_ago": None}, None, "not read yet"),
    "too early patch test": ({"applied_h_ago": 30, "read_h_ago": 18}, None, r"read 12 h after .* 24 h"),
    "positive patch test": ({"patch": "positive"}, None, "was positive"),
    "no patch test": ({"patch": None}, None, "no patch test with sap-ampoule on record"),
    "no consent": ({"consent": False}, None, "no signed consent covers this treatment"),
    "expired lot": ({"lot_expires": "2025-01-31"}, None, "expired on 2025-01-31"),
    "edited plan": (
        {},
        lambda api, r: _edit_plan(api, r, redigest=False, old="for 6 min", new="for 5 min"),
        "altered after it was stored",
    ),
    "wrong polarity": (
        {},
        lambda api, r: _edit_plan(api, r, redigest=True, old="cathode", new="anode"),
        "delivers from the anode, but plan .* under the cathode",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_is_409_with_its_reason_and_starts_no_current(api: Api, case: str) -> None:
    setup, edit, reason = REFUSALS[case]
    ready = ready_client(api, **setup)
    if edit is not None:
        edit(api, ready)
    devices = api.client.app.state.sessions.devices  # type: ignore[attr-defined]
    opened = devices.opened
    refused = _start(api, ready, 409)
    assert list(refused) == ["detail"]
    assert refused["detail"].startswith("refused: ")
    assert re.search(reason, refused["detail"]), refused["detail"]
    assert devices.opened == opened  # no device opened: no current
    assert _sessions(api) == 0


def test_newer_answers_since_the_plan_refuse_the_session(api: Api) -> None:
    ready = ready_client(api)
    post(api, f"/api/clients/{ready.client_id}/screenings", {"answers": dict(OK_ANSWERS)}, ready.headers)
    refused = _start(api, ready, 409)
    assert "newer screening answers" in refused["detail"]
    assert "plan again" in refused["detail"]


def test_a_screening_that_does_not_allow_treatment_refuses_the_plan(api: Api) -> None:
    h = api.headers["practitioner"]
    client = post(api, "/api/clients", {"given_name": "Bo", "family_name": "Li"}, h)["id"]
    screening = post(
        api, f"/api/clients/{client}/screenings", {"answers": {**OK_ANSWERS, "pacemaker": True}}, h
    )
    assert set(screening) >= {
        "id",
        "verdict",
        "findings",
        "defer_until",
        "adjustments",
        "questionnaire_version",
    }
    assert screening["verdict"] == "stop"
    body = {"concern": "hydration", "area": "face", "product": "sap-ampoule"}
    refused = post(api, f"/api/clients/{client}/plans", body, h, 409)
    assert "stop" in refused["detail"]
    assert "pacemaker" in refused["detail"]
    with api.database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(PlanRecord)) == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"answers": dict(OK_ANSWERS), "verdict": "ok"}, "verdict"),
        ({"answers": {**OK_ANSWERS, "pacemaker": True}, "verdict": "suitable"}, "verdict"),
        ({"answers": {"foo": "bar"}, "questionnaire_version": "1.0"}, "foo"),
        ({"answers": dict(OK_ANSWERS), "questionnaire_version": "9.9"}, "9.9"),
    ],
)
def test_a_screening_with_a_verdict_or_unknown_questions_is_422(
    api: Api, body: dict[str, Any], fragment: str
) -> None:
    h = api.headers["practitioner"]
    client = post(api, "/api/clients", {"given_name": "Bo", "family_name": "Li"}, h)["id"]
    response = api.client.post(f"/api/clients/{client}/screenings", json=body, headers=h)
    assert response.status_code == 422, response.text
    assert fragment in response.text
    with api.database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Screening)) == 0


def test_the_stored_screening_is_what_the_rules_compute(api: Api) -> None:
    h = api.headers["practitioner"]
    client = post(api, "/api/clients", {"given_name": "Bo", "family_name": "Li"}, h)["id"]
    answers = {**OK_ANSWERS, "skin_sensitivity": "sensitive", "last_laser": None}
    got = post(api, f"/api/clients/{client}/screenings", {"answers": answers}, h)
    assert got["verdict"] == "ask"
    assert got["questionnaire_version"] == "1.0"
    assert any(f["question_id"] == "last_laser" and f["outcome"] == "ask" for f in got["findings"])
    assert got["adjustments"]


def test_stop_pause_resume_on_an_ended_session_ask_nothing(api: Api) -> None:
    ready = ready_client(api)
    started = _start(api, ready)
    wait_for(api, ready.client_id, started["id"], ("complete",))
    for action in ("pause", "resume", "stop"):
        got = post(
            api, f"/api/clients/{ready.client_id}/sessions/{started['id']}/{action}", {}, ready.headers, 200
        )
        assert got == {"id": started["id"], "status": "complete", "asked": False}


def test_an_edited_stored_reading_fails_audit_verify_naming_the_session(api: Api) -> None:
    ready = ready_client(api)
    started = _start(api, ready)
    wait_for(api, ready.client_id, started["id"], ("complete",))
    from dermaport.records.documents import verify_session_digests

    with api.database.transaction() as db:
        assert verify_session_digests(db) == []
        doc = db.scalars(
            select(SessionDocument)
            .where(SessionDocument.session_id == started["id"], SessionDocument.name == "reading")
            .order_by(SessionDocument.seq.desc())
        ).first()
        assert doc is not None
        db.execute(
            update(SessionDocument)
            .where(SessionDocument.id == doc.id)
            .values(body={**doc.body, "current_mA": 3.9})
        )
    with api.database.transaction() as db:
        problems = verify_session_digests(db)
    assert len(problems) == 1
    assert problems[0].startswith(f"session {started['id']}:")
    verify = api.client.get("/api/audit/verify", headers=api.headers["owner"]).json()
    assert verify["intact"] is False
    assert f"session {started['id']}" in verify["problem"]
