"""The command line: contract JSON, readable tables, one-line errors for bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._cli import run

CONTRACT_FIELDS = (
    "name", "mw_g_per_mol", "mean_charge", "charge_fractions", "electrode",
    "electromigration_negligible", "suitable", "reason", "citations",
)  # fmt: skip


def test_actives_list_json_has_40_entries_with_every_contract_field(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "actives", "list", "--json")
    assert code == 0
    entries = json.loads(out)
    assert len(entries) >= 40
    for entry in entries:
        for field in CONTRACT_FIELDS:
            assert field in entry, (entry["name"], field)
        assert entry["citations"], entry["name"]
        assert entry["ph"] == 5.5
        assert entry["electrode"] in ("anode", "cathode", None)
        assert (entry["electrode"] is None) == (not entry["suitable"])


def test_actives_list_respects_ph(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "actives", "list", "--ph", "7", "--json", "--category", "ion")
    entries = json.loads(out)
    assert {e["ph"] for e in entries} == {7.0}
    assert {e["category"] for e in entries} == {"ion"}


def test_actives_show_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "actives", "show", "Nicotinamide", "--ph", "5.5", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "niacinamide"
    assert data["electrode"] == "anode"
    assert set(data["charge_fractions"]) == {"0", "+1"}
    assert isinstance(data["electromigration_negligible"], bool)


def test_actives_show_table_explains_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "actives", "show", "niacinamide", "--ph", "6")
    assert code == 0
    assert "Charge states at pH 6" in out
    assert "Electrode:" in out
    assert "Sources" in out


def test_actives_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "actives", "list")
    assert code == 0
    assert "Actives at pH 5.5" in out
    assert "Ascorbic acid" in out
    assert "cathode −" in out
    assert "anode +" in out
    assert "too large" in out


def test_skin_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "skin", "list")
    assert code == 0
    assert "porcine_ear" in out
    code, out, _ = run(capsys, "skin", "show", "face", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "human_face"
    assert data["parameters"]["isoelectric_point"]["value"] == pytest.approx(4.8)
    assert data["citations"]


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["actives", "show", "niacinamid"], ["'niacinamid'", "niacinamide"]),
        (["actives", "show", "niacinamide", "--ph", "15"], ["'15'", "0–14", "5.5"]),
        (["actives", "show", "niacinamide", "--ph", "acid"], ["'acid'", "5.5"]),
        (["actives", "list", "--ph", "-1"], ["'-1'", "5.5"]),
        (["actives", "list", "--category", "potion"], ["'potion'", "mesotherapy"]),
        (["actives", "list", "--concern", "baldness"], ["'baldness'", "hair_loss"]),
        (["actives", "show", "niacinamide", "--skin", "elbow"], ["'elbow'"]),
        (["actives", "show", "./no/such/active.toml"], ["'./no/such/active.toml'", "niacinamide"]),
        (["skin", "show", "forehed"], ["'forehed'"]),
        (["actives", "show", "niacinamide", "--concentration", "5"], ["'5'", "'3 %'"]),
        (["actives", "show", "niacinamide", "--concentration", "5 mA/cm2"], ["'5 mA/cm2'", "'25 mM'"]),
        (["actives", "show", "niacinamide", "--bogus"], ["--bogus"]),
        (["actives", "frobnicate"], ["frobnicate"]),
    ],
)
def test_bad_input_gets_one_line_and_a_nonzero_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_malformed_active_file_names_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "mine.toml"
    file.write_text('name = "mine"\ndisplay_name = "Mine"\ncategory = "reference"\n', encoding="utf-8")
    code, _, err = run(capsys, "actives", "show", str(file))
    assert code != 0
    assert str(file) in err
    assert "mw_g_per_mol" in err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "actives" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("dermaport ")


def test_installed_console_script_prints_no_traceback() -> None:
    script = shutil.which("dermaport", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run(
        [script, "actives", "show", "unobtainium", "--ph", "5.5"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: unknown active 'unobtainium'")
    assert "Traceback" not in done.stderr


def test_concentration_converts_to_molar_and_charge(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "actives", "show", "niacinamide", "--concentration", "5 %", "--json")
    assert code == 0
    data = json.loads(out)["concentration"]
    # 5 % w/v = 50 mg/mL; / 122.12 g/mol = 409.43 mM.
    assert data["molar_mM"] == pytest.approx(50 / 122.12 * 1000, rel=1e-6)
    assert data["mass_mg_per_ml"] == pytest.approx(50.0)
