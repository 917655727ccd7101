"""The error answers the routes document in the OpenAPI schema: one JSON shape, ``{"detail": …}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["LOGIN", "SIGNED_IN", "ErrorOut"]


class ErrorOut(BaseModel):
    """Why a request was refused, in one sentence naming the value and what would work."""

    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


#: What any route that needs a session may answer besides success and 422.
SIGNED_IN: dict[int | str, dict[str, Any]] = {
    400: _error("A value that cannot be used (the message names it)"),
    401: _error("Not signed in, or the session expired"),
    403: _error("The signed-in role may not do this"),
    404: _error("No such record in this clinic"),
}

#: What the login route may answer besides success and 422.
LOGIN: dict[int | str, dict[str, Any]] = {
    401: _error("Unknown username or wrong password"),
    429: _error("Too many failed logins: wait Retry-After seconds"),
}
