"""The session screen: live readings from the sessions service's feed, stop, pause, resume, confirm.

The page's script follows the API's live stream (``GET /api/clients/ID/sessions/SID/live``:
the same :class:`~dermaport.sessions.live.LiveFeed` the runner writes to) and sends the
controls to ``POST /clients/ID/sessions/SID/control``, which asks
:meth:`~dermaport.sessions.SessionService.control` (audited) — as a form post without the
script. A fault is shown in words with what to do next (:func:`advice_for`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from dermaport.errors import SafetyError
from dermaport.records import clients, clinical
from dermaport.records.access import Permission
from dermaport.web.pages.render import (
    BriefPageActor,
    FormData,
    page,
    page_router,
    read_transaction,
    redirect,
)
from dermaport.web.routes.sessions import service_of

__all__ = ["FAULT_ADVICE", "advice_for", "router"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: What to do after a fault, by a word its reason contains (the first that matches).
FAULT_ADVICE: tuple[tuple[str, str], ...] = (
    (
        "contact lost",
        "The electrode left the skin. Check the pad and its gel, press it back in place, "
        "and start a new session from the plan if the client agrees.",
    ),
    (
        "contact too poor",
        "The contact is poor: wet the pad, check the return electrode is held firmly, then start again.",
    ),
    (
        "impedance rose",
        "The skin's resistance rose: the pad may be drying or lifting. Re-wet it and check "
        "its edges before starting again.",
    ),
    (
        "shorted",
        "The electrodes touch each other or the gel bridges them: separate them and dry the skin "
        "between them.",
    ),
    (
        "compliance",
        "The device cannot drive the current: check the pads and the cables, then the device's "
        "supply; do not raise the current.",
    ),
    ("regulation", "The device does not hold the current: stop using it and have it checked."),
    (
        "watchdog",
        "The device lost contact with this computer and switched off. Check the cable, then start again.",
    ),
    ("communication", "The device stopped answering and its output is off. Check the cable and power."),
    ("reset", "The device restarted. Its output is off; start a new session from the plan."),
    ("dose", "The step delivered its planned dose: nothing more is given. Record the outcome."),
    ("stopped by", "Stopped by the practitioner. Record the outcome and any reaction."),
)
_GENERAL_ADVICE = (
    "The output is off. Look at the skin, record what happened, and start again only once the cause is clear."
)


def advice_for(reason: str) -> str:
    """What to do next after a session ended with ``reason``."""
    lowered = reason.lower()
    return next((advice for word, advice in FAULT_ADVICE if word in lowered), _GENERAL_ADVICE)


def planned_pulses(session_plan: dict[str, Any]) -> int:
    """The pulses a session's plan fires over its electroporation steps (0 for a galvanic plan)."""
    segments = session_plan.get("segments", [])
    return sum(int(s.get("pulses") or 0) for s in segments if s.get("modality") == "electroporation")


@router.get("/clients/{client_id}/sessions/{session_id}", response_class=HTMLResponse)
def session_screen(
    request: Request, client_id: ClientId, session_id: SessionId, actor: BriefPageActor
) -> HTMLResponse:
    """The live session: readings, step and polarity, hold, controls, fault in words."""
    actor.require(Permission.CLINICAL_READ)
    with read_transaction(request) as db:
        client = clients.get_client(db, actor, client_id)
        session = clinical.get_session(db, actor, client_id, session_id)
    plan = session.plan
    context: dict[str, Any] = {
        "title": f"Session {session_id}",
        "client": client,
        "session": session,
        "steps": plan.get("segments") or plan.get("steps") or [],
        "planned": session.planned_dose_mA_min,
        "planned_pulses": planned_pulses(plan),
        "live_url": f"/api/clients/{client_id}/sessions/{session_id}/live",
        "control_url": f"/clients/{client_id}/sessions/{session_id}/control",
        "advice": json.dumps([[w, a] for w, a in FAULT_ADVICE] + [["", _GENERAL_ADVICE]]),
        "ended_advice": advice_for(session.reason) if session.status not in ("running", "paused") else "",
        "can_control": actor.may(Permission.CLINICAL_WRITE),
    }
    return page(request, "session.html", context, actor=actor)


@router.post("/clients/{client_id}/sessions/{session_id}/control", response_model=None)
def session_control(
    request: Request, client_id: ClientId, session_id: SessionId, actor: BriefPageActor, form: FormData
) -> Response:
    """Stop, pause, resume or confirm the hold (JSON for the script, else back to the screen)."""
    action = form.get("action", "")
    wants_json = "application/json" in request.headers.get("accept", "")
    if action not in ("stop", "pause", "resume", "confirm"):
        detail = f"unknown action {action!r}: stop, pause, resume or confirm"
        return JSONResponse({"detail": detail}, status_code=422)
    try:
        status, asked = service_of(request).control(actor, client_id, session_id, action)  # type: ignore[arg-type]
    except SafetyError as exc:
        if wants_json:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        raise
    if wants_json:
        return JSONResponse({"id": session_id, "status": status, "asked": asked, "action": action})
    return redirect(f"/clients/{client_id}/sessions/{session_id}")
