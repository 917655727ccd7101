"""``dermaport run``: the JSON contract, exit codes, a plan file from ``dermaport plan``, one-line errors."""

from __future__ import annotations

import json
import os
import pty
import signal
import termios
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dermaport.cli.run import EXIT_FAILED, EXIT_STOPPED, _Keys, _run_with_ctrl_c
from dermaport.device import FakeClock, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device.electrical import skin_load
from dermaport.planning.standin import StandInPredictor
from tests._cli import one_line_error, run
from tests.safety.helpers import OK_ANSWERS

STEP = "iontophoresis anode 0.2 mA/cm2 for 3 min ramp 30 s"
AREA = ["--electrode-area", "10 cm2"]


def test_run_json_contract_of_a_complete_session(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "run", "--step", STEP, *AREA, "--device", "sim", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "complete"
    assert data["reason"]
    assert data["planned_dose_mA_min"] == pytest.approx(5.0)
    assert data["charge_dose_mA_min"] == pytest.approx(5.0, rel=0.01)
    assert data["fault_at_s"] is None
    timeline = data["timeline"]
    assert data["output_off_at_s"] == pytest.approx(timeline["time_s"][-1])
    assert all(set(e) == {"t_s", "kind", "detail"} for e in data["events"])
    assert set(timeline) == {"time_s", "set_current_mA", "current_mA", "voltage_V", "impedance_ohm", "state"}
    assert len({len(column) for column in timeline.values()}) == 1  # one entry per reading in each
    assert timeline["state"][100] == "ramp_up"
    assert timeline["impedance_ohm"][100] == pytest.approx(1000.0, rel=0.05)  # 8 kΩ·cm² / 10 cm² + 200 Ω


def test_run_with_a_fault_exits_non_zero_and_says_when_the_output_went_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "run", "--step", STEP, *AREA, "--fault", "impedance-rise@90 s", "--json")
    assert code == EXIT_FAILED
    data = json.loads(out)
    assert data["status"] == "failed"
    assert "impedance rose" in data["reason"]
    assert data["fault_at_s"] == pytest.approx(90.0)
    assert data["output_off_at_s"] == pytest.approx(90.0)
    assert any(e["kind"] == "fault" for e in data["events"])


def test_run_live_view_prints_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", "--step", STEP, *AREA, "--fault", "device-reset@1 min")
    assert code == EXIT_FAILED
    assert "failed: device reset" in out
    assert "dose" in out
    assert "impedance" in out


def test_run_takes_the_file_dermaport_plan_writes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    predictor = StandInPredictor()
    monkeypatch.setattr("dermaport.cli.plan.default_predictor", lambda: predictor)
    answers = tmp_path / "client.json"
    answers.write_text(json.dumps(OK_ANSWERS))
    argv = ["plan", "--answers", str(answers), "--concern", "hydration", "--area", "face"]
    code, out, err = run(capsys, *argv, "--product", "sap-ampoule", "--json", "--today", "2026-11-21")
    assert code == 0, err
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(out)
    plan = json.loads(out)
    code, out, err = run(capsys, "run", "--plan", str(plan_file), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "complete"
    ramps_s = 30.0 * sum(1 for s in plan["steps"] if " mA" in s)
    bound = plan["charge_dose_mA_min"]  # the plan's bound counts the peak current throughout
    assert bound - plan["current_mA"] * ramps_s / 60 - 1e-6 <= data["planned_dose_mA_min"] < bound
    assert data["charge_dose_mA_min"] == pytest.approx(data["planned_dose_mA_min"], rel=0.01)
    skipped = [e["detail"]["step"] for e in data["events"] if e["kind"] == "step_skipped"]
    assert skipped == [s for s in plan["steps"] if " mA" not in s]


def test_run_holds_a_hand_edited_plan_file_to_its_skin_sensitivity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    predictor = StandInPredictor()
    monkeypatch.setattr("dermaport.cli.plan.default_predictor", lambda: predictor)
    answers = tmp_path / "client.json"
    answers.write_text(json.dumps({**OK_ANSWERS, "skin_sensitivity": "sensitive"}))
    argv = ["plan", "--answers", str(answers), "--concern", "hydration", "--area", "face"]
    code, out, err = run(capsys, *argv, "--product", "sap-ampoule", "--json", "--today", "2026-11-21")
    assert code == 0, err
    plan = json.loads(out)
    assert "iontophoresis cathode 0.1 mA/cm2 for 4 min ramp 30 s" in plan["steps"]
    plan["steps"] = [s.replace("0.1 mA/cm2", "0.4 mA/cm2") for s in plan["steps"]]
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    got, _, err = run(capsys, "run", "--plan", str(plan_file), "--json")
    one_line_error(got, err, 1, "current density 0.4 mA/cm² breaks the hard limit 0.2 mA/cm²")


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (["--step", STEP, "--fault", "sparks@3 s"], 2, "fault kind 'sparks' is not one of contact-loss"),
        (["--step", STEP, "--fault", "contact-loss@soon"], 2, "fault time 'soon'"),
        (["--step", STEP, "--fault", "contact-loss"], 2, "is not KIND@TIME: e.g. --fault 'contact-loss@"),
        (["--step", STEP, "--fault", "contact-loss@-1 s"], 2, "before the start"),
        (["--step", STEP, *AREA, "--fault", "contact-loss@1 h"], 2, "is after the plan's end: it lasts 180"),
        (["--step", STEP, "--electrode-area", "10 cm"], 2, "'10 cm' is not an area"),
        (["--step", "iontophoresis anode 5 mA for 3 min", *AREA], 1, "current 5 mA breaks the hard limit"),
        (["--step", "iontophoresis anode 0.8 mA/cm2 for 3 min", *AREA], 1, "current density 0.8 mA/cm²"),
        (["--step", "iontophoresis anode 2 mA for 3 min ramp 5 s", *AREA], 1, "ramp 5 s breaks"),
        (["--step", "rest for 3 min", *AREA], 2, "no current step"),
        ([*AREA], 2, "give --plan FILE or --step STEP"),
        (["--step", STEP, *AREA, "--device", "tcp:1234"], 2, "device address 'tcp:1234'"),
        (["--step", STEP, *AREA, "--device", "tcp:1234"], 2, "e.g. --device socket://127.0.0.1:7700"),
        (
            ["--step", STEP, *AREA, "--device", "bogus://x"],
            2,
            "scheme 'bogus' in 'bogus://x' is not one of sim",
        ),
        (["--step", STEP, *AREA, "--device", "bogus://x"], 2, "e.g. --device socket://127.0.0.1:7700"),
        (["--step", STEP, "--electrode-area", "-3 cm2"], 2, "electrode area -3 cm² must be above zero"),
        (["--step", STEP, "--electrode-area", "1e9 cm2"], 2, "electrode area 1e+09 cm² is larger than"),
        (["--step", STEP, *AREA, "--device", "socket://127.0.0.1:1", "--fault", "regulation@1"], 2, "sim"),
    ],
)
def test_run_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, fragment: str
) -> None:
    got, _, err = run(capsys, "run", *argv, "--json")
    one_line_error(got, err, code, fragment)


def test_run_density_step_without_an_area_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    got, _, err = run(capsys, "run", "--step", STEP, "--json")
    one_line_error(got, err, 2, "needs the electrode area to check the current density: e.g. --electrode")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot be read"),
        ("{not json", "is not JSON"),
        ('{"electrode": "anode"}', "has no 'steps' list of strings"),
        ('{"steps": ["iontophoresis anode 2 mA for 3 min"], "electrode_area_cm2": "big"}', "is not a number"),
        (
            '{"steps": ["iontophoresis anode 2 mA for 3 min"], "electrode_area_cm2": 10}',
            "does not record 'skin_sensitivity': re-create it with: dermaport plan",
        ),
    ],
)
def test_run_bad_plan_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, fragment: str
) -> None:
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content)
    got, _, err = run(capsys, "run", "--plan", str(path), "--json")
    one_line_error(got, err, 2, fragment)


def test_run_plan_and_steps_together_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    got, _, err = run(capsys, "run", "--plan", str(tmp_path / "p.json"), "--step", STEP, "--json")
    one_line_error(got, err, 2, "not both")


def _runner_with_interrupts(times: list[float]) -> tuple[SessionRunner, SimulatedDevice]:
    clock = FakeClock()
    device = SimulatedDevice(skin_load(10), clock=clock)
    runner = SessionRunner(device, plan_from_steps([STEP], electrode_area_cm2=10), clock=clock)
    pending = list(times)

    def press_ctrl_c(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and pending and document["time_s"] >= pending[0]:
            pending.pop(0)
            os.kill(os.getpid(), signal.SIGINT)

    runner.subscribe(press_ctrl_c)
    return runner, device


def test_ctrl_c_asks_for_a_ramped_stop() -> None:
    runner, device = _runner_with_interrupts([40.0])
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a background job, Python's handler otherwise
    result = _run_with_ctrl_c(runner)
    assert result.status == "stopped"
    assert [s for _, s in result.states][-2:] == ["ramp_down", "stopped"]
    assert not device.output_is_on()
    assert signal.getsignal(signal.SIGINT) == before  # restored to what it was


def test_a_second_ctrl_c_interrupts_with_the_output_off() -> None:
    runner, device = _runner_with_interrupts([40.0, 45.0])
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        _run_with_ctrl_c(runner)
    assert not device.output_is_on()
    assert signal.getsignal(signal.SIGINT) == before


HOLD_STEPS = ["--step", "desincrustation 1 mA for 2 min", "--step", "iontophoresis anode 1.5 mA for 2 min"]


def test_a_hold_without_a_terminal_stops_the_session_naming_the_hold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "run", *HOLD_STEPS, *AREA, "--json")
    assert code == EXIT_STOPPED
    data = json.loads(out)
    assert data["status"] == "stopped"
    assert data["reason"].startswith("hold before step 2: wipe the skin, apply the ampoule")
    assert "no terminal to confirm it at" in data["reason"]
    steps = [e["detail"] for e in data["events"] if e["kind"] == "step"]
    assert [(s["kind"], s["polarity"], s["solution"]) for s in steps] == [
        ("desincrustation", "cathode", "desincrustation solution (saline)")
    ]
    assert "hold" in data["timeline"]["state"]
    assert data["charge_dose_mA_min"] == pytest.approx(1.5, rel=0.01)  # the second step never started


def test_confirm_holds_runs_both_steps_on_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "run", *HOLD_STEPS, *AREA, "--json", "--confirm-holds")
    assert code == 0, err
    data = json.loads(out)
    kinds = [e["kind"] for e in data["events"]]
    assert kinds.index("hold") < kinds.index("hold_confirmed")
    assert "confirmed in advance (--confirm-holds)" in err
    assert data["charge_dose_mA_min"] == pytest.approx(1.5 + 2.25, rel=0.01)


def test_the_live_view_shows_each_steps_polarity_and_solution(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", *HOLD_STEPS, *AREA, "--confirm-holds")
    assert code == 0
    assert "iontophoresis under the anode, the product (ampoule)" in out
    assert "complete: plan delivered" in out


def test_confirm_holds_is_refused_on_a_real_device(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", *HOLD_STEPS, *AREA, "--device", "socket://127.0.0.1:1", "--confirm-holds", "--json"]
    got, _, err = run(capsys, *argv)
    one_line_error(got, err, 2, "--confirm-holds works only with --device sim")


class _Presses:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.seen = threading.Event()

    def __getattr__(self, action: str) -> Any:
        def press() -> None:
            self.calls.append(action)
            self.seen.set()

        return press


def test_keys_at_a_terminal_pause_resume_stop_and_confirm(monkeypatch: pytest.MonkeyPatch) -> None:
    master, slave = pty.openpty()
    with os.fdopen(slave, "r") as terminal:
        monkeypatch.setattr("sys.stdin", terminal)
        before = termios.tcgetattr(slave)
        presses = _Presses()
        keys = _Keys(presses)  # type: ignore[arg-type]
        with keys.reading():
            assert not termios.tcgetattr(slave)[3] & termios.ICANON  # cbreak: no Enter needed
            for key in (b"p", b"r", b"x", b"\n", b"S"):
                presses.seen.clear()
                os.write(master, key)
                if key != b"x":
                    assert presses.seen.wait(10.0)
        assert termios.tcgetattr(slave) == before  # the terminal restored
    os.close(master)
    assert presses.calls == ["pause", "resume", "confirm", "stop"]
