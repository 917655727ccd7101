"""The ``simulate --json`` delivered parts: the contract's four keys kept, and the parts sum to the total."""

from __future__ import annotations

import math

import pytest

from dermaport.physics import simulate


@pytest.mark.parametrize("in_vitro", [False, True])
def test_delivered_parts_sum_to_the_total(in_vitro: bool) -> None:
    result = simulate(
        "sodium ascorbyl phosphate",
        "3 %",
        ["iontophoresis cathode 0.3 mA/cm2 for 6 min"],
        vehicle_ph=7.0,
        observe="20 min",
        in_vitro=in_vitro,
    )
    doc = result.to_json()
    parts = doc["delivered_ug_per_cm2"]
    beyond = "receptor" if in_vitro else "cleared"
    assert {"stratum_corneum", "viable_epidermis", "dermis", beyond, "subcutis"} == set(parts)
    if in_vitro:
        assert parts["subcutis"] == 0.0
    else:
        assert parts["subcutis"] > 0.0
    assert math.fsum(parts.values()) == pytest.approx(doc["total_delivered_ug_per_cm2"], rel=1e-6)
