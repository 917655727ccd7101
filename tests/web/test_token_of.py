"""The pages read the session token by the API's own rules (``token_of`` against ``session_token``)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request

from dermaport.web.deps import SESSION_COOKIE, _bearer, _cookie, session_token, token_of


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})


async def _api_token(request: Request) -> str | None:
    cookie = await _cookie(request)
    bearer = await _bearer(request)
    assert bearer is None or isinstance(bearer, HTTPAuthorizationCredentials)
    return await session_token(cookie, bearer)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"cookie": f"{SESSION_COOKIE}=abc"},
        {"cookie": f"{SESSION_COOKIE}="},
        {"cookie": "other=abc"},
        {"authorization": "Bearer tok"},
        {"authorization": "bearer tok", "cookie": f"{SESSION_COOKIE}=abc"},
        {"authorization": "BEARER   tok  "},
        {"authorization": "Bearer ", "cookie": f"{SESSION_COOKIE}=abc"},
        {"authorization": "Bearer"},
        {"authorization": "Basic dXNlcjpwdw==", "cookie": f"{SESSION_COOKIE}=abc"},
        {"authorization": " Bearer tok", "cookie": f"{SESSION_COOKIE}=abc"},
        {"authorization": "Bearer a b"},
    ],
)
def test_token_of_reads_the_token_as_the_api_does(headers: dict[str, str]) -> None:
    request = _request(headers)
    # in a thread of its own: a browser test's Playwright may hold an event loop in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        api = pool.submit(asyncio.run, _api_token(request)).result()
    assert token_of(request) == api
