"""Run the command line in-process and capture what it prints."""

from __future__ import annotations

import pytest

from dermaport.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``dermaport ARGV...``."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
