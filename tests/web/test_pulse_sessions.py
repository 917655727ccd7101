"""A plan of electroporation steps runs through the sessions service on the simulated pulse generator.

(The plan is stored again with pulse steps and a valid digest, as a planner's would be; the client
is screened for pulses too.) The session completes with every pulse fired, its documents and its
report carry the pulses delivered, and nothing in it claims a galvanic dose.
"""

from __future__ import annotations

import copy
import time

from dermaport.planning.digest import with_digest
from dermaport.records.models import PlanRecord
from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS
from tests.safety.helpers import OK_ANSWERS
from tests.web.pages.helpers import sign_in

from .conftest import Api
from .flow import ready_client

STEP = "electroporation 10 V 1 ms x 5 pulses at 1 Hz cathode"


def test_a_pulse_plan_runs_on_the_simulated_pulse_generator_and_its_report_counts_the_pulses(
    api: Api,
) -> None:
    ready = ready_client(api, answers={**OK_ANSWERS, **{q.id: False for q in PULSE_QUESTIONS}})
    with api.database.transaction() as db:
        stored = db.get(PlanRecord, ready.plan["id"])
        assert stored is not None
        content = copy.deepcopy(stored.content)
        content.pop("digest", None)
        content["steps"] = [STEP]
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
        plan_id = row.id
    base = f"/api/clients/{ready.client_id}/sessions"
    started = api.client.post(base, json={"plan_id": plan_id, "lot_id": ready.lot_id}, headers=ready.headers)
    assert started.status_code == 201, started.text
    session_id = started.json()["id"]
    deadline = time.monotonic() + 30
    while (record := api.client.get(f"{base}/{session_id}", headers=ready.headers).json())[
        "status"
    ] == "running":
        assert time.monotonic() < deadline, record
        time.sleep(0.05)
    assert record["status"] == "complete", record
    assert record["reason"] == "plan delivered: every pulse fired"
    assert record["device"]["modality"] == "electroporation"
    assert record["delivered_charge_mA_min"] == 0.0
    documents = api.client.get(f"{base}/{session_id}/documents", headers=ready.headers).json()
    (stop,) = [d for d in documents if d["name"] == "stop"]
    assert stop["body"]["pulses_delivered"] == 5
    assert documents[0]["body"]["schema_version"] == 2
    sign_in(api.client, "practitioner")
    report = api.client.get(f"/clients/{ready.client_id}/sessions/{session_id}/report")
    assert report.status_code == 200
    assert "<strong>5</strong> of 5 planned" in report.text
