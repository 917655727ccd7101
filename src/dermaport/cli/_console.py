"""Output helpers shared by the commands: a Rich console, JSON on stdout, option parsing."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from dermaport.config import load_settings
from dermaport.units import parse_ph

__all__ = ["console", "ph_or_default", "print_json"]


def console() -> Console:
    """The console commands print to (standard output)."""
    return Console(highlight=False)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def ph_or_default(ph: str | None) -> float:
    """The pH given on the command line, or the configured default (5.5)."""
    return parse_ph(ph) if ph is not None else load_settings().default_ph
