"""``dermaport simulator`` in its own process, driven by ``dermaport run`` over TCP in real time."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests._cli import run

ROOT = Path(__file__).resolve().parents[2]


def test_run_drives_the_served_simulator_through_real_bytes() -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dermaport.cli.main",
            "simulator",
            "--tcp",
            "0",
            "--fault",
            "regulation@0.5 s",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "serving the simulated device" in line
        address = line.split(" on ")[-1].strip()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "dermaport.cli.main",
                "run",
                "--step",
                "iontophoresis anode 1 mA for 1 min",
                "--electrode-area",
                "10 cm2",
                "--device",
                address,
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=10)
    assert result.returncode == 3, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert "regulation" in data["reason"]
    assert data["device"]["protocol"] == "dermaport-line/1"
    assert "stopped" in out


def test_run_drives_the_served_pulse_generator_through_real_bytes() -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dermaport.cli.main",
            "simulator",
            "--tcp",
            "0",
            "--pulse",
            "--fault",
            "arc@2.5 s",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "serving the simulated pulse generator" in line
        address = line.split(" on ")[-1].strip()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "dermaport.cli.main",
                "run",
                "--step",
                "electroporation bipolar 100 V 1 ms x 10 pulses at 1 Hz",
                "--electrode-area",
                "1 cm2",
                "--device",
                address,
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=10)
    assert result.returncode == 3, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert "arc" in data["reason"]
    assert data["device"]["protocol"] == "dermaport-line/2"
    assert data["pulse_count"] <= 3  # the arc comes 2.5 s after the server started, before the run or in it


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "give one of --tcp PORT or --pty"),
        (["--tcp", "0", "--pulse", "--fault", "regulation@1 s"], "pulse generator knows"),
        (["--tcp", "70000"], "outside 0–65535"),
        (["--tcp", "1", "--pty"], "one of"),
    ],
)
def test_simulator_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code, _, err = run(capsys, "simulator", *argv)
    assert code == 2
    assert fragment in err
    assert err.count("\n") == 1
