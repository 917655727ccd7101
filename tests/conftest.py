"""Shared test settings: a wide, colourless terminal so tables are not wrapped."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _wide_plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("DERMAPORT_DEFAULT_PH", raising=False)
    monkeypatch.delenv("DERMAPORT_DEFAULT_SKIN", raising=False)
