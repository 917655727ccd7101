"""The physics rule for the electrode, and the suitability verdict, on made-up molecules."""

from __future__ import annotations

from typing import Any

import pytest

from dermaport.library._loading import shared_references
from dermaport.library.actives import Active
from dermaport.library.delivery import assess
from dermaport.library.schema import ActiveEntry

HUMAN_PI = 4.8  # Marro et al. 2001


def make_active(**overrides: Any) -> Active:
    data: dict[str, Any] = {
        "name": "probe",
        "display_name": "Probe",
        "category": "reference",
        "mw_g_per_mol": {"value": 200.0, "source": "ref"},
        "log_kow": {"value": 0.0, "source": "ref"},
        "water_solubility_mg_per_ml": {"value": 100.0, "source": "ref"},
        "references": {"ref": "A reference."},
    }
    data.update(overrides)
    entry = ActiveEntry.model_validate(data)
    return Active(entry=entry, source_file="<test>", references={**shared_references(), **entry.references})


def acid(pka: float) -> dict[str, Any]:
    return {"name": "carboxylic acid", "kind": "acid", "pka": [pka], "source": "ref"}


def base(pka: float) -> dict[str, Any]:
    return {"name": "amine", "kind": "base", "pka": [pka], "source": "ref"}


def test_anion_goes_under_the_cathode() -> None:
    result = assess(make_active(ionisable_groups=[acid(3.0)]), 5.5, skin_isoelectric_point=HUMAN_PI)
    assert (result.ionic_form, result.electrode, result.mechanism) == ("anion", "cathode", "electromigration")
    assert "cathode" in result.reason


def test_cation_goes_under_the_anode() -> None:
    result = assess(make_active(ionisable_groups=[base(9.0)]), 5.5, skin_isoelectric_point=HUMAN_PI)
    assert (result.ionic_form, result.electrode) == ("cation", "anode")


def test_neutral_rides_electroosmosis_from_the_anode_above_the_skin_pi() -> None:
    result = assess(make_active(), 5.5, skin_isoelectric_point=HUMAN_PI)
    assert (result.ionic_form, result.electrode, result.mechanism) == ("neutral", "anode", "electroosmosis")


def test_electroosmosis_reverses_below_the_skin_pi() -> None:
    result = assess(make_active(), 4.0, skin_isoelectric_point=HUMAN_PI)
    assert result.electrode == "cathode"
    assert "below the skin's isoelectric point" in result.reason


def test_zwitterion_is_net_neutral() -> None:
    result = assess(
        make_active(ionisable_groups=[acid(4.3), base(10.6)]), 6.0, skin_isoelectric_point=HUMAN_PI
    )
    assert result.electrode == "anode"
    assert "net-neutral" in result.reason


def test_threshold_is_the_predominant_form() -> None:
    # pKa 5.5 at pH 5.5 is exactly half ionised (mean -0.5): the anion just predominates.
    assert assess(
        make_active(ionisable_groups=[acid(5.5)]), 5.5, skin_isoelectric_point=HUMAN_PI
    ).electrode == ("cathode")
    # One unit lower in pH only 1/11 is ionised: neutral, by electroosmosis from the anode.
    assert assess(
        make_active(ionisable_groups=[acid(5.5)]), 4.9, skin_isoelectric_point=HUMAN_PI
    ).electrode == ("anode")


def test_size_flags_negligible_electromigration_above_8_angstrom() -> None:
    small = make_active(
        hydrodynamic_radius_angstrom={"value": 7.9, "source": "ref"}, ionisable_groups=[acid(3)]
    )
    large = make_active(
        hydrodynamic_radius_angstrom={"value": 8.1, "source": "ref"}, ionisable_groups=[acid(3)]
    )
    assert not assess(small, 5.5, skin_isoelectric_point=HUMAN_PI).electromigration_negligible
    result = assess(large, 5.5, skin_isoelectric_point=HUMAN_PI)
    assert result.electromigration_negligible
    assert result.suitable
    assert "electromigration negligible" in result.reason


def test_insoluble_is_unsuitable_with_a_reason() -> None:
    result = assess(
        make_active(water_solubility_mg_per_ml={"value": 1e-6, "source": "ref"}),
        5.5,
        skin_isoelectric_point=HUMAN_PI,
    )
    assert not result.suitable
    assert result.electrode is None
    assert "practically insoluble" in result.reason


def test_too_large_is_unsuitable_with_a_reason() -> None:
    result = assess(
        make_active(mw_g_per_mol={"value": 300_000.0, "source": "ref"}), 5.5, skin_isoelectric_point=HUMAN_PI
    )
    assert not result.suitable
    assert result.electrode is None
    assert "too large (300 kDa)" in result.reason


def test_json_has_every_contract_field() -> None:
    data = assess(
        make_active(ionisable_groups=[acid(3.0), base(9.0)]), 5.5, skin_isoelectric_point=HUMAN_PI
    ).to_json()
    for key in (
        "name", "mw_g_per_mol", "mean_charge", "charge_fractions", "electrode",
        "electromigration_negligible", "suitable", "reason", "citations",
    ):  # fmt: skip
        assert key in data
    assert set(data["charge_fractions"]) == {"-1", "0", "+1"}
    assert sum(data["charge_fractions"].values()) == pytest.approx(1.0, abs=1e-5)
    assert isinstance(data["citations"], list)
    assert any("[ref]" in c for c in data["citations"])
    assert any("[mudry2007]" in c for c in data["citations"])
