"""Every API route, who may call it, and a valid request for it (used by the authorization walk)."""

from __future__ import annotations

import base64
import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PIL import Image

from dermaport.planning.standin import StandInPredictor
from dermaport.records.accounts import add_user
from dermaport.records.bookings import add_appointment, add_lot, add_product
from dermaport.records.clients import create_client
from dermaport.records.clinical import add_consent, add_patch_test, add_screening
from dermaport.records.models import TreatmentSession, utcnow
from dermaport.records.photos import store_photo
from dermaport.records.schemas import (
    AppointmentIn,
    ConsentIn,
    ContactIn,
    LotIn,
    PatchTestIn,
    PhotoIn,
    ProductIn,
    ScreeningIn,
)
from dermaport.sessions import PlanIn, create_plan
from tests.safety.helpers import OK_ANSWERS
from tests.web.conftest import Api

ALL = frozenset({"owner", "practitioner", "reception"})
CLINICAL = frozenset({"owner", "practitioner"})
OWNER = frozenset({"owner"})

#: Routes that answer without a session.
PUBLIC = {("GET", "/health"), ("POST", "/api/login")}

#: Who may call each route; everyone else gets 403 (and without a session, 401).
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/logout"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/clients"): ALL,
    ("POST", "/api/clients"): ALL,
    ("GET", "/api/clients/{client_id}"): ALL,
    ("PATCH", "/api/clients/{client_id}"): ALL,
    ("GET", "/api/clients/{client_id}/appointments"): ALL,
    ("POST", "/api/clients/{client_id}/appointments"): ALL,
    ("POST", "/api/clients/{client_id}/courses"): ALL,
    ("PUT", "/api/clients/{client_id}/appointments/{appointment_id}/status"): ALL,
    ("GET", "/api/products"): ALL,
    ("GET", "/api/products/{product_id}/lots"): ALL,
    ("POST", "/api/products"): CLINICAL,
    ("POST", "/api/products/{product_id}/lots"): CLINICAL,
    ("GET", "/api/clients/{client_id}/record"): CLINICAL,
    ("GET", "/api/clients/{client_id}/sessions/{session_id}"): CLINICAL,
    ("GET", "/api/clients/{client_id}/sessions/{session_id}/documents"): CLINICAL,
    ("PUT", "/api/clients/{client_id}/sessions/{session_id}/outcome"): CLINICAL,
    ("POST", "/api/clients/{client_id}/screenings"): CLINICAL,
    ("POST", "/api/clients/{client_id}/consents"): CLINICAL,
    ("POST", "/api/clients/{client_id}/patch-tests"): CLINICAL,
    ("POST", "/api/clients/{client_id}/notes"): CLINICAL,
    ("POST", "/api/clients/{client_id}/adverse-events"): CLINICAL,
    ("POST", "/api/clients/{client_id}/photos"): CLINICAL,
    ("GET", "/api/clients/{client_id}/photos/{photo_id}"): CLINICAL,
    ("GET", "/api/clients/{client_id}/export"): OWNER,
    ("POST", "/api/clients/{client_id}/erase"): OWNER,
    ("GET", "/api/users"): OWNER,
    ("POST", "/api/users"): OWNER,
    ("GET", "/api/audit/verify"): OWNER,
    ("PATCH", "/api/users/{user_id}"): OWNER,
    ("PUT", "/api/users/{user_id}/password"): OWNER,
    ("PUT", "/api/clients/{client_id}/patch-tests/{patch_test_id}/reading"): CLINICAL,
    ("POST", "/api/clients/{client_id}/plans"): CLINICAL,
    ("GET", "/api/clients/{client_id}/plans"): CLINICAL,
    ("GET", "/api/clients/{client_id}/plans/{plan_id}"): CLINICAL,
    ("POST", "/api/clients/{client_id}/sessions"): CLINICAL,
    ("GET", "/api/clients/{client_id}/sessions/{session_id}/live"): CLINICAL,
    ("POST", "/api/clients/{client_id}/sessions/{session_id}/stop"): CLINICAL,
    ("POST", "/api/clients/{client_id}/sessions/{session_id}/pause"): CLINICAL,
    ("POST", "/api/clients/{client_id}/sessions/{session_id}/resume"): CLINICAL,
}


def tiny_jpeg() -> str:
    """A 4×4 JPEG as base64."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 150, 120)).save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


@dataclass
class Fixtures:
    """Ids of records the walk's requests refer to."""

    client_id: int
    session_id: int
    consent_id: int
    photo_id: int
    product_id: int
    appointment_id: int
    plan_id: int


def make_fixtures(api: Api) -> Fixtures:
    """A client with a session, a consent covering photos, a photo; a product."""
    owner = api.actors["owner"]
    with api.database.transaction() as db:
        client = create_client(
            db, owner, ContactIn(given_name="Ana", family_name="Silva", phone="+351 900 000 000")
        )
        consent = add_consent(
            db,
            owner,
            client.id,
            ConsentIn(
                form="photos", form_version="1", text="I agree", signature="Ana Silva", covers_photos=True
            ),
        )
        photo = store_photo(
            db,
            owner,
            client.id,
            PhotoIn(consent_id=consent.id, kind="before", image_base64=tiny_jpeg()),
            photo_dir=api.database.photo_dir,
        )
        session = TreatmentSession(
            uid=secrets.token_hex(8),
            client_id=client.id,
            device_serial="SIM-1",
            plan={},
            device={},
            limits={},
            status="complete",
        )
        db.add(session)
        db.flush()
        product = add_product(db, owner, ProductIn(name="C serum", active="sodium ascorbyl phosphate"))
        appointment = add_appointment(
            db, owner, client.id, AppointmentIn(starts_at=utcnow() + timedelta(days=1), duration_min=30)
        )
        add_screening(db, owner, client.id, ScreeningIn(answers=dict(OK_ANSWERS)))
    plan = create_plan(
        api.database,
        owner,
        client.id,
        PlanIn(concern="hydration", area="face", product="sap-ampoule"),
        predictor=StandInPredictor(),
    )
    return Fixtures(client.id, session.id, consent.id, photo.id, product.id, appointment.id, plan["id"])


def _ready_for_a_session(api: Api) -> tuple[int, dict[str, Any]]:
    """A fresh client with everything a session needs; the session request's body."""
    owner = api.actors["owner"]
    with api.database.transaction() as db:
        client = create_client(db, owner, ContactIn(given_name="Cy", family_name="Ng")).id
        add_screening(db, owner, client, ScreeningIn(answers=dict(OK_ANSWERS)))
        add_consent(
            db,
            owner,
            client,
            ConsentIn(form="iontophoresis", form_version="1", text="I consent", signature="Cy Ng"),
        )
        product = add_product(
            db, owner, ProductIn(name="sap-ampoule", active="sodium ascorbyl phosphate", concentration="3 %")
        )
        lot = add_lot(
            db, owner, product.id, LotIn(lot_number=secrets.token_hex(4), expires_on=date(2030, 1, 1))
        )
        add_patch_test(
            db,
            owner,
            client,
            PatchTestIn(
                site="neck",
                lot_id=lot.id,
                result="negative",
                applied_at=utcnow() - timedelta(hours=30),
                read_at=utcnow() - timedelta(hours=2),
            ),
        )
    plan = create_plan(
        api.database,
        owner,
        client,
        PlanIn(concern="hydration", area="face", product="sap-ampoule"),
        predictor=StandInPredictor(),
    )
    return client, {"plan_id": plan["id"], "lot_id": lot.id}


def _fresh_client(api: Api) -> int:
    with api.database.transaction() as db:
        return create_client(db, api.actors["owner"], ContactIn(given_name="Erin", family_name="Doe")).id


def _pending_patch_test(api: Api, client_id: int) -> int:
    """A patch test applied 25 h ago, waiting for its reading."""
    with api.database.transaction() as db:
        test = add_patch_test(
            db,
            api.actors["owner"],
            client_id,
            PatchTestIn(site="inner forearm", applied_at=utcnow() - timedelta(hours=25)),
        )
        return test.id


def _spare_user(api: Api) -> int:
    with api.database.transaction() as db:
        return add_user(
            db, api.actors["owner"], username=f"u{secrets.token_hex(4)}", role="reception", password="x" * 12
        ).id


def request_for(
    api: Api, fixtures: Fixtures, method: str, template: str
) -> tuple[str, dict[str, Any] | None]:
    """A concrete URL and JSON body for one route."""
    client_id = _fresh_client(api) if template.endswith("/erase") else fixtures.client_id
    session_body: dict[str, Any] = {}
    if method == "POST" and template == "/api/clients/{client_id}/sessions":
        client_id, session_body = _ready_for_a_session(api)
    url = template.format(
        patch_test_id=_pending_patch_test(api, client_id) if "{patch_test_id}" in template else 0,
        user_id=_spare_user(api) if "{user_id}" in template else 0,
        client_id=client_id,
        plan_id=fixtures.plan_id,
        session_id=fixtures.session_id,
        photo_id=fixtures.photo_id,
        product_id=fixtures.product_id,
        appointment_id=fixtures.appointment_id,
    )
    unique = secrets.token_hex(4)
    bodies: dict[str, dict[str, Any]] = {
        "/api/clients": {"given_name": "Bo", "family_name": "Li"},
        "/api/clients/{client_id}": {"phone": "+44 20 0000 0000"},
        "/api/clients/{client_id}/screenings": {"answers": {"pregnant": False, "pacemaker": False}},
        "/api/clients/{client_id}/consents": {
            "form": "iontophoresis",
            "form_version": "3",
            "text": "I consent to iontophoresis.",
            "signature": "Ana Silva",
        },
        "/api/clients/{client_id}/patch-tests": {"site": "inner forearm"},
        "/api/clients/{client_id}/notes": {"text": "Mild erythema, settled in 10 min."},
        "/api/clients/{client_id}/adverse-events": {
            "kind": "side_effect",
            "severity": "mild",
            "description": "erythema",
        },
        "/api/clients/{client_id}/appointments": {
            "starts_at": "2027-01-05T10:00:00+01:00",
            "duration_min": 45,
        },
        "/api/clients/{client_id}/courses": {"name": "Brightening, 6 sessions", "sessions_planned": 6},
        "/api/clients/{client_id}/appointments/{appointment_id}/status": {"status": "attended"},
        "/api/clients/{client_id}/sessions/{session_id}/outcome": {
            "outcome": "Even tone; no erythema at 24 h."
        },
        "/api/clients/{client_id}/photos": {
            "consent_id": fixtures.consent_id,
            "kind": "after",
            "image_base64": tiny_jpeg(),
        },
        "/api/products": {"name": "TXA serum", "active": "tranexamic acid", "concentration": "3 %"},
        "/api/products/{product_id}/lots": {"lot_number": f"L{unique}", "expires_on": "2027-06-30"},
        "/api/users": {"username": f"u{unique}", "role": "reception", "password": "a long enough password"},
        "/api/users/{user_id}": {"active": False},
        "/api/users/{user_id}/password": {"password": "another long password"},
        "/api/clients/{client_id}/patch-tests/{patch_test_id}/reading": {"result": "negative"},
        "/api/clients/{client_id}/plans": {"concern": "hydration", "area": "face", "product": "sap-ampoule"},
        "/api/clients/{client_id}/sessions": session_body,
    }
    body = bodies.get(template) if method in ("POST", "PATCH", "PUT") else None
    return url, body
