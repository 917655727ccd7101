"""Plan files into session plans: the plan's own ceilings (skin sensitivity, density, charge) hold
at run time, so a hand-edited plan file cannot deliver more than its plan allowed."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from dermaport.device import Fault, plan_from_file, plan_from_steps
from dermaport.device.faults import FaultSyntaxError, check_fault_times
from dermaport.device.session_plan import MAX_ELECTRODE_AREA_CM2
from dermaport.errors import InputError, SafetyError
from dermaport.planning.digest import plan_document, with_digest
from dermaport.planning.plan import make_plan
from dermaport.planning.products import product_named
from dermaport.planning.standin import StandInPredictor
from dermaport.planning.target import parse_target
from dermaport.safety import screen
from tests.safety.helpers import TODAY, answers


def _plan_json(sensitivity: str = "normal", **kw: Any) -> dict[str, Any]:
    product = kw.pop("product", "sap-ampoule")
    screening = screen(answers(skin_sensitivity=sensitivity), today=TODAY)
    plan = make_plan(
        screening,
        concern=kw.pop("concern", "hydration"),
        area="face",
        product=product_named(product),
        predictor=StandInPredictor(),
        **kw,
    )
    return plan_document(plan, screening)


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _edit(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    steps = [s.replace(old, new) if s.startswith("iontophoresis") else s for s in data["steps"]]
    assert steps != data["steps"], f"{old!r} is in no iontophoresis step of {data['steps']!r}"
    return {**data, "steps": steps}


def test_the_plan_file_records_the_sensitivity_and_its_ceiling() -> None:
    data = _plan_json("sensitive")
    assert data["skin_sensitivity"] == "sensitive"
    assert data["density_ceiling_mA_per_cm2"] == 0.2
    assert data["current_density_mA_per_cm2"] == 0.1
    normal = _plan_json()
    assert (normal["skin_sensitivity"], normal["density_ceiling_mA_per_cm2"]) == ("normal", 0.5)


@pytest.mark.parametrize(
    ("sensitivity", "kw"),
    [
        ("normal", {}),
        ("sensitive", {}),
        ("very_sensitive", {}),
        ("normal", {"product": "niacinamide-ampoule", "concern": "texture_acne"}),  # with desincrustation
        ("normal", {"concern": "texture_acne", "target": parse_target("5 ug/cm2 viable_epidermis")}),
    ],
)
def test_a_plan_file_as_written_runs(tmp_path: Path, sensitivity: str, kw: dict[str, Any]) -> None:
    data = _plan_json(sensitivity, **kw)
    plan = plan_from_file(_write(tmp_path, data))
    assert plan.steps == tuple(data["steps"])
    peak_bound = sum(s.current_mA * s.duration_s / 60 for s in plan.segments)
    assert peak_bound == pytest.approx(data["charge_dose_mA_min"])


def test_a_sensitive_skin_plan_edited_above_its_ceiling_is_refused(tmp_path: Path) -> None:
    data = _edit(_plan_json("sensitive"), "0.1 mA/cm2", "0.4 mA/cm2")
    with pytest.raises(SafetyError, match=r"current density 0\.4 mA/cm² breaks the hard limit 0\.2 mA/cm²"):
        plan_from_file(_write(tmp_path, data))


def test_a_step_edited_above_the_plans_density_is_refused(tmp_path: Path) -> None:
    data = _edit(_plan_json("sensitive"), "0.1 mA/cm2", "0.15 mA/cm2")  # within 0.2, above the plan's
    with pytest.raises(SafetyError, match=r"0\.15 mA/cm² is above the plan's current density 0\.1 mA/cm²"):
        plan_from_file(_write(tmp_path, data))


def test_a_step_edited_to_deliver_more_charge_is_refused(tmp_path: Path) -> None:
    data = _plan_json("sensitive")
    data = _edit(data, "for 4 min", "for 8 min")
    with pytest.raises(SafetyError, match=r"charge dose 8 mA·min is above the plan's 4 mA·min"):
        plan_from_file(_write(tmp_path, data))


def test_a_plan_file_edited_to_another_sensitivity_keeps_the_recorded_ceiling(tmp_path: Path) -> None:
    data = {**_edit(_plan_json("sensitive"), "0.1 mA/cm2", "0.3 mA/cm2"), "skin_sensitivity": "normal"}
    data["current_density_mA_per_cm2"] = 0.3
    data["charge_dose_mA_min"] = 100.0
    with pytest.raises(SafetyError, match=r"0\.3 mA/cm² is above the plan's density ceiling 0\.2 mA/cm²"):
        plan_from_file(_write(tmp_path, data))


def test_a_plan_file_edited_within_every_ceiling_is_refused_by_its_digest(tmp_path: Path) -> None:
    data = _edit(_plan_json(), "for 6 min", "for 5 min")  # less than planned: still an edit
    with pytest.raises(SafetyError, match=r"was edited after dermaport plan wrote it"):
        plan_from_file(_write(tmp_path, data))
    data = {**_plan_json(), "warnings": []}
    with pytest.raises(SafetyError, match=r"no\s+longer matches its digest"):
        plan_from_file(_write(tmp_path, data))


def test_a_step_whose_polarity_contradicts_the_plans_electrode_is_refused(tmp_path: Path) -> None:
    data = _plan_json()
    assert data["electrode"] == "cathode"
    flipped = with_digest(_edit(data, "cathode", "anode"))  # even with a recomputed digest
    with pytest.raises(SafetyError, match=r"delivers from the anode, but plan .* under the cathode"):
        plan_from_file(_write(tmp_path, flipped))


def test_a_plan_file_without_its_digest_is_refused(tmp_path: Path) -> None:
    data = {k: v for k, v in _plan_json().items() if k != "digest"}
    with pytest.raises(InputError, match=r"does not record its 'digest': re-create it"):
        plan_from_file(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"skin_sensitivity": None}, "does not record 'skin_sensitivity'"),
        (
            {"skin_sensitivity": "thick"},
            "skin_sensitivity 'thick' is not one of normal, sensitive, very_sensitive",
        ),
        ({"density_ceiling_mA_per_cm2": None}, "does not record 'density_ceiling_mA_per_cm2'"),
        ({"charge_dose_mA_min": "lots"}, "charge_dose_mA_min 'lots' is not a number"),
        ({"current_density_mA_per_cm2": float("nan")}, "current_density_mA_per_cm2 nan is not a number"),
    ],
)
def test_a_plan_file_without_its_ceilings_is_refused(
    tmp_path: Path, change: dict[str, Any], fragment: str
) -> None:
    data = {**_plan_json(), **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(InputError, match="re-create it with: dermaport plan") as info:
        plan_from_file(_write(tmp_path, data))
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("area", "fragment"),
    [
        (math.inf, "electrode area inf cm² is not a finite number: e.g. --electrode-area '10 cm2'"),
        (math.nan, "electrode area nan cm² is not a finite number: e.g. --electrode-area '10 cm2'"),
        (-3.0000000000000004, "electrode area -3 cm² must be above zero: e.g. --electrode-area '10 cm2'"),
        (0.0, "electrode area 0 cm² must be above zero"),
        (
            MAX_ELECTRODE_AREA_CM2 * 1.5,
            f"electrode area 300 cm² is larger than the largest pad, {MAX_ELECTRODE_AREA_CM2:g} cm²: e.g.",
        ),
    ],
)
def test_a_bad_electrode_area_is_named(area: float, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        plan_from_steps(["iontophoresis anode 1 mA for 3 min"], electrode_area_cm2=area)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_a_plan_file_with_an_infinite_area_is_refused(tmp_path: Path) -> None:
    data = {**_plan_json(), "electrode_area_cm2": math.inf}
    with pytest.raises(InputError, match="electrode area inf cm² is not a finite number"):
        plan_from_file(_write(tmp_path, data))


def test_a_fault_after_the_plans_end_is_refused() -> None:
    plan = plan_from_steps(
        ["iontophoresis anode 1 mA for 3 min", "rest for 1 min", "desincrustation 1 mA for 2 min"],
        electrode_area_cm2=10,
    )
    assert plan.duration_s == 300.0
    check_fault_times([Fault("contact-loss", 0.0), Fault("regulation", 300.0)], plan)
    with pytest.raises(FaultSyntaxError) as info:
        check_fault_times([Fault("contact-loss", 10.0), Fault("comm-loss", 3600.0)], plan)
    message = str(info.value)
    assert "fault comm-loss@3600 s is after the plan's end: it lasts 300 s" in message
    assert "e.g. --fault 'contact-loss@2 min'" in message
    assert "\n" not in message
