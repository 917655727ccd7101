"""Every file a command writes: an unwritable path is one line naming it, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._cli import one_line_error, run

COURSE = ("course", "--start", "2026-12-01", "--programme", "standard", "--today", "2026-11-20")


@pytest.mark.parametrize("target", ["/proc/c.ics", "DIR", "DIR/missing/c.ics"])
def test_course_ics_to_an_unwritable_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str
) -> None:
    path = target.replace("DIR", str(tmp_path))
    code, _, err = run(capsys, *COURSE, "--ics", path)
    one_line_error(code, err, 2, f"cannot write {path!r}")


def test_simulate_plot_to_an_unwritable_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "simulate", "SAP", "--concentration", "3 %", "--vehicle-ph", "7",
        "--step", "iontophoresis cathode 0.3 mA/cm2 for 1 min", "--plot", "/proc/x.png",
    )  # fmt: skip
    one_line_error(code, err, 2, "/proc/x.png")


def test_db_upgrade_in_an_unusable_data_dir(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERMAPORT_DATA_DIR", "/proc/x")
    code, _, err = run(capsys, "db", "upgrade")
    one_line_error(code, err, 2, "/proc/x")
