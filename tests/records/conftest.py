"""Actors of one clinic, one per role, on the test database."""

from __future__ import annotations

import pytest

from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.database import Database

PASSWORD = "correct horse battery staple"


@pytest.fixture
def actors(database: Database) -> dict[str, Actor]:
    """An owner, a practitioner and a receptionist of the clinic ``default``."""
    found: dict[str, Actor] = {}
    with database.transaction() as db:
        for role in ("owner", "practitioner", "reception"):
            user = add_user(db, "test", username=role, role=role, password=PASSWORD)
            found[role] = Actor(username=user.username, role=role, clinic_id=user.clinic_id, user_id=user.id)
    return found
