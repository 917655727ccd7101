"""Sessions from the command line: plan --client, run --client --plan-id, sessions list/show; a killed run.

The clients are made ready through the API (``tests.web.flow``); the commands then run on the
same database, in this process (on a fake clock) or in a child process killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import dermaport.sessions
from dermaport.planning.standin import StandInPredictor
from dermaport.records.database import Database
from dermaport.records.documents import verify_session_digests
from dermaport.records.models import SessionDocument, TreatmentSession
from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS
from dermaport.sessions import SessionService, SimulatedDevices
from dermaport.web import create_app
from tests._cli import one_line_error
from tests.safety.helpers import OK_ANSWERS
from tests.web.conftest import PASSWORD, Api
from tests.web.flow import ready_client

ROOT = Path(__file__).resolve().parents[2]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> tuple[int, str, str]:
    from dermaport.cli import main

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", __import__("io").StringIO(stdin))
        code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fast_cli(monkeypatch: pytest.MonkeyPatch, api: Api) -> None:
    """The commands' sessions at 2 readings a second on the fake-clock simulator; plans by the stand-in."""

    def service(database: Database, **_: Any) -> SessionService:
        return SessionService(database, devices=SimulatedDevices(speed=None, watchdog_s=1.0), period_s=0.5)

    monkeypatch.setattr(dermaport.sessions, "SessionService", service)
    monkeypatch.setattr("dermaport.cli.plan.default_predictor", StandInPredictor)
    monkeypatch.setenv("DERMAPORT_DATA_DIR", str(api.database.settings.data_dir))


def _run_recorded(capsys: pytest.CaptureFixture[str], api: Api, client_id: int, plan_id: int) -> Any:
    """``run --client … --plan-id … --json`` as the practitioner; its JSON (exit 0 asserted)."""
    code, out, err = _cli(
        capsys,
        "run",
        "--client",
        str(client_id),
        "--plan-id",
        str(plan_id),
        "--user",
        "practitioner",
        "--password-stdin",
        "--database-url",
        api.database.url,
        "--json",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, err
    return json.loads(out)


def test_plan_run_list_show_from_the_command_line(
    api: Api, fast_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ready = ready_client(api)
    url = ["--database-url", api.database.url]
    who = ["--user", "practitioner", "--password-stdin"]
    area = ["--concern", "hydration", "--area", "face", "--product", "sap-ampoule"]
    code, out, err = _cli(
        capsys, "plan", "--client", str(ready.client_id), *area, *who, *url, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    assert out.startswith("Plan ")
    plan_id = int(out.split()[1])
    result = _run_recorded(capsys, api, ready.client_id, plan_id)
    assert (result["status"], result["plan_id"], result["lot_id"]) == ("complete", plan_id, ready.lot_id)
    code, out, err = _cli(capsys, "sessions", "list", "--client", str(ready.client_id), "--json", *url)
    assert code == 0, err
    listed = json.loads(out)
    assert [(s["id"], s["status"], s["plan_id"]) for s in listed] == [
        (result["session_id"], "complete", plan_id)
    ]
    code, out, err = _cli(capsys, "sessions", "show", str(result["session_id"]), "--json", *url)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["charge_dose_mA_min"] == pytest.approx(result["charge_dose_mA_min"])
    assert len(shown["telemetry"]["readings"]) == len(result["timeline"]["time_s"])
    code, out, err = _cli(capsys, "sessions", "show", str(result["session_id"]), *url)
    assert code == 0, err
    assert "complete" in out


def test_a_pulse_plan_for_a_client_on_record_from_the_command_line_runs_its_pulses(
    api: Api, fast_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ready = ready_client(api, answers={**OK_ANSWERS, **{q.id: False for q in PULSE_QUESTIONS}})
    url = ["--database-url", api.database.url]
    who = ["--user", "practitioner", "--password-stdin"]
    asked = ["--concern", "pigmentation", "--area", "face", "--product", "sap-ampoule"]
    pulses = ["--pulses", "electroporation 80 V 1 ms pulses at 0.5 Hz for 1 min"]
    code, out, err = _cli(
        capsys, "plan", "--client", str(ready.client_id), *asked, *pulses, *who, *url, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    assert "electroporation 80 V 1 ms pulses at 0.5 Hz for 1 min" in out
    plan_id = int(out.split()[1])
    result = _run_recorded(capsys, api, ready.client_id, plan_id)
    assert result["status"] == "complete", result
    assert result["pulse_count"] == 30


def test_a_run_for_a_client_needs_a_signed_in_user_and_refuses_what_the_checks_refuse(
    api: Api, fast_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ready = ready_client(api, consent=False)
    base = [
        "run",
        "--client",
        str(ready.client_id),
        "--plan-id",
        str(ready.plan["id"]),
        "--database-url",
        api.database.url,
    ]
    code, _, err = _cli(capsys, *base)
    one_line_error(code, err, 2, "give --user NAME")
    code, _, err = _cli(capsys, *base, "--user", "practitioner", "--password-stdin", stdin="wrong password\n")
    one_line_error(code, err, 1, "unknown username or wrong password")
    code, _, err = _cli(capsys, *base, "--user", "practitioner", "--password-stdin", stdin=PASSWORD + "\n")
    one_line_error(code, err, 1, "refused: no signed consent covers this treatment")
    with api.database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(TreatmentSession)) == 0


def test_sigkill_during_a_recorded_run_loses_no_reading_and_serve_marks_it_interrupted(
    api: Api, tmp_path: Path
) -> None:
    ready = ready_client(api)
    argv = [
        sys.executable,
        "-c",
        "import sys; from dermaport.cli import main; sys.exit(main(sys.argv[1:]))",
        "run",
        "--client",
        str(ready.client_id),
        "--plan-id",
        str(ready.plan["id"]),
        "--lot",
        str(ready.lot_id),
        "--user",
        "practitioner",
        "--password-stdin",
        "--json",
        "--database-url",
        api.database.url,
    ]
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(tmp_path / "data")}
    with subprocess.Popen(
        argv,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        assert process.stdin is not None
        process.stdin.write(PASSWORD + "\n")
        process.stdin.close()
        deadline = time.monotonic() + 60
        readings = 0
        while readings < 40 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            with api.database.transaction() as db:
                readings = db.scalar(select(func.count()).where(SessionDocument.name == "reading")) or 0
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        errors = process.stderr.read() if process.stderr else ""
    assert process.returncode == -signal.SIGKILL, errors
    with api.database.transaction() as db:
        session = db.scalars(select(TreatmentSession)).one()
        assert session.status == "running"
        seqs = db.scalars(
            select(SessionDocument.seq)
            .where(SessionDocument.session_id == session.id)
            .order_by(SessionDocument.seq)
        ).all()
        stored = db.scalar(
            select(func.count()).where(
                SessionDocument.session_id == session.id, SessionDocument.name == "reading"
            )
        )
    assert stored is not None
    assert stored >= 40
    assert list(seqs) == list(range(len(seqs)))  # every document up to the last committed one: none lost
    create_app(api.database.settings, database=api.database)  # what `dermaport serve` does when it starts
    with api.database.transaction() as db:
        after = db.get(TreatmentSession, session.id)
        assert after is not None
        assert after.status == "interrupted"
        assert "no stop document" in after.reason
        assert verify_session_digests(db) == []
