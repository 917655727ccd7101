"""The session runner's documents fit the records: a SessionRecorder subscribed to a real run stores it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dermaport.device import FakeClock, Fault, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device.documents import OperatorRef, SessionContext
from dermaport.device.electrical import skin_load
from dermaport.records.access import Actor
from dermaport.records.clients import create_client
from dermaport.records.database import Database
from dermaport.records.documents import SessionRecorder
from dermaport.records.models import SessionDocument, TreatmentSession
from dermaport.records.schemas import ContactIn


@pytest.mark.parametrize("faults", [(), (Fault("contact-loss", 50.0),)], ids=["complete", "failed"])
def test_a_run_is_recorded_document_by_document(
    database: Database, actors: dict[str, Actor], faults: tuple[Fault, ...]
) -> None:
    actor = actors["practitioner"]
    with database.transaction() as db:
        client_id = create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10), clock=clock, faults=faults, watchdog_s=1.0)
    plan = plan_from_steps(["iontophoresis anode 1 mA for 80 s ramp 30 s"], electrode_area_cm2=10)
    recorder = SessionRecorder(database, actor)
    runner = SessionRunner(
        device,
        plan,
        clock=clock,
        period_s=0.25,
        subscribers=[recorder],
        uid=f"run-{len(faults)}",
        context=SessionContext(
            client_id=client_id,
            plan_digest="ab" * 32,
            prediction_request={"active": "sap", "concentration": "3 %"},
            operator=OperatorRef(user_id=actor.user_id, username=actor.username),
        ),
    )
    result = runner.run()
    with database.transaction() as db:
        session = db.scalars(
            select(TreatmentSession).where(TreatmentSession.uid == f"run-{len(faults)}")
        ).one()
        count = db.scalar(select(func.count()).where(SessionDocument.session_id == session.id))
        start = db.scalars(
            select(SessionDocument.body).where(
                SessionDocument.session_id == session.id, SessionDocument.seq == 0
            )
        ).one()
        assert start["schema_version"] == 1
        assert start["plan_digest"] == "ab" * 32
        assert start["operator"] == {"user_id": actor.user_id, "username": actor.username}
        assert start["prediction_request"] == {"active": "sap", "concentration": "3 %"}
        assert [s["polarity"] for s in start["plan"]["segments"]] == ["anode"]
        assert (session.status, session.reason) == (result.status, result.reason)
        assert session.delivered_charge_mA_min == pytest.approx(result.charge_dose_mA_min)
        assert session.device["serial"] == "SIM-0001"
        assert session.limits["charge_dose_mA_min_max"] == 80.0
    assert count == 1 + len(result.timeline) + len(result.events) + 1
    assert result.status == ("failed" if faults else "complete")
