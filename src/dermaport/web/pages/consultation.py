"""The consultation: the questionnaire as a form, its verdict shown as it is answered, saved by the records.

The verdict shown while answering comes from the server's own screening rules
(``POST /clients/ID/consultation/verdict``, nothing stored); the saved screening is the records'
:func:`dermaport.records.clinical.add_screening`, which screens the stored answers again.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Body, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from dermaport.errors import InputError
from dermaport.records import clients, clinical
from dermaport.records.access import Permission
from dermaport.records.schemas import ScreeningIn
from dermaport.safety.modalities import extra_questions
from dermaport.safety.outcomes import Outcome
from dermaport.safety.questionnaire import QUESTIONS, Question
from dermaport.safety.screening import ScreeningResult, screen
from dermaport.web.pages.render import (
    BriefPageActor,
    DbSession,
    FormData,
    PageActor,
    field_errors,
    page,
    page_router,
    redirect,
    write_transaction,
)

__all__ = ["answers_from_form", "router", "verdict_json"]

router = page_router()

ClientId = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: What each verdict means at the chair, in words.
VERDICT_WORDS = {
    "ok": "May treat.",
    "adjust": "May treat, with the adjustments below.",
    "clearance": "Do not treat without a doctor's written clearance.",
    "defer": "Do not treat today: wait until the date below.",
    "ask": "Some answers are missing: answer them before treating.",
    "stop": "Do not treat: a contraindication stops the treatment.",
}


def _all_questions() -> tuple[Question, ...]:
    """The questionnaire, then the questions a modality adds (electroporation's), each once."""
    asked = {q.id for q in QUESTIONS}
    return QUESTIONS + tuple(q for q in extra_questions() if q.id not in asked)


def answers_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The questionnaire's answers from the form (``yes``/``no`` → booleans; blank → missing, but text)."""
    answers: dict[str, Any] = {}
    for q in _all_questions():
        raw = form.get(q.id, "").strip()
        if q.kind == "text" and q.id in form:
            answers[q.id] = raw  # free text: an empty box is an answer (nothing to add)
            continue
        if not raw:
            continue
        if q.kind == "yes_no":
            answers[q.id] = {"yes": True, "no": False}.get(raw, raw)
        else:
            answers[q.id] = raw
    return answers


def verdict_json(result: ScreeningResult) -> dict[str, Any]:
    """The verdict, its meaning in words, and the findings that are not plain "ok"."""
    return {
        "verdict": result.verdict.value,
        "words": VERDICT_WORDS.get(result.verdict.value, result.verdict.value),
        "may_treat": result.may_treat,
        "defer_until": result.defer_until.isoformat() if result.defer_until else None,
        "adjustments": list(result.adjustments),
        "findings": [
            {"question_id": f.question_id, "outcome": f.outcome.value, "reason": f.reason}
            for f in sorted(result.findings, key=lambda f: -f.outcome.rank)
            if f.outcome is not Outcome.OK
        ],
    }


def _form_context(client_id: int, client: Any, form: dict[str, str]) -> dict[str, Any]:
    questions: list[Question] = list(_all_questions())
    return {
        "title": f"Consultation: {client.contact.given_name} {client.contact.family_name}",
        "client": client,
        "questions": questions,
        "first_extra": questions[len(QUESTIONS)].id if len(questions) > len(QUESTIONS) else None,
        "values": form,
        "action": f"/clients/{client_id}/consultation",
    }


@router.get("/clients/{client_id}/consultation", response_class=HTMLResponse)
def consultation_form(request: Request, client_id: ClientId, actor: PageActor, db: DbSession) -> HTMLResponse:
    """The questionnaire, with the verdict panel the script keeps up to date."""
    actor.require(Permission.CLINICAL_WRITE)
    client = clients.get_client(db, actor, client_id)
    return page(request, "consultation.html", _form_context(client_id, client, {}), actor=actor)


@router.post("/clients/{client_id}/consultation/verdict")
def consultation_verdict(
    client_id: ClientId, actor: BriefPageActor, answers: Annotated[dict[str, Any], Body()]
) -> JSONResponse:
    """The verdict the rules give the answers so far (nothing stored); 422 naming a bad answer."""
    actor.require(Permission.CLINICAL_WRITE)
    form = {k: v for k, v in answers.items() if isinstance(v, str)}
    try:
        result = screen(answers_from_form(form), today=dt.datetime.now().date())
    except InputError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(verdict_json(result))


@router.post("/clients/{client_id}/consultation", response_model=None)
def consultation_save(
    request: Request, client_id: ClientId, actor: BriefPageActor, form: FormData
) -> Response:
    """Store the screening (the records screen it); the client's page, or the form with the reason."""
    try:
        data = ScreeningIn.model_validate({"answers": answers_from_form(form)})
        with write_transaction(request) as db:
            stored = clinical.add_screening(db, actor, client_id, data)
    except (ValidationError, InputError) as exc:
        with write_transaction(request) as db:
            client = clients.get_client(db, actor, client_id)
        context = _form_context(client_id, client, form)
        if isinstance(exc, ValidationError):
            context["errors"] = field_errors(exc, prefix="answers.")
        else:
            bad = next((q.id for q in _all_questions() if q.id in str(exc)), "form")
            context["errors"] = {bad: str(exc)}
        return page(request, "consultation.html", context, actor=actor, status_code=422)
    return redirect(f"/clients/{client_id}?screened={stored.id}#screenings")
