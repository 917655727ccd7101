"""The routers' shortcut (``RecordsRouter.matches``) picks the route FastAPI's full matching picks.

For every route of the app a concrete path is made from its pattern; with the shortcut and
without it the app's router must find the same route (fully for its method, partly for
another method, which is a 405), and a path no route has must find nothing either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRouter
from starlette.routing import Match

from dermaport.records.database import Database
from dermaport.web import create_app
from dermaport.web.deps import RecordsRouter


@pytest.fixture
def app(database: Database) -> FastAPI:
    return create_app(database.settings, database=database)


def _routed(app: FastAPI, path: str, method: str) -> tuple[Match, Any]:
    """What the app's router would dispatch to, as its own loop does (first full, else first partial)."""
    scope: dict[str, Any] = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
    partial: Any = None
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return match, route
        if match == Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


def _paths(app: FastAPI) -> Iterator[str]:
    for route in app.router.routes:
        original = getattr(route, "original_router", None)
        for inner in getattr(original, "routes", [route]):
            path = getattr(inner, "path", None)
            if isinstance(path, str):
                yield re.sub(r"\{[^}]*\}", "7", path)
                yield re.sub(r"\{[^}]*\}", "7", path) + "/"
    yield from ("/", "/nowhere", "/api", "/api/nowhere", "/clientsx", "/static/app.css", "")


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_the_shortcut_routes_every_path_as_the_full_matching_does(
    app: FastAPI, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted(set(_paths(app)))
    shortcut = {p: _routed(app, p, method) for p in paths}
    monkeypatch.setattr(RecordsRouter, "matches", APIRouter.matches)
    full = {p: _routed(app, p, method) for p in paths}
    assert shortcut == full
    assert any(match == Match.FULL for match, _ in full.values())
    assert any(match == Match.NONE for match, _ in full.values())
