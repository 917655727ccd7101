"""``dermaport serve --demo``: a records database ready to try, with an owner and sample data.

:func:`prepare` migrates the database (the SQLite file in the data directory unless a URL is
given), makes the ``owner`` account on first run (its one-time password generated, or read from
standard input) and, for the demo, adds sample clients, products and lots, and past sessions.
Every sample record goes through the records functions and the sessions service, with the
same checks as a person's: screened, consented, patch-tested (applied three days ago, read
the next day), planned by the engine, run on the simulated device (on a fake clock, so the
past sessions take seconds to make) and recorded.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import secrets
from dataclasses import dataclass

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from dermaport.config import Settings
from dermaport.records import bookings, clients, clinical
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user, check_password
from dermaport.records.database import Database, open_database
from dermaport.records.migrate import upgrade
from dermaport.records.models import Client, User, utcnow
from dermaport.records.schemas import (
    ConsentIn,
    ContactIn,
    LotIn,
    OutcomeIn,
    PatchTestIn,
    ProductIn,
    ScreeningIn,
)
from dermaport.sessions import PlanIn, SessionService, SimulatedDevices, create_plan
from dermaport.web.pages.treatment import CONSENT_FORM

__all__ = ["OWNER", "Prepared", "prepare", "seed_demo"]

logger = logging.getLogger(__name__)

#: The first account's username.
OWNER = "owner"

#: Sample clients: (given name, family name, date of birth, phone, e-mail).
_CLIENTS = (
    ("Ana", "Silva", "1984-03-12", "+351 21 000 0101", "ana.silva@example.com"),
    ("Jonas", "Berg", "1979-11-02", "+46 8 000 0102", "jonas.berg@example.com"),
    ("Mei", "Tanaka", "1991-06-25", "+81 3 0000 0103", "mei.tanaka@example.com"),
    ("Olu", "Adeyemi", "1988-01-30", "+234 1 000 0104", "olu.adeyemi@example.com"),
    ("Clara", "Müller", "1975-09-14", "+49 30 000 0105", "clara.mueller@example.com"),
    ("Sofía", "García", "1995-04-08", "+34 91 000 0106", "sofia.garcia@example.com"),
)
#: Sample products (catalogue names of dermaport.planning.products) and a lot of each.
_PRODUCTS = (
    ("sap-ampoule", "sodium ascorbyl phosphate", "3 %", "SAP-2611"),
    ("niacinamide-ampoule", "niacinamide", "4 %", "NIA-2610"),
)
#: Answers that screen ok (the demo clients' consultations).
_OK_ANSWERS: dict[str, object] = {
    "area": "face", "skin_sensitivity": "normal", "pacemaker": False, "metal_implants": "none",
    "excessive_dental_fillings": False, "epilepsy": False, "heart_disease": False, "pregnant": False,
    "breastfeeding": False, "cancer_treatment": False, "diabetes_insulin": False,
    "coagulation_disorder": False, "paralysis_history": False, "reduced_sensation": False,
    "allergy_to_ingredients": False, "urticaria": False, "skin_condition_flare": False,
    "skin_infection": False, "eye_infection": False, "broken_skin": False, "steroids": False,
    "blood_thinners": "none", "isotretinoin_last_dose": "never", "retinoid_or_vitamin_c_last_use": "never",
    "last_chemical_peel": "never", "last_laser": "never", "last_microneedling": "never",
    "last_microdermabrasion": "never", "recent_scar": "never", "jewellery_removed": True,
    "other_conditions": "none", "written_clearance": False,
}  # fmt: skip


@dataclass(frozen=True)
class Prepared:
    """The database made ready, and the owner's one-time password if it was made now (else None)."""

    database: Database
    owner_password: str | None
    seeded: bool


def _signature_png() -> str:
    """A drawn squiggle as a PNG data URL (the sample consents' signature)."""
    picture = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    ImageDraw.Draw(picture).line(
        [(12, 90), (60, 30), (95, 85), (140, 35), (190, 80), (250, 40), (340, 70)],
        fill=(31, 41, 51, 255),
        width=4,
    )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _ensure_owner(database: Database, password: str | None) -> str | None:
    """Make the owner account unless there is one; its password (generated when none given)."""
    with database.transaction() as db:
        if db.scalar(select(func.count()).select_from(User).where(User.username == OWNER)):
            return None
        chosen = password or secrets.token_urlsafe(12)
        check_password(chosen)
        add_user(db, "dermaport serve", username=OWNER, role="owner", password=chosen)
    return chosen


def seed_demo(database: Database, *, sessions: int = 2) -> bool:
    """Add the sample data unless the clinic has clients already; True when added."""
    with database.transaction() as db:
        if db.scalar(select(func.count()).select_from(Client)):
            return False
        owner = db.scalars(select(User).where(User.username == OWNER)).one()
        actor = Actor(username=OWNER, role="owner", clinic_id=owner.clinic_id, user_id=owner.id)
        lots: dict[str, int] = {}
        for name, active, concentration, lot_number in _PRODUCTS:
            product = bookings.add_product(
                db, actor, ProductIn(name=name, active=active, concentration=concentration)
            )
            expires = dt.date.today() + dt.timedelta(days=400)
            lots[name] = bookings.add_lot(
                db, actor, product.id, LotIn(lot_number=lot_number, expires_on=expires)
            ).id
        ids = []
        for given, family, born, phone, email in _CLIENTS:
            contact = ContactIn(
                given_name=given,
                family_name=family,
                date_of_birth=dt.date.fromisoformat(born),
                phone=phone,
                email=email,
            )
            ids.append(clients.create_client(db, actor, contact).id)
        signature = _signature_png()
        now = utcnow()
        for client_id in ids[:sessions]:
            clinical.add_screening(db, actor, client_id, ScreeningIn(answers=_OK_ANSWERS))
            name, version, text = CONSENT_FORM
            clinical.add_consent(
                db,
                actor,
                client_id,
                ConsentIn(form=name, form_version=version, text=text, signature=signature),
            )
            clinical.add_patch_test(
                db,
                actor,
                client_id,
                PatchTestIn(
                    site="behind the ear",
                    lot_id=lots["sap-ampoule"],
                    applied_at=now - dt.timedelta(days=3),
                    result="negative",
                    read_at=now - dt.timedelta(days=2),
                ),
            )
        # one client only consulted so far: the next step is theirs
        clinical.add_screening(db, actor, ids[sessions], ScreeningIn(answers=_OK_ANSWERS))
    service = SessionService(database, devices=SimulatedDevices(speed=None, watchdog_s=0.9), period_s=0.4)
    try:
        for client_id in ids[:sessions]:
            plan = create_plan(
                database,
                actor,
                client_id,
                PlanIn(concern="pigmentation", area="face", product="sap-ampoule"),
                predictor=service.predictor,
            )
            session_id, result = service.run(actor, client_id, plan["id"], lots["sap-ampoule"])
            with database.transaction() as db:
                clinical.set_outcome(
                    db,
                    actor,
                    client_id,
                    session_id,
                    OutcomeIn(outcome="Mild redness for 20 minutes; no discomfort."),
                )
            logger.info("demo session %s: %s", session_id, result.status)
    finally:
        service.close()
    return True


def prepare(
    settings: Settings, database_url: str | None, *, demo: bool, owner_password: str | None
) -> Prepared:
    """Migrate the database, make the owner on first run and, for the demo, the sample data."""
    database = open_database(settings, database_url, check_revision=False)
    try:
        upgrade(database.engine)
        password = _ensure_owner(database, owner_password)
        seeded = seed_demo(database) if demo else False
    except BaseException:
        database.dispose()
        raise
    database.dispose()
    return Prepared(open_database(settings, database_url), password, seeded)
