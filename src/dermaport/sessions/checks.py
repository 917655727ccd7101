"""Everything checked before any current flows, each refusal naming its reason.

:func:`approve` takes a client, a stored plan and a product lot and checks, in this order:

1. the plan is unaltered: its stored content still matches its digest;
2. the client's latest screening is the one the plan was made from (no newer answers), and the
   screening rules, run again today on the stored answers, allow treatment (never a stored or
   sent verdict);
3. a patch test with this product was read negative at least 24 h after it was applied
   (:func:`patch_test_reason`);
4. a signed consent covers the treatment (:func:`consent_reason`);
5. the lot is of the plan's product and not expired;
6. the plan's steps are within the hard limits for the skin sensitivity the *stored*
   screening gives (not the one the plan document states), within the ceilings the plan
   recorded, and every iontophoresis step delivers from the electrode physics chooses for the
   product (:func:`dermaport.library.assess`) and the plan names.

Any refusal raises :class:`SessionRefusedError`; nothing has reached a device by then.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dermaport.device.documents import OperatorRef, SessionContext
from dermaport.device.session_plan import SessionPlan, plan_from_json, plan_from_steps
from dermaport.errors import DermaportError, SafetyError
from dermaport.library import assess, load_actives, load_skin
from dermaport.planning.settings import skin_for_area
from dermaport.records.access import Actor, Permission
from dermaport.records.bookings import lot_of_clinic
from dermaport.records.clients import client_of_clinic
from dermaport.records.models import Consent, Lot, PatchTest, PlanRecord, Product, Screening
from dermaport.safety.patch_test import PATCH_TEST_HOURS
from dermaport.safety.screening import for_steps
from dermaport.sessions.plans import latest_screening, plan_of_client, rescreen, unaltered

__all__ = [
    "TREATMENT_CONSENT_FORMS",
    "Approval",
    "SessionRefusedError",
    "approve",
    "consent_reason",
    "patch_test_reason",
    "patch_test_requirement",
    "same_product",
]

logger = logging.getLogger(__name__)

#: Consent forms that cover a treatment with current (a photo consent does not).
TREATMENT_CONSENT_FORMS = ("iontophoresis", "mesotherapy", "treatment")


class SessionRefusedError(SafetyError):
    """A session refused before any current; the message is the reason."""


@dataclass(frozen=True)
class Approval:
    """What :func:`approve` found: the plan to deliver and what the start document records."""

    client_id: int
    plan_id: int
    plan_digest: str
    screening_id: int
    lot_id: int
    lot_number: str
    product: str
    session_plan: SessionPlan
    prediction_request: Mapping[str, Any]

    def context(self, actor: Actor) -> SessionContext:
        """What the start document records of the session (the runner copies it in)."""
        return SessionContext(
            client_id=self.client_id,
            plan_id=self.plan_id,
            plan_digest=self.plan_digest,
            prediction_request=dict(self.prediction_request),
            screening_id=self.screening_id,
            lot_id=self.lot_id,
            operator=OperatorRef(user_id=actor.user_id, username=actor.username),
        )

    def metadata(self) -> dict[str, Any]:
        """The start document's other session fields: the lot's number and the product's name."""
        return {"lot_number": self.lot_number, "product": self.product}


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


def _library_name(name: str) -> str | None:
    try:
        return load_actives().get(name).name
    except DermaportError:
        return None


def same_product(row: Product, planned: Mapping[str, Any]) -> bool:
    """True when the clinic's product ``row`` is the plan's product (by name, or by active and strength)."""
    if _fold(row.name) == _fold(str(planned.get("name", ""))):
        return True
    active = _library_name(row.active)
    return (
        active is not None
        and active == _library_name(str(planned.get("active", "")))
        and _fold(row.concentration) == _fold(str(planned.get("concentration", "")))
    )


def patch_test_reason(
    tests: Iterable[tuple[PatchTest, Product | None]], planned: Mapping[str, Any], *, now: dt.datetime
) -> str | None:
    """Why the patch tests on record do not clear this product, or None when one does.

    One clears it when it was with the same product (through its lot), read ``negative``, and
    read at least :data:`~dermaport.safety.patch_test.PATCH_TEST_HOURS` h after it was applied
    (and not in the future). Any positive one with the product refuses it.
    """
    name = planned.get("name", "the product")
    due = dt.timedelta(hours=PATCH_TEST_HOURS)
    same = [t for t, product in tests if product is not None and same_product(product, planned)]
    if any(t.result == "positive" for t in same):
        return f"a patch test with {name} was positive: do not use it"
    read = [t for t in same if t.result == "negative" and t.read_at is not None and t.read_at <= now]
    if any(t.read_at - t.applied_at >= due for t in read if t.read_at is not None):
        return None
    if read:
        hours = max((t.read_at - t.applied_at).total_seconds() / 3600 for t in read if t.read_at is not None)
        return (
            f"the patch test with {name} was read {hours:.3g} h after it was applied, before the "
            f"{PATCH_TEST_HOURS} h it needs: read it again"
        )
    if same:
        return (
            f"the patch test with {name} is not read yet: read it at least {PATCH_TEST_HOURS} h "
            "after applying"
        )
    return (
        f"no patch test with {name} on record: apply one (of a lot of this product) and read it "
        f"{PATCH_TEST_HOURS} h later"
    )


def patch_test_requirement(
    db: Session, client_id: int, planned: Mapping[str, Any], *, now: dt.datetime
) -> str | None:
    """:func:`patch_test_reason` for the client's patch tests on record (each with its lot's product)."""
    tests = db.execute(
        select(PatchTest, Product)
        .outerjoin(Lot, Lot.id == PatchTest.lot_id)
        .outerjoin(Product, Product.id == Lot.product_id)
        .where(PatchTest.client_id == client_id)
    ).all()
    return patch_test_reason([(t, p) for t, p in tests], planned, now=now)


def consent_reason(consents: Iterable[Consent], *, now: dt.datetime) -> str | None:
    """Why no signed consent covers the treatment, or None when one does.

    A consent covers it when its form is one of :data:`TREATMENT_CONSENT_FORMS`, it is signed,
    and it was signed before now.
    """
    for consent in consents:
        if (
            _fold(consent.form) in TREATMENT_CONSENT_FORMS
            and consent.signature.strip()
            and consent.signed_at <= now
        ):
            return None
    return (
        "no signed consent covers this treatment: record one with form "
        f"{' or '.join(repr(f) for f in TREATMENT_CONSENT_FORMS)}"
    )


def _refuse(reason: str) -> SessionRefusedError:
    text = reason if reason.startswith("refused") else f"refused: {reason}"
    return SessionRefusedError(text)


def _screening(db: Session, client_id: int, plan: PlanRecord, today: dt.date) -> Screening:
    newest = latest_screening(db, client_id)
    if newest is None or newest.id != plan.screening_id:
        raise _refuse(
            f"the client has newer screening answers (screening {newest.id if newest else '?'}) than plan "
            f"{plan.id} was made from (screening {plan.screening_id}): plan again"
        )
    try:
        steps = plan.content.get("steps")
        # a plan with a pulse step is held to the high-voltage contraindications too
        result = for_steps(rescreen(newest, today=today), steps if isinstance(steps, list) else [])
    except DermaportError as exc:
        raise _refuse(f"the stored screening {newest.id} cannot be read again ({exc}): screen again") from exc
    if not result.may_treat:
        raise _refuse(f"screening {newest.id} says {result.summary()}")
    if result.answers.get("area") != plan.content.get("area"):
        raise _refuse(
            f"screening {newest.id} is for the {result.answers.get('area')}, plan {plan.id} for the "
            f"{plan.content.get('area')}"
        )
    return newest


def _session_plan(plan: PlanRecord, sensitivity: str) -> SessionPlan:
    content = plan.content
    source = f"plan {plan.id}"
    try:
        session_plan = plan_from_json(content, source=source)  # recorded ceilings, electrode, digest
        plan_from_steps(
            content["steps"], electrode_area_cm2=session_plan.electrode_area_cm2, sensitivity=sensitivity
        )  # the hard limits for the skin the stored screening describes
    except DermaportError as exc:
        raise _refuse(str(exc).split(": re-create it")[0]) from exc
    product = content.get("product") or {}
    try:
        active = load_actives().get(str(product.get("active")))
        skin = load_skin().get(skin_for_area(str(content.get("area"))))
        physics = assess(active, float(product["ph"]), skin_isoelectric_point=skin.isoelectric_point)
    except (DermaportError, KeyError, TypeError, ValueError) as exc:
        raise _refuse(f"{source}: its product cannot be assessed ({exc})") from exc
    if physics.electrode is not None and content.get("electrode") not in (None, physics.electrode):
        raise _refuse(
            f"{source} puts {active.display_name} under the {content.get('electrode')}, but physics puts it "
            f"under the {physics.electrode} ({physics.reason})"
        )
    return session_plan


def approve(
    db: Session, actor: Actor, client_id: int, plan_id: int, lot_id: int, *, now: dt.datetime
) -> Approval:
    """Check everything (see the module text) for a session now; raise SessionRefusedError if refused.

    ``now`` is timezone-aware; the screening and the lot's expiry are judged on its local date.
    """
    actor.require(Permission.CLINICAL_WRITE)
    client = client_of_clinic(db, actor, client_id)
    plan = plan_of_client(db, client.id, plan_id)
    lot = lot_of_clinic(db, actor, lot_id)
    today = now.astimezone().date()
    if not unaltered(plan):
        raise _refuse(
            f"plan {plan.id} was altered after it was stored: its content no longer matches its digest"
        )
    screening = _screening(db, client.id, plan, today)
    planned = plan.content.get("product") or {}
    reason = patch_test_requirement(db, client.id, planned, now=now)
    if reason is not None:
        raise _refuse(reason)
    consents = db.scalars(select(Consent).where(Consent.client_id == client.id)).all()
    reason = consent_reason(consents, now=now)
    if reason is not None:
        raise _refuse(reason)
    product = db.get(Product, lot.product_id)
    assert product is not None
    if not same_product(product, planned):
        raise _refuse(f"lot {lot.lot_number} is of {product.name}, not of the plan's {planned.get('name')}")
    if lot.expires_on < today:
        raise _refuse(f"lot {lot.lot_number} of {product.name} expired on {lot.expires_on.isoformat()}")
    sensitivity = str(screening.answers.get("skin_sensitivity", ""))
    session_plan = _session_plan(plan, sensitivity)
    request = {
        "active": planned.get("active"),
        "concentration": planned.get("concentration"),
        "vehicle_ph": planned.get("ph"),
        "steps": list(plan.content.get("steps", [])),
        "skin": skin_for_area(str(plan.content.get("area"))),
        "electrode": plan.request.get("electrode_material", "inert"),
        "electrode_area_cm2": session_plan.electrode_area_cm2,
    }
    logger.info("session approved: client %s, plan %s, lot %s", client.id, plan.id, lot.id)
    return Approval(
        client_id=client.id,
        plan_id=plan.id,
        plan_digest=plan.digest,
        screening_id=screening.id,
        lot_id=lot.id,
        lot_number=lot.lot_number,
        product=str(planned.get("name", product.name)),
        session_plan=session_plan,
        prediction_request=request,
    )
