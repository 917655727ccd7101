"""One error path for the API that never leaks: every refusal is ``{"detail": "…"}``, nothing personal logged.

* A body that breaks the schema (wrong type, non-finite number, invalid JSON or Unicode, a
  binary upload where JSON is expected) is 422 with one sentence naming the field and the rule,
  never the submitted value (which may be a password or health data).
* A refusal of the records (:class:`~dermaport.errors.DermaportError`) maps to its status.
* A database integrity conflict (two writers racing for one username or lot number) is 409;
  the log names the table constraint only, never the row.
* Anything else is 500 ``{"detail": "internal error"}``; the log line names the route and the
  exception's type, with no message and no traceback (messages of driver errors carry values).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dermaport.errors import (
    AuthenticationError,
    ConflictError,
    DermaportError,
    InputError,
    LoginThrottledError,
    PermissionDeniedError,
    RecordNotFoundError,
    TooLargeError,
)

__all__ = [
    "CatchAllMiddleware",
    "QuerylessAccessFilter",
    "http_refusal",
    "integrity_conflict",
    "status_of",
    "validation_message",
    "validation_refusal",
]

logger = logging.getLogger(__name__)

#: The longest path element of a validation error quoted back (field names a client invented).
_MAX_NAME = 40


#: Records refusals and their HTTP status, most specific first (the first match wins).
_STATUS: tuple[tuple[type[DermaportError], int], ...] = (
    (LoginThrottledError, 429),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
    (TooLargeError, 413),
    (RecordNotFoundError, 404),
    (InputError, 400),
)


def status_of(exc: DermaportError) -> int:
    """The HTTP status of a records refusal (500 for anything else)."""
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 500)


def _safe_name(part: object) -> str:
    """A path element of an error location, printable ASCII only and bounded."""
    text = str(part) if isinstance(part, str | int) else type(part).__name__
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in text)
    return cleaned if len(cleaned) <= _MAX_NAME else cleaned[: _MAX_NAME - 1] + "…"


def _where(location: Sequence[object]) -> str:
    parts = [_safe_name(p) for p in location if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


_MESSAGES = {
    "json_invalid": "is not valid JSON (numbers must be finite and text valid Unicode), "
    'e.g. {"text": "Mild erythema"}',
    "model_attributes_type": 'must be a JSON object, e.g. {"text": "Mild erythema"}',
    "finite_number": "must be a finite number",
    "extra_forbidden": "is not a field of this request; see /openapi.json",
    "missing": "is required",
    "string_unicode": "must be valid Unicode text",
}


def validation_message(errors: Sequence[dict[str, Any]]) -> str:
    """One sentence for a list of pydantic/FastAPI errors: where and which rule, never the value.

    Only pydantic's own rule text is quoted (``msg``), which describes the rule, not the input;
    the records' own validators word their messages without the value as well.
    """
    if not errors:
        return "the request does not match the schema; see /openapi.json"
    first = errors[0]
    kind = str(first.get("type", ""))
    where = _where(first.get("loc", ()))
    if where == "body" and kind in ("json_invalid", "model_attributes_type", "dict_type", "missing"):
        rule = _MESSAGES.get(kind, 'must be a JSON object, e.g. {"text": "Mild erythema"}')
        if kind == "missing":
            rule = 'must be a JSON object, e.g. {"text": "Mild erythema"}'
        message = f"the body {rule}"
    else:
        rule = _MESSAGES.get(kind) or _safe_rule(first.get("msg", ""))
        message = f"{where}: {rule}"
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return message


def _safe_rule(msg: object) -> str:
    text = str(msg).removeprefix("Value error, ")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:300] or "does not match the schema"


async def validation_refusal(request: Request, exc: Exception) -> JSONResponse:
    """422 in the documented shape, for any body, however broken."""
    assert isinstance(exc, RequestValidationError)
    try:
        detail = validation_message(list(exc.errors()))
    except Exception:  # the errors themselves could not be read: still answer in the shape
        detail = "the request does not match the schema; see /openapi.json"
    return JSONResponse({"detail": detail}, status_code=422)


async def http_refusal(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own HTTP errors in the one shape; a body it could not decode is a 422 like any other."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "the request was refused"
    status = exc.status_code
    if status == 400 and detail.startswith("There was an error parsing the body"):
        status, detail = 422, f"the body {_MESSAGES['json_invalid']}"
    return JSONResponse({"detail": detail}, status_code=status, headers=getattr(exc, "headers", None))


def integrity_conflict(exc: IntegrityError) -> str:
    """The name of the constraint a write broke (never the values), for the log and the answer."""
    original = getattr(exc, "orig", None)
    diag = getattr(original, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if isinstance(constraint, str) and constraint:
        return constraint
    text = str(original or "")
    # SQLite: "UNIQUE constraint failed: users.username" names columns, not values.
    if "constraint failed:" in text:
        return text.split("constraint failed:", 1)[1].strip().split()[0].rstrip(",")[:100]
    return "a constraint"


async def integrity_refusal(request: Request, exc: Exception) -> JSONResponse:
    """409: another write got there first (a taken username, a lot number already stored)."""
    assert isinstance(exc, IntegrityError)
    constraint = integrity_conflict(exc)
    logger.info("%s %s: conflict on %s", request.method, _route(request.scope), constraint)
    return JSONResponse(
        {"detail": f"the write conflicts with a stored record ({constraint}): reload and try again"},
        status_code=409,
    )


async def database_refusal(request: Request, exc: Exception) -> JSONResponse:
    """503 when the database cannot serve the request (busy, gone); the log names no values."""
    assert isinstance(exc, OperationalError | DBAPIError)
    logger.error("%s %s: database error %s", request.method, _route(request.scope), type(exc).__name__)
    return JSONResponse(
        {"detail": "the records database could not answer: try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "(no route)"


class CatchAllMiddleware:
    """Turn any exception the inner layers let through into a 500 that says nothing.

    Starlette's own error middleware logs a traceback (whose messages can hold values); this one
    logs the route and the exception type only.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; on an exception answer 500 unless the answer has begun."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            logger.error("%s %s failed: %s", scope.get("method"), _route(scope), type(exc).__name__)
            if started:
                return
            response = JSONResponse({"detail": "internal error; the server log names the request"}, 500)
            await response(scope, receive, send)


class QuerylessAccessFilter(logging.Filter):
    """Drop the query string from uvicorn's access log lines (``?q=`` holds names and birth dates)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the path argument of an access record; never drop the record."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True
