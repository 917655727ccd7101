"""Consent, patch test and plan pages: each writes through the records or the sessions service.

* consent: the form's text and a signature drawn on the screen (signature_pad), stored by
  :func:`dermaport.records.clinical.add_consent` with the exact text signed;
* patch test: applied (optionally at a time in the past), then read, by
  :func:`~dermaport.records.clinical.add_patch_test` and
  :func:`~dermaport.records.clinical.read_patch_test` (which refuse a reading before 24 h);
* plan: :func:`dermaport.sessions.create_plan` (the latest screening, the limits, the
  prediction) and the stored plan shown with its figures; its start button asks the
  :class:`~dermaport.sessions.SessionService` (every check of :func:`~dermaport.sessions.approve`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from dermaport.errors import InputError, SafetyError
from dermaport.library import load_skin
from dermaport.library.schema import Concern
from dermaport.planning.settings import AREA_SETTINGS, skin_for_area
from dermaport.records import clients, clinical
from dermaport.records.access import Permission
from dermaport.records.schemas import ConsentIn, PatchTestIn, PatchTestReadingIn
from dermaport.sessions import PlanIn, create_plan, get_plan
from dermaport.sessions.plans import patch_test_requirements
from dermaport.web.pages.clients import lots_by_id
from dermaport.web.pages.figures import depth_profile, layer_bars, ph_band
from dermaport.web.pages.render import (
    BriefPageActor,
    DbSession,
    FormData,
    PageActor,
    field_errors,
    page,
    page_router,
    read_transaction,
    redirect,
    write_transaction,
)
from dermaport.web.routes.sessions import service_of

__all__ = ["CONSENT_FORM", "local_time", "plan_figures", "router"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TestId = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: The consent form the page shows and stores with the signature: (form, version, text).
CONSENT_FORM = (
    "iontophoresis",
    "web-1",
    "I consent to needle-free mesotherapy (iontophoresis) of the area agreed today. "
    "The treatment, what it can and cannot do, and its possible side effects (tingling, redness, "
    "rarely a burn or a change of skin colour) have been explained to me, and my questions answered. "
    "My health answers are true and complete, and I will tell the practitioner of any change. "
    "I know I can ask for the current to be stopped at any moment, and can withdraw this consent "
    "at any time.",
)
_PNG_DATA = "data:image/png;base64,"
#: The largest signature picture accepted, bytes of PNG.
SIGNATURE_MAX_BYTES = 400_000


def local_time(text: str, field: str) -> dt.datetime | None:
    """A ``datetime-local`` input (``2026-12-01T14:30``, the clinic's local time) as an aware time."""
    raw = text.strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{field} {raw!r} is not a date and time: e.g. 2026-12-01T14:30") from None
    return value if value.tzinfo is not None else value.astimezone()


def _signature(data_url: str) -> str:
    """The drawn signature as a PNG data URL, checked: a picture, and not too large."""
    if not data_url.startswith(_PNG_DATA):
        raise InputError("no signature: the client signs in the box with a finger or a pen")
    try:
        png = base64.b64decode(data_url[len(_PNG_DATA) :], validate=True)
    except (binascii.Error, ValueError):
        raise InputError("the signature is not a picture: sign in the box again") from None
    if not png.startswith(b"\x89PNG") or len(png) > SIGNATURE_MAX_BYTES:
        raise InputError(f"the signature must be a PNG of at most {SIGNATURE_MAX_BYTES} bytes: sign again")
    return data_url


# -- consent ------------------------------------------------------------------------------------


@router.get("/clients/{client_id}/consent", response_class=HTMLResponse)
def consent_form(request: Request, client_id: ClientId, actor: PageActor, db: DbSession) -> HTMLResponse:
    """The consent text and a box to sign in."""
    actor.require(Permission.CLINICAL_WRITE)
    client = clients.get_client(db, actor, client_id)
    context = {"title": "Consent", "client": client, "form": CONSENT_FORM}
    return page(request, "consent.html", context, actor=actor)


@router.post("/clients/{client_id}/consent", response_model=None)
def consent_save(request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData) -> Response:
    """Store the consent with the text shown and the signature drawn; the client's page."""
    name, version, text = CONSENT_FORM
    try:
        signature = _signature(form.get("signature", ""))
        data = ConsentIn(
            form=name,
            form_version=version,
            text=text,
            signature=signature,
            covers_photos=form.get("covers_photos") == "yes",
        )
        with write_transaction(request) as db:
            clinical.add_consent(db, actor, client_id, data)
    except (InputError, ValidationError) as exc:
        with write_transaction(request) as db:
            client = clients.get_client(db, actor, client_id)
        message = str(exc) if isinstance(exc, InputError) else "; ".join(field_errors(exc).values())
        context = {
            "title": "Consent",
            "client": client,
            "form": CONSENT_FORM,
            "errors": {"signature": message},
        }
        return page(request, "consent.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}#consents")


# -- patch tests ------------------------------------------------------------------------------


def _patch_context(request: Request, actor: Any, client_id: int, **extra: Any) -> dict[str, Any]:
    with read_transaction(request) as db:
        record = clinical.client_record(db, actor, client_id)
        lots = lots_by_id(db, actor)
    return {
        "title": "Patch tests",
        "client": record.client,
        "tests": record.patch_tests,
        "lots": lots,
        "now": dt.datetime.now().strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


@router.get("/clients/{client_id}/patch-tests", response_class=HTMLResponse)
def patch_tests(request: Request, client_id: ClientId, actor: BriefPageActor) -> HTMLResponse:
    """The client's patch tests: record one applied, read a pending one."""
    actor.require(Permission.CLINICAL_WRITE)
    return page(request, "patch_tests.html", _patch_context(request, actor, client_id), actor=actor)


@router.post("/clients/{client_id}/patch-tests", response_model=None)
def patch_test_applied(
    request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData
) -> Response:
    """Record a patch test applied (now, or at the time given, in the past)."""
    try:
        applied_at = local_time(form.get("applied_at", ""), "applied at")
        lot = form.get("lot_id", "").strip()
        data = PatchTestIn(
            site=form.get("site", "").strip(),
            lot_id=int(lot) if lot.isdigit() else None,
            applied_at=applied_at,
            notes=form.get("notes", "").strip(),
        )
        if data.lot_id is None:
            raise InputError(
                "choose the product lot the test is of: the session checks the test by its product"
            )
        with write_transaction(request) as db:
            clinical.add_patch_test(db, actor, client_id, data)
    except ValidationError as exc:
        context = _patch_context(request, actor, client_id, errors=field_errors(exc), values=form)
        return page(request, "patch_tests.html", context, actor=actor, status_code=422)
    except InputError as exc:
        field = "applied_at" if "applied" in str(exc) else "lot_id" if "lot" in str(exc) else "form"
        context = _patch_context(request, actor, client_id, errors={field: str(exc)}, values=form)
        return page(request, "patch_tests.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}/patch-tests")


@router.post("/clients/{client_id}/patch-tests/{test_id}/reading", response_model=None)
def patch_test_read(
    request: Request, client_id: ClientId, test_id: TestId, actor: BriefPageActor, form: FormData
) -> Response:
    """Record the reading of a pending test (the records refuse one before 24 h)."""
    key = f"reading-{test_id}"
    try:
        data = PatchTestReadingIn.model_validate(
            {"result": form.get("result") or None, "notes": form.get("notes", "").strip()}
        )
        with write_transaction(request) as db:
            clinical.read_patch_test(db, actor, client_id, test_id, data)
    except ValidationError:
        errors = {key: "choose the result: negative (no reaction) or positive"}
        context = _patch_context(request, actor, client_id, errors=errors, values=form)
        return page(request, "patch_tests.html", context, actor=actor, status_code=422)
    except InputError as exc:
        context = _patch_context(request, actor, client_id, errors={key: str(exc)}, values=form)
        return page(request, "patch_tests.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}/patch-tests")


# -- plans --------------------------------------------------------------------------------------


def _plan_form_context(request: Request, actor: Any, client_id: int, **extra: Any) -> dict[str, Any]:
    with read_transaction(request) as db:
        client = clients.get_client(db, actor, client_id)
        lots = lots_by_id(db, actor)
    today = dt.date.today()
    return {
        "title": "New plan",
        "client": client,
        "concerns": [c.value for c in Concern],
        "areas": list(AREA_SETTINGS),
        "lots": [lot for lot in lots.values() if lot["expires_on"] >= today],
        **extra,
    }


@router.get("/clients/{client_id}/plans/new", response_class=HTMLResponse)
def plan_form(request: Request, client_id: ClientId, actor: BriefPageActor) -> HTMLResponse:
    """Concern, area, product lot and an optional target."""
    actor.require(Permission.CLINICAL_WRITE)
    return page(request, "plan_form.html", _plan_form_context(request, actor, client_id), actor=actor)


@router.post("/clients/{client_id}/plans/new", response_model=None)
def plan_create(request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData) -> Response:
    """Plan from the latest screening (the engine predicts), store it, show it."""
    service = service_of(request)
    lot_text = form.get("lot_id", "").strip()
    try:
        with write_transaction(request) as db:
            lots = lots_by_id(db, actor)
        lot = lots.get(int(lot_text)) if lot_text.isdigit() else None
        if lot is None:
            raise InputError("choose the product lot to deliver from (products and lots: the products page)")
        data = PlanIn(
            concern=form.get("concern", ""),
            area=form.get("area", ""),
            product=lot["product"],
            target=form.get("target", "").strip() or None,
            modality=form.get("modality") or "iontophoresis",
        )
        stored = create_plan(service.database, actor, client_id, data, predictor=service.predictor)
    except ValidationError as exc:
        context = _plan_form_context(request, actor, client_id, errors=field_errors(exc), values=form)
        return page(request, "plan_form.html", context, actor=actor, status_code=422)
    except (InputError, SafetyError) as exc:
        text = str(exc)
        field = "lot_id" if "lot" in text else "target" if "target" in text else "form"
        context = _plan_form_context(request, actor, client_id, errors={field: text}, values=form)
        status = 409 if isinstance(exc, SafetyError) else 422
        return page(request, "plan_form.html", context, actor=actor, status_code=status)
    return redirect(f"/clients/{client_id}/plans/{stored['id']}?lot={lot['id']}")


def plan_figures(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan's figures: amounts per layer, depth profile with the layer boundaries, vehicle pH."""
    predicted = plan.get("predicted") or {}
    figures: dict[str, Any] = {}
    amounts = predicted.get("delivered_ug_per_cm2")
    if amounts:
        figures["layers"] = layer_bars(amounts)
    profile = predicted.get("profile")
    if profile and profile.get("depth_um"):
        area = str(plan.get("area", "face"))
        site = load_skin().get(skin_for_area(area)) if area in AREA_SETTINGS else None
        boundaries: list[tuple[str, float]] = []
        if site is not None:
            t = site.entry.thickness
            sc = t.stratum_corneum_um.value
            ve = sc + t.viable_epidermis_um.value
            boundaries = [
                ("SC | epidermis", sc),
                ("epidermis | dermis", ve),
                ("dermis | subcutis", ve + t.dermis_um.value),
            ]
        figures["profile"] = depth_profile(
            profile["depth_um"], profile["concentration_ug_per_cm3"], boundaries
        )
    if predicted.get("vehicle_ph_min") is not None:
        figures["ph"] = ph_band(
            predicted["vehicle_ph_start"],
            predicted["vehicle_ph_min"],
            predicted["vehicle_ph_max"],
            predicted["vehicle_ph_end"],
        )
    return figures


def _plan_context(
    request: Request, actor: Any, client_id: int, plan_id: int, lot: int | None
) -> dict[str, Any]:
    with read_transaction(request) as db:
        client = clients.get_client(db, actor, client_id)
        plan = get_plan(db, actor, client_id, plan_id)
        lots = lots_by_id(db, actor)
        # the patch tests on record now (one read since the plan was made clears its line)
        plan["requirements"] = list(patch_test_requirements(db, client_id, plan.get("product") or {}))
    product = plan.get("product", {}).get("name")
    usable = [x for x in lots.values() if x["product"] == product and x["expires_on"] >= dt.date.today()]
    return {
        "title": f"Plan {plan_id}",
        "client": client,
        "plan": plan,
        "figures": plan_figures(plan),
        "lots": usable,
        "chosen_lot": lot,
    }


@router.get("/clients/{client_id}/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    client_id: ClientId,
    plan_id: PlanId,
    actor: BriefPageActor,
    lot: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """The stored plan: steps, polarity and its reason, warnings, predicted delivery, start."""
    actor.require(Permission.CLINICAL_READ)
    return page(request, "plan.html", _plan_context(request, actor, client_id, plan_id, lot), actor=actor)


@router.post("/clients/{client_id}/plans/{plan_id}/start", response_model=None)
def plan_start(
    request: Request, client_id: ClientId, plan_id: PlanId, actor: BriefPageActor, form: FormData
) -> Response:
    """Start the session through the sessions service (every check); its screen, or the reason."""
    lot_text = form.get("lot_id", "")
    try:
        if not lot_text.isdigit():
            raise InputError("choose the lot to deliver from")
        started = service_of(request).start(actor, client_id, plan_id, int(lot_text))
    except (InputError, SafetyError) as exc:
        context = _plan_context(
            request, actor, client_id, plan_id, int(lot_text) if lot_text.isdigit() else None
        )
        context["errors"] = {"start": str(exc)}
        return page(request, "plan.html", context, actor=actor, status_code=409)
    return redirect(f"/clients/{client_id}/sessions/{started.id}")
