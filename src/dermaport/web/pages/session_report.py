"""A treatment session's report: what it is made of, as a page and as a PDF (WeasyPrint).

:func:`report_context` gathers, through the records functions (each read audited): the client,
the practitioner, the date, the screening verdict, the consent, the product and lot, the plan,
the delivered dose against the plan, the telemetry, the predicted delivery, the events and the
care instructions. :func:`render_report_html` renders the ``report.html`` template;
:func:`report_pdf` prints it. ``dermaport report SESSION_ID --out FILE.pdf`` and the report
page's PDF link both call :func:`report_pdf`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dermaport.planning.care import care_sheet
from dermaport.records import clinical
from dermaport.records.access import Actor
from dermaport.records.bookings import lot_of_clinic
from dermaport.records.models import Product, User
from dermaport.sessions import get_plan
from dermaport.web.pages.figures import telemetry_plot
from dermaport.web.pages.render import templates
from dermaport.web.pages.session import advice_for, planned_pulses
from dermaport.web.pages.treatment import plan_figures

__all__ = ["REPORT_CSS", "render_report_html", "report_context", "report_pdf"]

logger = logging.getLogger(__name__)

#: The report's print stylesheet.
REPORT_CSS = Path(__file__).resolve().parent.parent / "static" / "report.css"
#: Event kinds a report lists (the rest are the runner's bookkeeping).
_REPORTED_EVENTS = frozenset(
    {"fault", "hold", "hold_confirmed", "operator", "pause_expired", "output_off", "step", "contact"}
)


def _username(db: Session, user_id: int | None) -> str:
    if user_id is None:
        return "—"
    name = db.scalar(select(User.username).where(User.id == user_id))
    return name or f"user {user_id}"


def _product_name(db: Session, product_id: int) -> str:
    product = db.get(Product, product_id)
    return product.name if product is not None else f"product {product_id}"


def _pulses(session_plan: dict[str, Any], documents: list[Any]) -> dict[str, int] | None:
    """Pulses delivered against planned, for a session with pulse steps (None without)."""
    planned = planned_pulses(session_plan)
    if not planned:
        return None
    delivered = 0
    for document in documents:
        if document.name in ("reading", "stop") and document.body.get("pulses_delivered") is not None:
            delivered = max(delivered, int(document.body["pulses_delivered"]))
    return {"planned": planned, "delivered": delivered}


def report_context(db: Session, actor: Actor, client_id: int, session_id: int) -> dict[str, Any]:
    """Everything the report shows, read through the records functions (audited)."""
    record = clinical.client_record(db, actor, client_id)
    session = clinical.get_session(db, actor, client_id, session_id)
    documents = clinical.session_documents(db, actor, client_id, session_id)
    readings = [d.body for d in documents if d.name == "reading"]
    events = [d.body for d in documents if d.name == "event" and d.body.get("kind") in _REPORTED_EVENTS]
    plan = get_plan(db, actor, client_id, session.plan_id) if session.plan_id is not None else None
    screening = None
    if plan is not None:
        screening_id = (plan.get("screening") or {}).get("id")
        screening = next((s for s in record.screenings if s.id == screening_id), None)
    signed_before = [c for c in record.consents if c.signed_at <= session.started_at]
    consent = max(signed_before, key=lambda c: c.signed_at, default=None)
    lot = lot_of_clinic(db, actor, session.lot_id) if session.lot_id is not None else None
    area = str(plan.get("area")) if plan is not None else None
    return {
        "client": record.client,
        "session": session,
        "practitioner": _username(db, session.operator_id),
        "screening": screening,
        "consent": consent,
        "lot": lot,
        "product": _product_name(db, lot.product_id)
        if lot is not None
        else (session.plan.get("product") or "—"),
        "plan": plan,
        "figures": plan_figures(plan) if plan is not None else {},
        "telemetry": telemetry_plot(readings, session.planned_dose_mA_min),
        "readings": len(readings),
        "pulses": _pulses(session.plan, documents),
        "events": events,
        "care": care_sheet(area),
        "advice": advice_for(session.reason) if session.status not in ("complete", "running") else "",
        "adverse_events": [a for a in record.adverse_events if a.session_id == session_id],
        "notes": [n for n in record.notes if n.session_id == session_id],
    }


def render_report_html(context: dict[str, Any], *, for_print: bool) -> str:
    """The report as HTML: the page (``for_print=False``) or the document WeasyPrint prints."""
    values = {
        "actor": None,
        "nav": [],
        "csrf_token": "",
        "csrf_field": "csrf_token",
        "errors": {},
        "values": {},
        "title": f"Session report {context['session'].id}",
        "for_print": for_print,
        **context,
    }
    return templates.get_template("report_print.html" if for_print else "report.html").render(values)


def report_pdf(context: dict[str, Any]) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import CSS, HTML  # heavy: imported when a report is printed

    html = render_report_html(context, for_print=True)
    pdf = HTML(string=html, base_url=str(REPORT_CSS.parent)).write_pdf(
        stylesheets=[CSS(filename=str(REPORT_CSS))]
    )
    assert isinstance(pdf, bytes)
    logger.info("session report printed (%d bytes)", len(pdf))
    return pdf
