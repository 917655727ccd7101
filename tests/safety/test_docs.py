"""docs/planning.md lists every question and every hard limit."""

from __future__ import annotations

from pathlib import Path

from dermaport.safety import QUESTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "planning.md"


def test_every_question_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [q.id for q in QUESTIONS if f"`{q.id}`" not in text]
    assert not missing
