"""A plan of electroporation steps runs through the sessions service on the simulated pulse generator.

(The plan is stored again with pulse steps and a valid digest, as a planner's would be; the client
is screened for pulses too.) The session completes with every pulse fired, its documents and its
report carry the pulses delivered, and nothing in it claims a galvanic dose.
"""

from __future__ import annotations

import time

from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS
from tests.safety.helpers import OK_ANSWERS
from tests.web.pages.helpers import sign_in

from .conftest import Api
from .flow import ready_client, stored_with_steps, wait_for

STEP = "electroporation 10 V 1 ms x 5 pulses at 1 Hz cathode"


def test_a_pulse_plan_runs_on_the_simulated_pulse_generator_and_its_report_counts_the_pulses(
    api: Api,
) -> None:
    ready = ready_client(api, answers={**OK_ANSWERS, **{q.id: False for q in PULSE_QUESTIONS}})
    plan_id = stored_with_steps(api, ready, [STEP])
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


def test_a_pulse_plan_made_through_the_api_for_a_client_on_record_runs_to_its_last_pulse(api: Api) -> None:
    ready = ready_client(api, answers={**OK_ANSWERS, **{q.id: False for q in PULSE_QUESTIONS}})
    base = f"/api/clients/{ready.client_id}"
    body = {
        "concern": "pigmentation",
        "area": "face",
        "product": "sap-ampoule",
        "modality": "electroporation",
    }
    planned = api.client.post(f"{base}/plans", json=body, headers=ready.headers)
    assert planned.status_code == 201, planned.text
    plan = planned.json()
    (step,) = [s for s in plan["steps"] if s.startswith("electroporation")]
    assert plan["modality"] == "electroporation"
    assert not [s for s in plan["steps"] if s.startswith("iontophoresis")]  # one device, one modality
    started = api.client.post(
        f"{base}/sessions", json={"plan_id": plan["id"], "lot_id": ready.lot_id}, headers=ready.headers
    )
    assert started.status_code == 201, started.text
    done = wait_for(api, ready.client_id, started.json()["id"], ("complete", "failed", "stopped"))
    assert done["status"] == "complete", done
    documents = api.client.get(f"{base}/sessions/{done['id']}/documents", headers=ready.headers).json()
    (stop,) = [d for d in documents if d["name"] == "stop"]
    expected = sum(
        s["pulses"] for s in documents[0]["body"]["plan"]["segments"] if s["modality"] == "electroporation"
    )
    assert expected > 0
    assert stop["body"]["pulses_delivered"] == expected, step


def test_pulses_and_a_target_together_are_refused_in_one_line(api: Api) -> None:
    ready = ready_client(api, answers={**OK_ANSWERS, **{q.id: False for q in PULSE_QUESTIONS}})
    body = {
        "concern": "pigmentation",
        "area": "face",
        "product": "sap-ampoule",
        "pulses": "electroporation 80 V 1 ms pulses at 0.5 Hz for 3 min",
        "target": "5 ug/cm2 in viable_epidermis",
    }
    answer = api.client.post(f"/api/clients/{ready.client_id}/plans", json=body, headers=ready.headers)
    assert answer.status_code == 422
    assert "not both" in str(answer.json()["detail"])
