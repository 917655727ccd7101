"""An owner cannot disable their own account (the clinic would be locked out): API and page."""

from __future__ import annotations

from sqlalchemy import select

from dermaport.records.models import User
from tests.web.conftest import Api
from tests.web.pages.helpers import sign_in


def test_the_api_refuses_an_owner_disabling_their_own_account(api: Api) -> None:
    owner_id = api.actors["owner"].user_id
    answer = api.client.patch(f"/api/users/{owner_id}", json={"active": False}, headers=api.headers["owner"])
    assert answer.status_code == 400
    assert "you cannot disable your own account" in answer.json()["detail"]
    assert api.client.get("/api/users", headers=api.headers["owner"]).status_code == 200  # still signed in
    with api.database.reading() as db:
        assert db.scalar(select(User.active).where(User.id == owner_id)) is True


def test_the_users_page_shows_the_refusal_next_to_the_button(api: Api) -> None:
    owner = sign_in(api.client, "owner")
    owner_id = api.actors["owner"].user_id
    refused = owner.post(f"/users/{owner_id}/active", {"active": "no"}, status=400)
    shown = f'<p class="error" id="active-{owner_id}-error" role="alert">you cannot disable your own'
    assert shown in refused.text
    assert f'aria-describedby="active-{owner_id}-error"' in refused.text
    assert owner.get("/users").status_code == 200  # the owner still signed in
    other = api.actors["practitioner"].user_id
    owner.post(f"/users/{other}/active", {"active": "no"})  # another account: disabled as before
    with api.database.reading() as db:
        assert db.scalar(select(User.active).where(User.id == other)) is False
