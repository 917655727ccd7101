"""Why the model's Dex-Phos transport number depends on the donor concentration (docs/transport.md).

Run: .venv/bin/python benchmarks/diagnose_dexphos.py

Sylvestre et al. 2008 (J Control Release 131:41; Phys Ther 88:1177): pig skin, 0.3 mA over
0.78 cm² (0.385 mA/cm²), Ag/AgCl, Dex-Phos in water at the cathode; t ≈ 0.012 and the
delivery unaffected by the Cl⁻ the cathode releases at 4.25-17 mM (reduced at 0.85 mM).
The xfail ``test_dexamethasone_phosphate_flux_independent_of_concentration_sylvestre2008``
runs the same case. This script prints, for the case as modelled:

1. the drug's share of the current hour by hour (from runs of 1 … 6 h: hour k is
   k·t̄(k h) − (k−1)·t̄((k−1) h)), which falls as the cathode's Cl⁻ accumulates;
2. the same 6 h figures with the skin's fixed charge lowered (Donnan exclusion of the
   divalent co-anion) and with a 3 mL donor (less Cl⁻ per volume), each a what-if, not a
   parameter change: 4.25 → 17 mM should give the same t if the model reproduced the paper.

Each run takes about half a second; the whole script a minute or two on a shared machine.
"""

from __future__ import annotations

import dataclasses
import os

from dermaport.library.skin import SkinSite, load_skin
from dermaport.physics.engine import simulate

DONOR = ("0.85 mM", "4.25 mM", "17 mM")


def _t(conc: str, hours: float, skin: SkinSite | str = "porcine_ear", volume: str | None = None) -> float:
    result = simulate(
        "dexamethasone phosphate",
        conc,
        [f"iontophoresis cathode 0.385 mA/cm2 for {hours:g} h ramp 1 s"],
        vehicle_ph=7.4,
        electrode="ag-agcl",
        skin=skin,
        in_vitro=True,
        vehicle_volume=volume,
    )
    assert result.transport_number is not None
    return result.transport_number


def _with_fixed_charge(mol_per_l: float) -> SkinSite:
    pig = load_skin().get("porcine_ear")
    entry = pig.entry
    charge = entry.fixed_charge_mol_per_l.model_copy(update={"value": mol_per_l})
    return dataclasses.replace(pig, entry=entry.model_copy(update={"fixed_charge_mol_per_l": charge}))


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("1. drug transport number hour by hour (as modelled: Ag/AgCl cathode in a 1 mL/cm² donor)")
    print("   donor     " + "  ".join(f"h{k}    " for k in range(1, 7)) + "  6 h mean")
    for conc in DONOR:
        means = [_t(conc, k) for k in range(1, 7)]
        hourly = [means[0]] + [k * means[k - 1] - (k - 1) * means[k - 2] for k in range(2, 7)]
        print(f"   {conc:8s}  " + "  ".join(f"{t:.4f}" for t in hourly) + f"  {means[-1]:.4f}")
    print("2. 6 h mean at 4.25 and 17 mM, and their ratio (the paper: about 1)")
    cases: list[tuple[str, SkinSite | str, str | None]] = [
        ("as modelled (X0 20 mM, 1 mL/cm2)", "porcine_ear", None),
        ("fixed charge X0 5 mM", _with_fixed_charge(0.005), None),
        ("fixed charge X0 ~0 (uncharged SC)", _with_fixed_charge(1e-6), None),
        ("3 mL donor over 0.78 cm2", "porcine_ear", "3846 uL/cm2"),
    ]
    for label, skin, volume in cases:
        low, high = _t("4.25 mM", 6, skin, volume), _t("17 mM", 6, skin, volume)
        print(f"   {label:36s} t {low:.4f}  {high:.4f}  ratio {high / low:.2f}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
