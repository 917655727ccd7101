"""Plans as records: made for a client from their latest stored screening, stored immutable.

:func:`create_plan` screens the client's newest stored answers again with the rules (today),
plans with :func:`dermaport.planning.plan.make_plan` and stores the plan document
(:func:`dermaport.planning.digest.plan_document`: every key of ``dermaport plan --json``,
the screening it came from, the digest). The planning (which may run the transport engine
for seconds) happens outside any database transaction, so it never holds the records' write
lock while a session is being recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from dermaport.errors import RecordNotFoundError, SafetyError
from dermaport.planning.digest import plan_digest, plan_document
from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.predictor import Predictor
from dermaport.planning.products import choose_product
from dermaport.planning.target import parse_target
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.clients import client_of_clinic, client_row
from dermaport.records.database import Database
from dermaport.records.models import PlanRecord, Screening
from dermaport.records.reads import PreparedRead, table_of
from dermaport.safety.screening import ScreeningResult, screen

__all__ = [
    "PlanIn",
    "choose_product",
    "create_plan",
    "get_plan",
    "latest_screening",
    "list_plans",
    "patch_test_requirements",
    "plan_of_client",
    "plan_out",
    "rescreen",
]

logger = logging.getLogger(__name__)

_Word = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
_Train = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


class PlanIn(BaseModel):
    """What to plan: the concern, the area, and a catalogue product (or an active at a concentration)."""

    model_config = ConfigDict(extra="forbid")

    concern: _Word
    area: _Word
    product: _Word | None = None
    active: _Word | None = None
    concentration: _Word | None = None
    ph: _Word | None = None
    target: _Word | None = None
    electrode_material: _Word = "inert"
    #: ``iontophoresis`` (current) or ``electroporation`` (a pulse train within the hard limits).
    modality: _Word = "iontophoresis"
    #: A pulse train asked for (e.g. ``electroporation 80 V 1 ms pulses at 0.5 Hz for 3 min``):
    #: lowered or refused by the hard limits; implies ``modality`` electroporation.
    pulses: _Train | None = None

    @model_validator(mode="after")
    def _one_product(self) -> PlanIn:
        if self.product is not None and (self.active is not None or self.concentration is not None):
            raise ValueError('give "product", or "active" and "concentration", not both')
        if self.product is None and (self.active is None or self.concentration is None):
            raise ValueError(
                'give "product" (e.g. "sap-ampoule"), or "active" and "concentration" '
                '(e.g. "active": "SAP", "concentration": "3 %")'
            )
        if self.target is not None and self.pulses is not None:
            raise ValueError('give "target" or "pulses", not both: the target search chooses the pulses')
        return self


def latest_screening(db: Session, client_id: int) -> Screening | None:
    """The client's newest stored screening."""
    return db.scalars(
        select(Screening)
        .where(Screening.client_id == client_id)
        .order_by(Screening.screened_at.desc(), Screening.id.desc())
        .limit(1)
    ).first()


def rescreen(row: Screening, *, today: dt.date) -> ScreeningResult:
    """The stored answers through the screening rules again, for ``today`` (never the stored verdict)."""
    return screen(row.answers, today=today)


def plan_out(row: PlanRecord | Row[*tuple[Any, ...]]) -> dict[str, Any]:
    """A stored plan as the API answers it: its document with ``id``, ``digest``, ``client_id``."""
    return {**row.content, "id": row.id, "digest": row.digest, "client_id": row.client_id}


def create_plan(
    database: Database,
    actor: Actor,
    client_id: int,
    data: PlanIn,
    *,
    predictor: Predictor,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Plan for the client from their latest screening and store it; returns the stored plan.

    Raises SafetyError (the reason) when the screening or a limit refuses it, RecordNotFoundError
    for another clinic's client, InputError for bad names.
    """
    actor.require(Permission.CLINICAL_WRITE)
    day = today or dt.datetime.now().date()
    with database.transaction() as db:
        client = client_of_clinic(db, actor, client_id)
        row = latest_screening(db, client.id)
        if row is None:
            raise SafetyError(
                f"refused: client {client_id} has no screening on record: "
                f"POST /api/clients/{client_id}/screenings first"
            )
        screening_id, answers = row.id, dict(row.answers)
    result = screen(answers, today=day)
    product = choose_product(
        data.product, data.active, data.concentration, data.ph, default_ph=database.settings.default_ph
    )
    plan: Plan = make_plan(
        result,
        concern=data.concern,
        area=data.area,
        product=product,
        predictor=predictor,
        target=parse_target(data.target) if data.target is not None else None,
        electrode_material=data.electrode_material,
        modality="electroporation" if data.pulses is not None else data.modality,
        pulses=data.pulses,
    )
    with database.transaction() as db:
        client_of_clinic(db, actor, client_id)
        newest = latest_screening(db, client_id)
        if newest is None or newest.id != screening_id:
            raise SafetyError(f"refused: client {client_id} was screened again while planning: plan again")
        plan = replace(plan, requirements=patch_test_requirements(db, client_id, plan.product.to_json()))
        document = plan_document(plan, result, screening_id=screening_id)
        record = PlanRecord(
            client_id=client_id,
            screening_id=screening_id,
            request=data.model_dump(),
            content=document,
            digest=document["digest"],
            created_by=actor.user_id,
        )
        db.add(record)
        db.flush()
        audit.append(
            db,
            actor=actor.username,
            action="create",
            entity="plan",
            entity_id=record.id,
            client_id=client_id,
            detail={"digest": record.digest},
        )
        logger.info("plan %s stored for client %s", record.id, client_id)
        return plan_out(record)


def patch_test_requirements(db: Session, client_id: int, product: Mapping[str, Any]) -> tuple[str, ...]:
    """What the client's patch tests on record still need before a session with ``product`` (none: ``()``).

    The same check as a session's start (:func:`~dermaport.sessions.checks.patch_test_requirement`),
    so a plan lists a patch test only when the start would refuse for it.
    """
    from dermaport.sessions.checks import patch_test_requirement  # checks imports this module

    reason = patch_test_requirement(db, client_id, product, now=dt.datetime.now(dt.UTC))
    return () if reason is None else (reason,)


def plan_of_client(db: Session, client_id: int, plan_id: int) -> PlanRecord:
    """The stored plan ``plan_id`` of client ``client_id`` (RecordNotFoundError otherwise)."""
    row = db.get(PlanRecord, plan_id)
    if row is None or row.client_id != client_id:
        raise RecordNotFoundError(
            f"plan {plan_id} of client {client_id} not found: list them with "
            f"GET /api/clients/{client_id}/plans"
        )
    return row


def get_plan(db: Session, actor: Actor, client_id: int, plan_id: int) -> dict[str, Any]:
    """One stored plan of a client (audited as a read)."""
    actor.require(Permission.CLINICAL_READ)
    client = client_of_clinic(db, actor, client_id)
    row = plan_of_client(db, client.id, plan_id)
    audit.append(
        db, actor=actor.username, action="read", entity="plan", entity_id=row.id, client_id=client.id
    )
    return plan_out(row)


#: A client's plans, oldest first: the columns :func:`plan_out` reads, no ORM instances.
_PLANS = table_of(PlanRecord)
# of the table's columns: a Core statement, executed without the ORM's per-execution compile state
_CLIENT_PLANS = PreparedRead(
    select(_PLANS.c.id, _PLANS.c.client_id, _PLANS.c.content, _PLANS.c.digest)
    .where(_PLANS.c.client_id == bindparam("client_id"))
    .order_by(_PLANS.c.id)
)


def list_plans(db: Session, actor: Actor, client_id: int) -> list[dict[str, Any]]:
    """A client's stored plans, oldest first (audited as one read)."""
    actor.require(Permission.CLINICAL_READ)
    client = client_row(db, actor, client_id)
    rows = _CLIENT_PLANS.all(db, {"client_id": client.id})
    audit.append(db, actor=actor.username, action="read", entity="plan", client_id=client.id)
    return [plan_out(r) for r in rows]


def unaltered(row: PlanRecord) -> bool:
    """True when the stored plan still matches its digest (and the digest its document records)."""
    return row.content.get("digest") == row.digest and plan_digest(row.content) == row.digest
