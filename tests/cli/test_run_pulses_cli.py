"""``dermaport run`` with electroporation steps: the simulated pulse generator, ``pulse_count``, refusals."""

from __future__ import annotations

import json

import pytest

from tests._cli import one_line_error, run

TRAIN = "electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min anode"
AREA = ["--electrode-area", "1.5 cm2"]


def test_a_pulse_train_runs_on_the_simulated_generator_and_counts_its_pulses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "run", "--step", TRAIN, *AREA, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "complete"
    assert data["pulse_count"] == 150  # 5 min at 0.5 Hz
    assert data["device"]["modality"] == "electroporation"
    timeline = data["timeline"]
    assert timeline["pulses_delivered"][-1] == 150
    assert max(timeline["voltage_V"]) == pytest.approx(100.0)  # the readings that saw a pulse
    assert data["charge_dose_mA_min"] == 0.0


def test_a_galvanic_run_reports_no_pulses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "run",
        "--step",
        "iontophoresis anode 0.2 mA/cm2 for 2 min",
        "--electrode-area",
        "10 cm2",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["pulse_count"] == 0


def test_a_pulse_fault_fails_the_session_with_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", "--step", TRAIN, *AREA, "--fault", "misfire@11 s", "--json")
    assert code == 3
    data = json.loads(out)
    assert data["status"] == "failed"
    assert "misfire" in data["reason"]
    assert data["pulse_count"] == 6  # pulses at 0, 2, … 10 s; the one due at 12 s did not fire
    assert data["output_off_at_s"] <= 12.0 + 2.0


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        # the reference train: its d.c. part through porated skin is over the galvanic density limit
        (
            ["--step", "electroporation 100 V 1 ms pulses at 1 Hz for 5 min anode", *AREA],
            1,
            "mean current density",
        ),
        (["--step", "electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min", *AREA], 2, "name the electrode"),
        (["--step", TRAIN], 2, "electrode area"),
        (["--step", "electroporation 200 V 1 ms x 10 pulses at 0.5 Hz anode", *AREA], 1, "pulse voltage"),
        (["--step", TRAIN, "--electrode-area", "10 cm2"], 1, "pulse energy"),
        (["--step", TRAIN, *AREA, "--fault", "regulation@2 s"], 2, "pulse generator knows"),
        (["--step", TRAIN, "--step", "iontophoresis anode 0.2 mA/cm2 for 2 min", *AREA], 2, "two sessions"),
        (["--step", "iontophoresis anode 0.2 mA/cm2 for 2 min", *AREA, "--fault", "arc@2 s"], 2, "galvanic"),
    ],
)
def test_pulse_runs_refused_before_any_output(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, fragment: str
) -> None:
    got, _, err = run(capsys, "run", *argv, "--json")
    one_line_error(got, err, code, fragment)
