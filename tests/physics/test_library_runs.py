"""Every active in the library runs: anode, cathode and passive, inert and Ag/AgCl electrodes.

Each run must finish (no solver failure) with mass balance within 1e-6 of what was applied:
vehicle + skin + blood + deep boundary accounts for every molecule.
"""

from __future__ import annotations

import pytest

from dermaport.library.actives import Active, load_actives
from dermaport.physics import simulate

STEPS = (
    "iontophoresis anode 0.3 mA/cm2 for 10 min",
    "iontophoresis cathode 0.3 mA/cm2 for 10 min",
    "passive for 10 min",
)


def concentration(active: Active) -> str:
    """The low end of the entry's typical range, or 10 mM, within its solubility."""
    typical = active.entry.typical_concentration_percent
    if typical is not None and typical.min > 0:
        percent = typical.min
        limit = active.entry.water_solubility_mg_per_ml
        if limit is not None:
            percent = min(percent, limit.value / 10.0)
        return f"{percent:g} %"
    return "10 mM"


@pytest.mark.parametrize("name", sorted(a.name for a in load_actives()))
@pytest.mark.parametrize("electrode", ["inert", "ag-agcl"])
def test_every_active_runs_with_mass_balance(name: str, electrode: str) -> None:
    active = load_actives().get(name)
    for step in STEPS:
        result = simulate(active, concentration(active), [step], electrode=electrode)  # type: ignore[arg-type]
        assert result.mass_balance_error < 1e-6, (name, step, result.mass_balance_error)
        assert result.total_delivered_ug_per_cm2 >= -1e-9 * result.applied_ug_per_cm2
        if result.transport_number is not None:
            assert abs(result.transport_number) <= 1.0, (name, step, result.transport_number)
