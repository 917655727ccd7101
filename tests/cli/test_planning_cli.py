"""screen, plan, course and care on the command line: contract JSON, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import icalendar
import pytest

from dermaport.planning.standin import StandInPredictor
from tests._cli import one_line_error, run
from tests.safety.helpers import OK_ANSWERS, answers

TODAY = ["--today", "2026-11-21"]


def write(tmp_path: Path, data: dict[str, object], name: str = "client.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> StandInPredictor:
    predictor = StandInPredictor()
    monkeypatch.setattr("dermaport.cli.plan.default_predictor", lambda: predictor)
    return predictor


def test_questions_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "screen", "--questions", "--json")
    assert code == 0
    questions = json.loads(out)
    assert {"id", "text", "kind"} <= set(questions[0])
    assert {q["kind"] for q in questions} == {"yes_no", "date", "choice", "text"}
    assert all("choices" in q for q in questions if q["kind"] == "choice")


def test_questions_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "screen", "--questions")
    assert code == 0
    assert "pregnant [yes_no]" in out


def test_screen_ok(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "screen", "--answers", write(tmp_path, OK_ANSWERS), "--json", *TODAY)
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "ok"
    assert data["defer_until"] is None
    assert data["adjustments"] == []
    assert {"question_id", "outcome", "reason", "source"} <= set(data["findings"][0])


def test_screen_defer_exits_non_zero_with_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, answers(last_chemical_peel="2026-11-20"))
    code, out, err = run(capsys, "screen", "--answers", path, "--json", *TODAY)
    assert json.loads(out)["defer_until"] == "2026-12-04"
    one_line_error(code, err, 1, "defer: not before 2026-12-04")


def test_screen_yaml_answers_and_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "client.yaml"
    lines = [f"{k}: {json.dumps(v)}" for k, v in answers(skin_sensitivity="sensitive", pregnant=True).items()]
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, "screen", "--answers", str(path), *TODAY)
    assert "pregnant" in out
    assert "Verdict" in out
    one_line_error(code, err, 1, "stop: pregnant")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ({"pregnnt": False}, "unknown question id 'pregnnt'"),
        ({"last_chemical_peel": "21/11/2026"}, "is not a date: '21/11/2026'"),
        ([1, 2], "must hold a mapping"),
    ],
)
def test_screen_bad_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: object, fragment: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    code, _, err = run(capsys, "screen", "--answers", str(path), *TODAY)
    one_line_error(code, err, 2, fragment)


def test_screen_unreadable_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "screen", "--answers", str(tmp_path / "missing.json"))
    one_line_error(code, err, 2, "cannot read answers file")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, _, err = run(capsys, "screen", "--answers", str(broken))
    one_line_error(code, err, 2, "not valid JSON or YAML")


def test_screen_without_answers_outside_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "screen")
    one_line_error(code, err, 2, "give --answers FILE")


def test_screen_interactive(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    typed = []
    for key, value in OK_ANSWERS.items():
        if key == "pregnant":
            typed += ["maybe", "n"]  # an unreadable answer is asked again
        elif key == "last_laser":
            typed += ["01/02/2026", "2026-02-01"]
        elif key == "written_clearance":
            typed.append("")  # left unanswered: not needed without a clearance finding
        elif key == "other_conditions":
            typed.append("none")
        elif isinstance(value, bool):
            typed.append("y" if value else "n")
        else:
            typed.append(str(value))
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(typed) + "\n"))
    code, out, err = run(capsys, "screen", "--interactive", *TODAY)
    assert code == 0, err
    assert "Verdict: ok" in out
    assert "must be true or false" in err


def plan_args(path: str, *extra: str) -> list[str]:
    return ["plan", "--answers", path, "--concern", "hydration", "--area", "face", *extra, *TODAY]


def test_plan_json_contract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, standin: StandInPredictor
) -> None:
    code, out, err = run(
        capsys, *plan_args(write(tmp_path, OK_ANSWERS), "--product", "sap-ampoule", "--json")
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["electrode"] == "cathode"
    assert data["current_density_mA_per_cm2"] == 0.3
    assert data["current_mA"] == 3.0
    assert data["duration_s"] == 360
    assert data["charge_dose_mA_min"] == 18
    assert data["skin_sensitivity"] == "normal"
    assert data["density_ceiling_mA_per_cm2"] == 0.5
    assert data["predicted"]["vehicle_ph_max"] <= 8
    assert isinstance(data["warnings"], list)
    assert standin.calls == 1


def test_plan_with_active_and_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, standin: StandInPredictor
) -> None:
    args = [
        "--active",
        "SAP",
        "--concentration",
        "3 %",
        "--ph",
        "7",
        "--target",
        "20 ug/cm2 viable_epidermis",
    ]
    code, out, err = run(capsys, *plan_args(write(tmp_path, OK_ANSWERS), *args, "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert data["target"]["predicted_ug_per_cm2"] >= 20
    # the stand-in puts half of what crosses the surface at or beyond the viable epidermis: 20 µg/cm²
    # needs 1 mA·min/cm², which 0.05 mA/cm² cannot pass within 20 min once the 30 s ramps are counted
    assert data["current_density_mA_per_cm2"] == 0.1
    layers = data["predicted"]["delivered_ug_per_cm2"]
    assert layers["viable_epidermis"] + layers["dermis"] + layers["cleared"] >= 20


def test_plan_table(capsys: pytest.CaptureFixture[str], tmp_path: Path, standin: StandInPredictor) -> None:
    code, out, _ = run(capsys, *plan_args(write(tmp_path, OK_ANSWERS), "--product", "sap-ampoule"))
    assert code == 0
    assert "iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s" in out
    assert "patch test pending" in out
    # the predicted delivery per layer and the vehicle pH, not only in the JSON
    assert "Predicted delivery, µg/cm² at the end of the step (stand-in" in out
    for layer in ("stratum corneum", "viable epidermis", "dermis", "cleared (blood)", "total"):
        assert layer in out
    assert "Vehicle pH: 7.00 at the start" in out
    assert "Buffer: phosphate 50 mM" in out
    assert "does not serve hydration" in out  # SAP is listed for pigmentation, texture and wrinkles


def test_plan_takes_a_buffer_and_an_active_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, standin: StandInPredictor
) -> None:
    active = Path(__file__).resolve().parents[2] / "examples" / "my_active.toml"
    args = ["--active", str(active), "--concentration", "4 %", "--ph", "6", "--buffer", "citrate 25 mM"]
    code, out, err = run(capsys, *plan_args(write(tmp_path, OK_ANSWERS), *args, "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert data["product"]["name"] == "my_niacinamide 4 %"
    assert data["product"]["buffer"] == "citrate 25 mM"
    assert data["electrode_material"] == "inert"


@pytest.mark.parametrize(
    ("change", "extra", "code", "fragment"),
    [
        ({"pregnant": True}, ["--product", "sap-ampoule"], 1, "screening says stop"),
        ({}, ["--product", "sap-ampoule", "--target", "500 ug/cm2 viable_epidermis"], 1, "binding:"),
        ({}, ["--product", "sap-ampoule", "--target", "20 ug/cm2 skin"], 2, "target layer 'skin'"),
        ({}, ["--product", "expired-ampoule"], 1, "expired"),
        ({}, ["--product", "nope"], 2, "unknown product 'nope'"),
        ({}, [], 2, "give --product NAME"),
        ({}, ["--active", "SAP", "--concentration", "3"], 2, "concentration '3' has no unit"),
        ({}, ["--product", "sap-ampoule", "--cream", "oil-based"], 1, "oil-based massage cream"),
        ({}, ["--product", "sap-ampoule", "--cream", "butter"], 2, "--cream 'butter'"),
        ({}, ["--product", "sap-ampoule", "--buffer", "lemonade 5 mM"], 2, "buffer 'lemonade' is not in"),
        ({}, ["--product", "sap-ampoule", "--electrode-material", "gold"], 2, "--electrode-material 'gold'"),
        ({}, ["--active", "missing.toml", "--concentration", "3 %"], 2, "active file 'missing.toml'"),
    ],
)
def test_plan_refusals_and_bad_input(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    standin: StandInPredictor,
    change: dict[str, object],
    extra: list[str],
    code: int,
    fragment: str,
) -> None:
    got, out, err = run(capsys, *plan_args(write(tmp_path, answers(**change)), *extra, "--json"))
    assert out == ""
    one_line_error(got, err, code, fragment)


def test_plan_unknown_concern(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, standin: StandInPredictor
) -> None:
    argv = ["plan", "--answers", write(tmp_path, OK_ANSWERS), "--concern", "tanning", "--area", "face"]
    code, _, err = run(capsys, *argv, "--product", "sap-ampoule", *TODAY)
    one_line_error(code, err, 2, "unknown concern 'tanning'")


def test_plan_fails_closed_without_the_engine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dermaport.physics", None)
    code, _, err = run(capsys, *plan_args(write(tmp_path, OK_ANSWERS), "--product", "sap-ampoule"))
    one_line_error(code, err, 1, "the transport engine is not installed")


def test_course_json_and_ics(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ics = tmp_path / "course.ics"
    argv = ["course", "--start", "2026-12-01", "--programme", "standard", "--sessions", "8"]
    code, out, err = run(capsys, *argv, "--ics", str(ics), "--json", *TODAY)
    assert code == 0, err
    data = json.loads(out)
    assert len(data["sessions"]) == 8
    assert data["patch_test"] == "2026-11-30T10:00:00"
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    starts = {e.decoded("dtstart").isoformat() for e in calendar.walk("VEVENT")}
    assert set(data["sessions"]) <= starts


def test_course_starts_on_the_earliest_allowed_day_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "course", "--programme", "standard", "--json", *TODAY)
    assert code == 0, err
    data = json.loads(out)
    assert data["sessions"][0] == "2026-11-28T10:00:00"  # the week of pre-care after 2026-11-21
    code, out, err = run(capsys, "course", "--programme", "monthly")  # and on whatever today is
    assert code == 0, err


def test_course_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "course", "--start", "2026-12-01", "--programme", "monthly", *TODAY)
    assert code == 0
    assert "session 3: 2027-02-01 10:00" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--start", "01/12/2026"], "start '01/12/2026' is not an ISO date"),
        (["--start", "2026-12-01", "--programme", "weekly"], "unknown programme 'weekly'"),
        (["--start", "2026-11-22"], "too soon"),
        (["--start", "2026-12-01", "--today", "21/11/2026"], "--today '21/11/2026'"),
    ],
)
def test_course_bad_input_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fragment: str
) -> None:
    ics = tmp_path / "course.ics"
    extra = [] if "--today" in argv else TODAY
    code, _, err = run(capsys, "course", *argv, "--ics", str(ics), *extra)
    one_line_error(code, err, 2, fragment)
    assert not ics.exists()
    assert list(tmp_path.iterdir()) == []


def test_care(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "care", "--area", "face")
    assert code == 0
    assert "After your treatment" in out
    code, out, _ = run(capsys, "care", "--json")
    assert json.loads(out)["after"][0]["source"]
    code, _, err = run(capsys, "care", "--area", "elbow")
    one_line_error(code, err, 2, "unknown area 'elbow'")
