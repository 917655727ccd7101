"""dermaport plan --modality electroporation / --pulses on the command line (the real engine)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from dermaport.cli.plan import plan_command
from tests._cli import one_line_error, run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE = [
    "plan",
    "--answers",
    str(EXAMPLES / "client.yaml"),
    "--concern",
    "pigmentation",
    "--area",
    "face",
    "--today",
    "2026-11-21",
]


def test_the_help_example_plans_a_pulse_train(capsys: pytest.CaptureFixture[str]) -> None:
    """As the help text writes it: plan --answers examples/client.yaml ... --modality electroporation."""
    code, out, err = run(capsys, *BASE, "--product", "sap-ampoule", "--modality", "electroporation")
    assert code == 0, err
    assert "electroporation 100 V 1 ms pulses at 0.5 Hz for" in out
    assert "Product under the cathode" in out
    assert "a pulse (IEC 300 mJ)" in out
    assert "Pathway: hydrodynamic radius 0.504 nm" in out
    code, out, _ = run(capsys, *BASE, "--product", "sap-ampoule", "--modality", "electroporation", "--json")
    assert code == 0
    plan = json.loads(out)
    assert plan["modality"] == "electroporation"
    assert plan["electrode"] == "cathode"
    assert plan["pulses"]["electrode_area_cm2"] == plan["electrode_area_cm2"] == 2.0
    for key in ("steps", "current_density_mA_per_cm2", "current_mA", "duration_s", "charge_dose_mA_min"):
        assert key in plan  # the contract keys stay


def test_a_plain_plan_keeps_its_modality_and_has_no_pulses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *BASE, "--product", "sap-ampoule", "--json")
    assert code == 0
    plan = json.loads(out)
    assert plan["modality"] == "iontophoresis"
    assert plan["pulses"] is None


def test_hyaluronic_acid_is_refused_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        *BASE[:4],
        "hydration",
        *BASE[5:],
        "--active",
        "hyaluronic_acid_1mda",
        "--concentration",
        "0.1 %",
        "--ph",
        "6.5",
        "--modality",
        "electroporation",
    )
    one_line_error(code, err, 1, "will not cross by electroporation: its hydrodynamic radius 64.9 nm")


def test_pulses_over_the_voltage_limit_are_refused_and_a_fast_rate_is_lowered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    train = "electroporation 300 V 1 ms pulses at 0.5 Hz for 5 min"
    code, _, err = run(capsys, *BASE, "--product", "sap-ampoule", "--pulses", train)
    one_line_error(code, err, 1, "pulse voltage 300 V breaks the hard limit 150 V")
    fast = "electroporation 100 V 1 ms pulses at 1 Hz for 2 min"
    code, out, err = run(capsys, *BASE, "--product", "sap-ampoule", "--pulses", fast)
    assert code == 0, err
    assert "lowered to 'electroporation 100 V 1 ms pulses at 0.5 Hz for 2 min cathode'" in " ".join(
        out.split()
    )


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            ["--modality", "ultrasound"],
            "--modality 'ultrasound' is not one of iontophoresis, electroporation",
        ),
        (
            [
                "--pulses",
                "electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min",
                "--target",
                "5 ug/cm2 dermis",
            ],
            "give --target or --pulses, not both",
        ),
        (["--pulses", "iontophoresis cathode 0.3 mA/cm2 for 6 min"], "is not an electroporation step"),
        (["--pulses", "electroporation 100 V pulses"], "cannot read step"),
    ],
)
def test_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], extra: list[str], fragment: str) -> None:
    code, _, err = run(capsys, *BASE, "--product", "sap-ampoule", *extra)
    one_line_error(code, err, 2, fragment)


def test_simulate_warns_for_a_pulse_step_over_the_limits(capsys: pytest.CaptureFixture[str]) -> None:
    """simulate predicts what it is given, but says plainly that plan and run refuse such a step."""
    code, out, _ = run(
        capsys,
        "simulate",
        "SAP",
        "--concentration",
        "3 %",
        "--vehicle-ph",
        "7",
        "--step",
        "electroporation 200 V 1 ms pulses at 1 Hz for 1 min cathode",
        "--electrode-area",
        "2 cm2",
    )
    assert code == 0
    flat = " ".join(out.split())
    assert "breaks the pulse hard limits (pulse voltage 200 V breaks the hard limit 150 V" in flat
    assert "plan and run refuse it" in flat


def test_the_help_text_example_runs_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example in ``dermaport plan --help``, copied as a shell would read it, from the repository."""
    doc = plan_command.__doc__ or ""
    example = doc.split("e.g.")[-1].replace("\\\n", " ")
    argv = shlex.split(example)
    assert argv[:2] == ["dermaport", "plan"]
    monkeypatch.chdir(EXAMPLES.parent)
    code, out, err = run(capsys, *argv[1:])
    assert code == 0, err
    assert "electroporation 100 V 1 ms pulses at 0.5 Hz" in out
