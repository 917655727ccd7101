"""A page request whose sign-in was resolved (from the cache) before its user was disabled is refused."""

from __future__ import annotations

import pytest

from dermaport.records.accounts import set_user_active
from dermaport.web import deps
from dermaport.web.pages import render
from tests.web.conftest import Api
from tests.web.pages.helpers import sign_in
from tests.web.pages.test_pages import _new_client


def test_a_page_read_authorised_before_a_disable_commits_shows_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = sign_in(api.client, "practitioner")
    client_id = _new_client(browser)
    assert "Silva" in browser.get(f"/clients/{client_id}").text  # the sign-in is now cached
    owner = api.actors["owner"]
    practitioner_id = api.actors["practitioner"].user_id
    assert practitioner_id is not None
    fired: list[bool] = []
    real = deps.lower_priority

    def disable_first() -> None:  # runs in the page's worker thread, after the actor was resolved
        if not fired:
            fired.append(True)
            with api.database.transaction() as db:
                set_user_active(db, owner, practitioner_id, active=False)
        real()

    monkeypatch.setattr(deps, "lower_priority", disable_first)
    monkeypatch.setattr(render, "lower_priority", disable_first)
    answer = api.client.get(f"/clients/{client_id}", follow_redirects=False)
    assert fired
    assert answer.status_code != 200
    assert "Silva" not in answer.text
