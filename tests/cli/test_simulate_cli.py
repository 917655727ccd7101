"""``dermaport simulate``: the JSON contract, the plot, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests._cli import run

BASE = ("simulate", "SAP", "--concentration", "3 %", "--vehicle-ph", "7")


def test_json_has_every_contract_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "run.png"
    code, out, err = run(
        capsys, *BASE, "--step", "iontophoresis cathode 0.3 mA/cm2 for 3 min ramp 30 s",
        "--observe", "10 min", "--json", "--plot", str(png),
    )  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    for key in (
        "applied_ug_per_cm2", "vehicle_remaining_ug_per_cm2", "total_delivered_ug_per_cm2",
        "mean_flux_ug_per_cm2_h", "transport_number", "volume_flow_uL_per_cm2_h", "charge_dose_mA_min",
        "vehicle_ph_min", "vehicle_ph_max", "vehicle_ph_end", "kp_passive_cm_per_h", "penetration_depth_um",
    ):  # fmt: skip
        assert key in d, key
    parts = d["delivered_ug_per_cm2"]  # the four contract keys, and the subcutis so the parts sum
    assert set(parts) == {"stratum_corneum", "viable_epidermis", "dermis", "cleared", "subcutis"}
    assert sum(parts.values()) == pytest.approx(d["total_delivered_ug_per_cm2"], rel=1e-6)
    assert set(d["profile"]) == {"depth_um", "concentration_ug_per_cm3"}
    assert set(d["timeline"]) == {"time_s", "current_mA", "voltage_V", "flux_ug_per_cm2_h", "vehicle_ph"}
    assert len(d["profile"]["depth_um"]) == len(d["profile"]["concentration_ug_per_cm3"])
    assert d["charge_dose_mA_min"] == pytest.approx(0.3 * 10 * 2.5, rel=1e-6)  # 10 cm², ramps of 30 s
    assert 0 < d["transport_number"] <= 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pulse_run_json_figures_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "pulses.png"
    code, out, err = run(
        capsys, *BASE, "--step", "electroporation 100 V 1 ms x 20 pulses at 1 Hz cathode",
        "--step", "passive for 1 min", "--observe", "10 min", "--json", "--plot", str(png),
    )  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert d["pulse_count"] == 20
    assert 0 < d["sc_resistance_min_ratio"] < d["sc_resistance_end_ratio"] <= 1
    assert 0 < d["ltr_area_fraction_max"] <= 1e-5
    assert d["peak_temperature_rise_K"] > 0
    assert len(d["timeline"]["sc_resistance_ohm_cm2"]) == len(d["timeline"]["time_s"])
    assert d["steps"][0] == "electroporation 100 V 1 ms x 20 pulses at 1 Hz cathode"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_in_vitro_reports_a_receptor_and_passive_has_no_transport_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("simulate", "niacinamide", "--concentration", "5 %", "--step", "passive for 20 min")
    code, out, _ = run(capsys, *args, "--in-vitro", "--json")
    assert code == 0
    d = json.loads(out)
    assert "receptor" in d["delivered_ug_per_cm2"]
    assert d["transport_number"] is None
    assert d["volume_flow_uL_per_cm2_h"] is None


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, *BASE, "--step", "iontophoresis cathode 0.3 mA/cm2 for 2 min", "--electrode", "ag-agcl"
    )
    assert code == 0
    assert "viable epidermis" in out
    assert "transport number" in out


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (("--step", "dance for 3 min"), "unknown step 'dance'"),
        (("--step", "passive for -3 min"), "must be above zero"),
        (("--step", "iontophoresis anode 2 mA for 10 min"), "--electrode-area"),
        (("--step", "passive for 3 min", "--vehicle-ph", "15"), "outside 0–14"),
        (("--step", "passive for 3 min", "--electrode", "gold"), "e.g. --electrode ag-agcl"),
        (("--step", "passive for 3 min", "--background", "NaBr 10 mM"), "NaCl"),
        (("--step", "passive for 3 min", "--buffer", "phosphate 10"), "phosphate 10 mM"),
        (("--step", "passive for 3 min", "--plot", "out.jpg"), ".png"),
        (("--step", "passive for 3 min", "--buffer", "tris 10 mM"), "buffer 'tris' is not in the library"),
        (("--step", "passive for 3 min", "--vehicle-volume", "0 uL/cm2"), "e.g. '20 uL/cm2'"),
        (("--step", "passive for 3 min", "--observe", "-1 h"), "e.g. '1 h'"),
    ],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], needle: str
) -> None:
    code, out, err = run(capsys, *BASE, *extra)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert needle in err
