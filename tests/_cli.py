"""Run the command line in-process and capture what it prints."""

from __future__ import annotations

import pytest

from dermaport.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``dermaport ARGV...``."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, err: str, expected_code: int, fragment: str) -> None:
    """The command failed with ``expected_code`` and one ``error:`` line holding ``fragment``."""
    assert code == expected_code
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert fragment in err
