"""An API client on each test database, with one signed-in user per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.database import Database
from dermaport.web import create_app

PASSWORD = "correct horse battery staple"
ROLES = ("owner", "practitioner", "reception")


@dataclass
class Api:
    """The test client, the database behind it, and each role's actor and auth header."""

    client: TestClient
    database: Database
    actors: dict[str, Actor]
    headers: dict[str, dict[str, str]]

    def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """Sign in and return the bearer header."""
        response = self.client.post("/api/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    """A signed-in API client per role over a fresh database (SQLite, then PostgreSQL)."""
    actors: dict[str, Actor] = {}
    with database.transaction() as db:
        for role in ROLES:
            user = add_user(db, "test", username=role, role=role, password=PASSWORD)
            actors[role] = Actor(username=role, role=role, clinic_id=user.clinic_id, user_id=user.id)
    with TestClient(create_app(database.settings, database=database)) as client:
        api = Api(client=client, database=database, actors=actors, headers={})
        api.headers = {role: api.login(role) for role in ROLES}
        client.cookies.clear()
        yield api
