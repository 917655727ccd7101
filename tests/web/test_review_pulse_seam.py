"""Review of pulses: a stored plan with a pulse step reaches no output through the sessions service,
whether the client was screened only for galvanic current or for pulses too (a mixed plan)."""

from __future__ import annotations

from typing import Any

from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS
from tests.safety.helpers import OK_ANSWERS

from .conftest import Api
from .flow import ready_client, stored_with_steps

#: Within the pulse hard limits on the plan's electrode, from the electrode the plan puts the product under.
PULSE_STEP = "electroporation 10 V 1 ms x 5 pulses at 1 Hz cathode"


def _start_with_a_pulse_step(api: Api, answers: dict[str, Any]) -> tuple[int, str, Any]:
    """Store the client's plan again with a pulse step first (a valid digest); start it."""
    ready = ready_client(api, answers=answers)
    plan_id = stored_with_steps(api, ready, [PULSE_STEP, *ready.plan["steps"]])
    response = api.client.post(
        f"/api/clients/{ready.client_id}/sessions",
        json={"plan_id": plan_id, "lot_id": ready.lot_id},
        headers=ready.headers,
    )
    record = api.client.get(f"/api/clients/{ready.client_id}/record", headers=ready.headers).json()
    return response.status_code, response.json()["detail"], record["sessions"]


def test_a_stored_pulse_plan_is_refused_without_the_pulse_screening(api: Api) -> None:
    status, detail, sessions = _start_with_a_pulse_step(api, dict(OK_ANSWERS))
    assert status == 409
    assert "screening" in detail
    assert "implanted_device_other" in detail
    assert sessions == []


def test_a_mixed_plan_screened_for_pulses_is_refused_before_any_session_is_recorded(api: Api) -> None:
    answers = {**OK_ANSWERS, **{q.id: False for q in PULSE_QUESTIONS}}
    status, detail, sessions = _start_with_a_pulse_step(api, answers)
    assert status == 409
    assert "electroporation" in detail
    assert sessions == []
