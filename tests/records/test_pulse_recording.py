"""A pulse session's documents (schema version 2) fit the records: the SessionRecorder stores them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dermaport.device import FakeClock, Fault, SessionRunner, plan_from_steps
from dermaport.device.documents import OperatorRef, SessionContext
from dermaport.device.pulse_simulated import SimulatedPulseGenerator
from dermaport.physics.electroporation import BarrierModel
from dermaport.records.access import Actor
from dermaport.records.clients import create_client
from dermaport.records.database import Database
from dermaport.records.documents import SessionRecorder
from dermaport.records.models import SessionDocument, TreatmentSession
from dermaport.records.schemas import ContactIn

STEPS = ["electroporation bipolar 100 V 1 ms x 4 pulses at 0.5 Hz"]


@pytest.mark.parametrize("faults", [(), (Fault("arc", 3.0),)], ids=["complete", "failed"])
def test_a_pulse_run_is_recorded_with_its_pulses(
    database: Database, actors: dict[str, Actor], faults: tuple[Fault, ...]
) -> None:
    actor = actors["practitioner"]
    with database.transaction() as db:
        client_id = create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock, faults=faults)
    uid = f"pulses-{len(faults)}"
    runner = SessionRunner(
        gen,
        plan_from_steps(STEPS, electrode_area_cm2=1.0),
        clock=clock,
        subscribers=[SessionRecorder(database, actor)],
        uid=uid,
        context=SessionContext(
            client_id=client_id, operator=OperatorRef(user_id=actor.user_id, username=actor.username)
        ),
    )
    result = runner.run()
    assert result.recorded
    with database.transaction() as db:
        session = db.scalars(select(TreatmentSession).where(TreatmentSession.uid == uid)).one()
        bodies = db.scalars(
            select(SessionDocument.body)
            .where(SessionDocument.session_id == session.id)
            .order_by(SessionDocument.seq)
        ).all()
        assert (session.status, session.reason) == (result.status, result.reason)
        assert session.device["max_voltage_V"] == 150.0
    start, stop = bodies[0], bodies[-1]
    assert start["schema_version"] == 2
    segment = start["plan"]["segments"][0]
    assert (segment["modality"], segment["polarity"], segment["pulses"], segment["bipolar"]) == (
        "electroporation",
        None,
        4,
        True,
    )
    assert stop["pulses_delivered"] == result.pulse_count == (4 if not faults else 2)
    assert stop["pulse_energy_mJ"] == pytest.approx(result.pulse_energy_mJ)
    assert len(bodies) == 1 + len(result.timeline) + len(result.events) + 1
