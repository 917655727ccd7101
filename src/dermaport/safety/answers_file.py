"""Read a client's answers from a JSON or YAML file (``{question_id: value}``)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from dermaport.errors import InputError

__all__ = ["load_answers"]

_EXAMPLE = 'e.g. answers.json holding {"area": "face", "pregnant": false}'


def load_answers(path: str | Path) -> dict[str, object]:
    """The answers in ``path`` (``.json``, ``.yaml`` or ``.yml``; otherwise JSON, then YAML)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not readable text"
        raise InputError(f"cannot read answers file {str(path)!r}: {why}; {_EXAMPLE}") from exc
    suffix = file.suffix.lower()
    data: object
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"answers file {str(path)!r} is not valid JSON or YAML ({first}); {_EXAMPLE}"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            f"answers file {str(path)!r} must hold a mapping of question id to answer; {_EXAMPLE}"
        )
    return {str(key): value for key, value in data.items()}
