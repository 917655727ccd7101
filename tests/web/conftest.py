"""An API client on each test database, with one signed-in user per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from dermaport.device.clock import Clock
from dermaport.device.protocol import Device
from dermaport.device.pulse_protocol import PulseDevice
from dermaport.device.session_plan import SessionPlan
from dermaport.planning.standin import StandInPredictor
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.database import Database
from dermaport.sessions import SessionService, SimulatedDevices
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


class CountingDevices(SimulatedDevices):
    """The simulated device on a fake clock (as fast as the host goes), counting the devices opened."""

    opened: int = 0

    def open(self, plan: SessionPlan) -> tuple[Device | PulseDevice, Clock]:
        """Count, then open a simulated device."""
        self.opened += 1
        return super().open(plan)


def fast_sessions(database: Database) -> SessionService:
    """Sessions on the simulated device on a fake clock, 2 readings a second, the stand-in to plan."""
    return SessionService(
        database,
        devices=CountingDevices(speed=None, watchdog_s=1.0),
        predictor=StandInPredictor(),
        period_s=0.5,
    )


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    """A signed-in API client per role over a fresh database (SQLite, then PostgreSQL)."""
    actors: dict[str, Actor] = {}
    with database.transaction() as db:
        for role in ROLES:
            user = add_user(db, "test", username=role, role=role, password=PASSWORD)
            actors[role] = Actor(username=role, role=role, clinic_id=user.clinic_id, user_id=user.id)
    with TestClient(
        create_app(database.settings, database=database, sessions_service=fast_sessions)
    ) as client:
        api = Api(client=client, database=database, actors=actors, headers={})
        api.headers = {role: api.login(role) for role in ROLES}
        client.cookies.clear()
        yield api
