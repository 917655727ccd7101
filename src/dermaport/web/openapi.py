"""The OpenAPI schema as the app really answers: every refusal is ``{"detail": "…"}``.

FastAPI documents 422 as a list of validation errors; this app answers one sentence
(:mod:`dermaport.web.errors`). The middleware's refusals (403 for a cross-site request, 413 for
a body over its limit) and the 409 of a conflicting write apply to every route that takes a
body, so they are added here rather than on each route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["install_openapi"]

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_ERROR_SCHEMA = {
    "title": "ErrorOut",
    "description": "Why a request was refused, in one sentence naming the value and what would work.",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
}
_WRITES = {"post", "put", "patch", "delete"}
_ADDED = {
    "413": "The body is larger than this route accepts",
    "422": "The body or a parameter breaks the schema (the message names the field, never its value)",
}
_ADDED_FOR_WRITES = {
    "403": "The role may not do this, or a cookie-signed request came from another site",
    "409": "The write conflicts with a stored record (taken name, erased client, overlapping booking)",
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def _patched(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = _ERROR_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            added = dict(_ADDED)
            if method in _WRITES:
                added.update(_ADDED_FOR_WRITES)
            for status, description in added.items():
                if status == "422" or status not in responses:
                    responses[status] = _error(description)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the schema with the refusals this app really gives."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _patched(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
