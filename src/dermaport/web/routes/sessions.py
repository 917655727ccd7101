"""Plans and treatment sessions: plan for a client, start a session on the server's device, follow it live.

The routes call :mod:`dermaport.sessions`; refusals before any current answer 409 with the
reason. Starting a session and following it live take the signed-in user in a short
transaction of their own, so no request holds the database while a session is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from dermaport.errors import AuthenticationError, SafetyError
from dermaport.records.access import Actor
from dermaport.records.accounts import resolve_token
from dermaport.records.clinical import session_documents
from dermaport.sessions import PlanIn, SessionService, create_plan, get_plan, list_plans
from dermaport.web.deps import (
    CurrentActor,
    DbSession,
    RecordsRouter,
    database_of,
    lower_priority,
    session_token,
)
from dermaport.web.responses import SIGNED_IN, ErrorOut

__all__ = ["router", "service_of"]

router = RecordsRouter(prefix="/api/clients", tags=["sessions"], responses=SIGNED_IN)

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A client's id.")]
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A plan's id.")]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A session's id.")]

REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Refused before any current (the reason names why)"}
}


def service_of(request: Request) -> SessionService:
    """The sessions service the app was created with."""
    service: SessionService = request.app.state.sessions
    return service


def _signed_in_briefly(request: Request, token: Annotated[str | None, Depends(session_token)]) -> Actor:
    """The signed-in actor, resolved outside any unit of work of the route's."""
    lower_priority()
    if not token:
        raise AuthenticationError("not signed in: POST /api/login with your username and password")
    database = database_of(request)
    idle = timedelta(minutes=database.settings.session_idle_minutes)
    return resolve_token(database, token, idle=idle)


BriefActor = Annotated[Actor, Depends(_signed_in_briefly)]


class SessionIn(BaseModel):
    """The stored plan to deliver and the product lot to deliver it from."""

    model_config = ConfigDict(extra="forbid")

    plan_id: int = Field(ge=1, le=2**31 - 1)
    lot_id: int = Field(ge=1, le=2**31 - 1)


class StartedOut(BaseModel):
    """A session that started: its id and status."""

    id: int
    status: str


class ControlOut(BaseModel):
    """What a stop, pause or resume request did: the session's status, and whether the runner was asked."""

    id: int
    status: str
    asked: bool


def _refused(exc: SafetyError) -> HTTPException:
    return HTTPException(status_code=409, detail=str(exc))


@router.post("/{client_id}/plans", status_code=201, responses=REFUSED)
def add_plan(client_id: ClientId, body: PlanIn, request: Request, actor: BriefActor) -> dict[str, Any]:
    """Plan a session from the client's latest screening and store it (``id``, ``digest``, the plan)."""
    service = service_of(request)
    try:
        return create_plan(service.database, actor, client_id, body, predictor=service.predictor)
    except SafetyError as exc:
        raise _refused(exc) from exc


@router.get("/{client_id}/plans")
def get_plans(client_id: ClientId, actor: CurrentActor, db: DbSession) -> list[dict[str, Any]]:
    """The client's stored plans."""
    return list_plans(db, actor, client_id)


@router.get("/{client_id}/plans/{plan_id}")
def get_one_plan(client_id: ClientId, plan_id: PlanId, actor: CurrentActor, db: DbSession) -> dict[str, Any]:
    """One stored plan."""
    return get_plan(db, actor, client_id, plan_id)


@router.post("/{client_id}/sessions", status_code=201, responses=REFUSED)
def start_session(client_id: ClientId, body: SessionIn, request: Request, actor: BriefActor) -> StartedOut:
    """Check everything and start the session on the server's device (409 with the reason if refused)."""
    try:
        started = service_of(request).start(actor, client_id, body.plan_id, body.lot_id)
    except SafetyError as exc:
        raise _refused(exc) from exc
    return StartedOut(id=started.id, status=started.status)


def _control(request: Request, actor: Actor, client_id: int, session_id: int, action: str) -> ControlOut:
    assert action in ("stop", "pause", "resume")
    try:
        status, asked = service_of(request).control(actor, client_id, session_id, action)  # type: ignore[arg-type]
    except SafetyError as exc:
        raise _refused(exc) from exc
    return ControlOut(id=session_id, status=status, asked=asked)


@router.post("/{client_id}/sessions/{session_id}/stop", responses=REFUSED)
def stop_session(
    client_id: ClientId, session_id: SessionId, request: Request, actor: BriefActor
) -> ControlOut:
    """Ask the session to stop (ramp down, output off)."""
    return _control(request, actor, client_id, session_id, "stop")


@router.post("/{client_id}/sessions/{session_id}/pause", responses=REFUSED)
def pause_session(
    client_id: ClientId, session_id: SessionId, request: Request, actor: BriefActor
) -> ControlOut:
    """Ask the session to pause (ramp down, hold with the output off)."""
    return _control(request, actor, client_id, session_id, "pause")


@router.post("/{client_id}/sessions/{session_id}/resume", responses=REFUSED)
def resume_session(
    client_id: ClientId, session_id: SessionId, request: Request, actor: BriefActor
) -> ControlOut:
    """Ask a paused session to resume (a new contact check, then ramp up)."""
    return _control(request, actor, client_id, session_id, "resume")


def _event(name: str, document: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(document, separators=(',', ':'), default=str)}\n\n"


@router.get(
    "/{client_id}/sessions/{session_id}/live",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Readings and events as they come"}
    },
)
async def live_session(
    client_id: ClientId, session_id: SessionId, request: Request, actor: BriefActor
) -> StreamingResponse:
    """The session's documents as server-sent events (``start``, ``reading``, ``event``, ``stop``).

    A session this server runs streams as the runner emits; any other is replayed from the
    records, and the stream ends after its last document.
    """
    service = service_of(request)
    await run_in_threadpool(service.check_session_exists, actor, client_id, session_id)
    live = service.running(session_id)

    def stream() -> Iterator[str]:
        if live is not None:
            for item in live.feed.follow():
                yield ": keep-alive\n\n" if item is None else _event(*item)
            return
        with service.database.transaction() as db:
            stored = session_documents(db, actor, client_id, session_id)
        for document in stored:
            yield _event(document.name, document.body)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
