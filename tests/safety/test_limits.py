"""Hard limits: constants no request can raise; every breach is named."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermaport.errors import SafetyError
from dermaport.safety import limits
from dermaport.safety.keep_out import AREA_PLACEMENTS, Placement, Site, check_path
from dermaport.safety.limits import (
    CurrentSetting,
    LimitError,
    check_setting,
    check_vehicle_ph,
    density_ceiling,
)
from dermaport.safety.patch_test import PatchTest, patch_test_status


def test_the_constants_are_the_sources_numbers() -> None:
    assert limits.MAX_CURRENT_DENSITY_MA_PER_CM2 == 0.5  # iontophoresis review
    assert limits.MAX_CURRENT_MA == 4.0  # ActivaDose II
    assert limits.MAX_CHARGE_DOSE_MA_MIN == 80.0  # ActivaDose II, Dupel
    assert limits.MIN_RAMP_S == 30.0  # IontoDC
    assert (limits.VEHICLE_PH_MIN, limits.VEHICLE_PH_MAX) == (4.0, 8.0)  # 21 CFR 890.5525
    assert limits.SENSITIVITY_DENSITY_MA_PER_CM2["very_sensitive"] == 0.1  # gbo


@given(st.sampled_from([None, "normal", "sensitive", "very_sensitive", "unknown"]), st.floats(0, 100))
def test_a_request_never_raises_the_ceiling(sensitivity: str | None, requested: float) -> None:
    ceiling = density_ceiling(sensitivity, requested)
    assert ceiling <= limits.MAX_CURRENT_DENSITY_MA_PER_CM2
    assert ceiling <= requested


def test_unknown_sensitivity_takes_the_strictest() -> None:
    assert density_ceiling(None) == 0.1


@pytest.mark.parametrize(
    ("setting", "limit"),
    [
        (CurrentSetting(0.6, 5, 300, 30), "current density"),
        (CurrentSetting(0.4, 20, 300, 30), "current"),
        (CurrentSetting(0.3, 10, 300, 10), "ramp"),
        (CurrentSetting(0.3, 10, 30 * 60, 30), "treatment time"),
    ],
)
def test_each_breach_is_named(setting: CurrentSetting, limit: str) -> None:
    breaches = check_setting((setting,))
    assert limit in [b.limit for b in breaches]
    with pytest.raises(LimitError, match=limit) as info:
        limits.enforce(breaches)
    assert isinstance(info.value, SafetyError)
    assert all(b.source for b in breaches)


def test_charge_dose_sums_the_session() -> None:
    step = CurrentSetting(0.4, 10, 1200, 30)  # 4 mA x 20 min = 80 mA·min
    assert check_setting((step,)) == ()
    assert [b.limit for b in check_setting((step, CurrentSetting(0.1, 10, 120, 30)))] == ["charge dose"]


def test_sensitive_skin_lowers_density() -> None:
    assert [b.limit for b in check_setting((CurrentSetting(0.3, 10, 300, 30),), sensitivity="sensitive")] == [
        "current density"
    ]


def test_not_a_number_is_a_breach() -> None:
    assert check_setting((CurrentSetting(float("nan"), 10, 300, 30),))
    assert check_vehicle_ph(float("nan"), 7.0)


@pytest.mark.parametrize(("low", "high", "ok"), [(4.0, 8.0, True), (3.9, 7, False), (5, 8.1, False)])
def test_vehicle_ph_window(low: float, high: float, ok: bool) -> None:
    assert (check_vehicle_ph(low, high) == ()) is ok


def test_planned_placements_keep_out_except_decollete() -> None:
    for area, placement in AREA_PLACEMENTS.items():
        if area == "decollete":
            with pytest.raises(SafetyError, match="keep-out site chest"):
                check_path(placement)
        else:
            check_path(placement)


@pytest.mark.parametrize(
    ("active", "ret", "fragment"),
    [
        (Site("orbit", "head", "right"), Site("upper_arm", "arm", "right"), "orbit"),
        (Site("front_of_neck", "neck", "midline"), Site("upper_arm", "arm", "right"), "front of neck"),
        (Site("face", "head", "left"), Site("face", "head", "right"), "across the head"),
        (Site("upper_arm", "arm", "left"), Site("upper_arm", "arm", "right"), "across the chest"),
    ],
)
def test_keep_out_paths(active: Site, ret: Site, fragment: str) -> None:
    with pytest.raises(SafetyError, match=fragment):
        check_path(Placement(active, ret, ""))


T0 = dt.datetime(2026, 11, 20, 10, 0)


def test_patch_test_needs_a_negative_result_24_h_old() -> None:
    at = T0 + dt.timedelta(hours=24)
    assert not patch_test_status([], product="SAP ampoule", at=at).may_start
    negative = PatchTest("SAP ampoule", T0, "negative")
    assert patch_test_status([negative], product="sap ampoule", at=at).may_start
    assert not patch_test_status([negative], product="SAP ampoule", at=at - dt.timedelta(minutes=1)).may_start
    assert not patch_test_status([PatchTest("SAP ampoule", T0, None)], product="SAP ampoule", at=at).may_start
    positive = PatchTest("SAP ampoule", T0, "positive")
    assert "positive" in patch_test_status([negative, positive], product="SAP ampoule", at=at).reason


def test_a_new_product_needs_a_new_patch_test() -> None:
    negative = PatchTest("SAP ampoule", T0, "negative")
    status = patch_test_status([negative], product="TXA gel", at=T0 + dt.timedelta(days=3))
    assert not status.may_start
    assert "004_52dcbaaadde21bde" in status.source
