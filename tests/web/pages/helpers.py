"""Signing in to the pages as a browser does (a cookie and the forms' CSRF token)."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from dermaport.web.deps import SESSION_COOKIE
from dermaport.web.security import csrf_token_for
from tests.web.conftest import PASSWORD

ORIGIN = "http://testserver"


@dataclass
class Browser:
    """A test client signed in by cookie, posting forms with the CSRF token and the site's Origin."""

    client: TestClient

    @property
    def csrf(self) -> str:
        return csrf_token_for(self.client.cookies[SESSION_COOKIE])

    def get(self, url: str, status: int = 200) -> Any:
        answer = self.client.get(url, follow_redirects=False)
        assert answer.status_code == status, (url, answer.status_code, answer.text[:2000])
        return answer

    def post(self, url: str, data: dict[str, str], status: int = 303) -> Any:
        answer = self.client.post(
            url, data={**data, "csrf_token": self.csrf}, headers={"Origin": ORIGIN}, follow_redirects=False
        )
        assert answer.status_code == status, (url, answer.status_code, answer.text[:3000])
        return answer


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Browser:
    """Sign in through the login form; the browser with its session cookie."""
    client.cookies.clear()
    answer = client.post(
        "/login",
        data={"username": username, "password": password},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/clients"
    return Browser(client)


def drawn_signature() -> str:
    """A PNG data URL of a drawn line, as signature_pad gives."""
    picture = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(picture).line([(10, 80), (80, 20), (150, 70), (290, 30)], fill=(31, 41, 51, 255), width=3)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def location_id(answer: Any, pattern: str) -> int:
    """The id in the redirect's location."""
    found = re.search(pattern, answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))
