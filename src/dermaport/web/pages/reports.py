"""The session report (page and PDF), the client's aftercare sheet, and the course calendar (.ics)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from dermaport.errors import InputError
from dermaport.planning.calendar import course_calendar
from dermaport.planning.care import care_sheet
from dermaport.planning.course import PROGRAMMES, earliest_start, parse_start, plan_course
from dermaport.records import clients
from dermaport.records.access import Permission
from dermaport.web.pages.render import PAGE_HEADERS, DbSession, PageActor, page, page_router
from dermaport.web.pages.session_report import render_report_html, report_context, report_pdf

__all__ = ["router"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Programme = Annotated[str, Query(max_length=20, pattern=r"^[a-z]+$")]
Start = Annotated[str | None, Query(max_length=30, pattern=r"^[0-9T:\-]+$")]


@router.get("/clients/{client_id}/sessions/{session_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request, client_id: ClientId, session_id: SessionId, actor: PageActor, db: DbSession
) -> HTMLResponse:
    """The session report as a page, with its PDF link."""
    actor.require(Permission.CLINICAL_READ)
    context = report_context(db, actor, client_id, session_id)
    html = render_report_html(
        context | {"actor": actor, "pdf_url": f"{request.url.path}.pdf"}, for_print=False
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


@router.get("/clients/{client_id}/sessions/{session_id}/report.pdf")
def report_download(client_id: ClientId, session_id: SessionId, actor: PageActor, db: DbSession) -> Response:
    """The session report as a PDF."""
    actor.require(Permission.CLINICAL_READ)
    pdf = report_pdf(report_context(db, actor, client_id, session_id))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="session-{session_id}-report.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/clients/{client_id}/aftercare", response_class=HTMLResponse)
def aftercare(
    request: Request,
    client_id: ClientId,
    actor: PageActor,
    db: DbSession,
    area: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z]+$")] = None,
) -> HTMLResponse:
    """The care sheet to print and hand to the client (no internal source ids on it)."""
    actor.require(Permission.CLINICAL_READ)
    client = clients.get_client(db, actor, client_id)
    context = {"title": "Care before and after", "client": client, "care": care_sheet(area)}
    return page(request, "aftercare.html", context, actor=actor)


def _course(programme: str, start: str | None) -> tuple[dt.datetime, object]:
    today = dt.date.today()
    first = parse_start(start) if start else earliest_start(today)
    return first, plan_course(first, programme, today=today)


@router.get("/clients/{client_id}/course", response_class=HTMLResponse)
def course_page(
    request: Request,
    client_id: ClientId,
    actor: PageActor,
    db: DbSession,
    programme: Programme = "standard",
    start: Start = None,
) -> HTMLResponse:
    """The course's dates (sessions, maintenance, patch test, pre-care) and its .ics download."""
    actor.require(Permission.BOOKING_READ)
    client = clients.get_client(db, actor, client_id)
    context = {
        "title": "Course calendar",
        "client": client,
        "programmes": list(PROGRAMMES),
        "programme": programme,
        "start": start or "",
        "errors": {},
    }
    try:
        first, course = _course(programme, start)
        context |= {"course": course, "start": first.strftime("%Y-%m-%dT%H:%M")}
    except InputError as exc:
        context |= {"course": None, "errors": {"start": str(exc)}}
        return page(request, "course.html", context, actor=actor, status_code=422)
    return page(request, "course.html", context, actor=actor)


@router.get("/clients/{client_id}/course.ics")
def course_ics(
    client_id: ClientId,
    actor: PageActor,
    db: DbSession,
    programme: Programme = "standard",
    start: Start = None,
) -> Response:
    """The course as an iCalendar file."""
    actor.require(Permission.BOOKING_READ)
    clients.get_client(db, actor, client_id)
    _first, course = _course(programme, start)
    body = course_calendar(course).to_ical()  # type: ignore[arg-type]
    return Response(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="course-client-{client_id}.ics"'},
    )
