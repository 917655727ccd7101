"""Request protections for the API and the pages on top of it: body limits, CSRF, security headers.

One ASGI middleware, :class:`SecurityMiddleware`, does three things for every HTTP request:

* **Body limits** (:func:`body_limit`): a body larger than its route accepts is refused with 413
  before it is read (by ``Content-Length``) or as soon as the bytes read pass the limit.
* **Cross-site requests**: a state-changing request (POST, PUT, PATCH, DELETE) signed by the
  session *cookie* (not by an ``Authorization: Bearer`` header) must come from the site itself
  (``Origin``, or ``Referer`` when there is no ``Origin``, equal to one of the configured
  origins, else the request's own ``scheme://host:port``) and carry the session's CSRF token
  (:func:`csrf_token_for`) in an ``X-CSRF-Token`` header or a ``csrf_token`` form field.
  Otherwise 403. Another port of the same host is another origin. Bearer-token clients are
  not affected: a browser cannot add that header to a cross-site request.
* **Headers** on every answer: ``X-Content-Type-Options: nosniff``, ``Cache-Control: no-store``
  (everything here is personal or a session's), a strict ``Content-Security-Policy`` with
  ``frame-ancestors 'none'`` (the interactive /docs page gets the CDN it needs), ``X-Frame-Options``,
  ``Referrer-Policy: no-referrer`` and ``Cross-Origin-Resource-Policy: same-origin``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable
from email.parser import BytesParser
from email.policy import HTTP
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "JSON_BODY_LIMIT",
    "PHOTO_BODY_LIMIT",
    "SecurityMiddleware",
    "body_limit",
    "csrf_token_for",
]

logger = logging.getLogger(__name__)

#: The form field a page's forms carry the CSRF token in.
CSRF_FIELD = "csrf_token"
#: The header a script sends the CSRF token in.
CSRF_HEADER = "x-csrf-token"
#: The largest JSON body of an ordinary route (bytes): a consent's text and signature fit.
JSON_BODY_LIMIT = 1024 * 1024
#: The largest body of a photo upload (bytes): 15 MB of picture as base64, with room for the JSON.
PHOTO_BODY_LIMIT = 21 * 1024 * 1024

_PHOTO_ROUTE = re.compile(r"^(/api)?/clients/[^/]+/photos/?$")  # the API's and the photos page's
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# an old cookie must not stop a new login (both are still held to the site's own origin)
_NO_TOKEN_NEEDED = frozenset({"/api/login", "/login"})

# the pages load their scripts, styles and pictures from the app itself, nothing inline
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com https://cdn.jsdelivr.net; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_DOCS = ("/docs", "/redoc")
_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a sign-in session (a keyed hash of its token: nothing else to store)."""
    return hmac.new(session_token.encode(), b"dermaport csrf v1", hashlib.sha256).hexdigest()


def body_limit(method: str, path: str) -> int:
    """The largest body (bytes) a route accepts: photos get room for a picture, others a JSON page."""
    if method == "POST" and _PHOTO_ROUTE.match(path):
        return PHOTO_BODY_LIMIT
    return JSON_BODY_LIMIT


class _TooLarge(HTTPException):
    """A body passed its route's limit while being read (FastAPI answers an HTTPException as is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than this route's {limit} bytes")


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    port = parts.port if parts.port is not None else None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _own_origin(scope: Scope, headers: Headers) -> str | None:
    host = headers.get("host")
    return _origin_of(f"{scope.get('scheme', 'http')}://{host}") if host else None


def _session_cookie(headers: Headers, cookie_name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header: no session cookie
        return None
    morsel = jar.get(cookie_name)
    return morsel.value if morsel is not None and morsel.value else None


def _form_token(content_type: str, body: bytes) -> str | None:
    """The ``csrf_token`` field of a URL-encoded or multipart form body."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
            return values[0] if values else None
        if kind == "multipart/form-data":
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
            )
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") == CSRF_FIELD:
                    payload = part.get_payload(decode=True)
                    return payload.decode("ascii", "replace").strip() if isinstance(payload, bytes) else None
    except (UnicodeError, ValueError, TypeError, AttributeError):
        return None
    return None


class SecurityMiddleware:
    """Body limits, the cross-site check and the security headers (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, cookie_name: str, origins: Iterable[str] = ()) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.origins = frozenset(o for o in (_origin_of(x.strip()) for x in origins) if o)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then run the app with a bounded body and the headers added."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        headers = Headers(scope=scope)
        send = self._with_headers(send, path)
        limit = body_limit(method, path)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, send, 413, f"the body is larger than this route's {limit} bytes")
            return
        receive = self._bounded(receive, limit)
        if method in _UNSAFE and not headers.get("authorization"):
            cookie = _session_cookie(headers, self.cookie_name)
            try:
                refusal, receive = await self._cross_site(scope, headers, receive, cookie, path)
            except _TooLarge:
                await self._refuse(scope, send, 413, f"the body is larger than this route's {limit} bytes")
                return
            if refusal:
                logger.info("%s %s refused: %s", method, path, refusal)
                await self._refuse(scope, send, 403, refusal)
                return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, 413, f"the body is larger than this route's {limit} bytes")

    async def _cross_site(
        self, scope: Scope, headers: Headers, receive: Receive, cookie: str | None, path: str
    ) -> tuple[str, Receive]:
        """Why a cookie-signed write is refused ("" when it may go on), and the receive to use next."""
        origin_header = headers.get("origin")
        referer = headers.get("referer")
        claimed = _origin_of(origin_header) if origin_header else _origin_of(referer) if referer else None
        allowed = self.origins or {o for o in (_own_origin(scope, headers),) if o}
        if cookie is None and origin_header is None and referer is None:
            return "", receive  # no cookie, no browser context: nothing a foreign site could ride on
        if (origin_header or referer) and claimed not in allowed:
            return "cross-site request refused: it does not come from this site's origin", receive
        if cookie is None or path in _NO_TOKEN_NEEDED:
            return "", receive
        if claimed is None:
            return "cross-site request refused: a cookie-signed write needs an Origin or Referer", receive
        expected = csrf_token_for(cookie)
        given = headers.get(CSRF_HEADER)
        if given is None:
            body = await self._read_all(receive)
            given = _form_token(headers.get("content-type", ""), body)
            receive = self._replay(body)
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            return (
                f"cross-site request refused: send the session's CSRF token in the {CSRF_FIELD} field "
                "or the X-CSRF-Token header",
                receive,
            )
        return "", receive

    @staticmethod
    async def _read_all(receive: Receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _replay(body: bytes) -> Receive:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        return receive

    @staticmethod
    def _bounded(receive: Receive, limit: int) -> Receive:
        total = 0

        async def bounded() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    raise _TooLarge(limit)
            return message

        return bounded

    @staticmethod
    def _with_headers(send: Send, path: str) -> Send:
        csp = _DOCS_CSP if path in _DOCS else _CSP

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                added = [h for h in _HEADERS if h[0] not in present]
                if b"content-security-policy" not in present:
                    added.append((b"content-security-policy", csp.encode()))
                if b"cache-control" not in present:
                    added.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        return sending

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        response = JSONResponse({"detail": detail}, status_code=status)
        if status == 413:
            response.headers["connection"] = "close"
        await response(scope, no_body, send)
