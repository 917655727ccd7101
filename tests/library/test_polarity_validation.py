"""Validation: the electrode dermaport chooses matches published iontophoresis practice.

Each case names the compound, the vehicle pH used for the check (the published one
where the source gives it, otherwise a typical product pH, said so), the electrode
from which the source delivered it, and the source. The trade rule "negative ions on
the positive pole" (seed text 002) would fail every anion here.
"""

from __future__ import annotations

import pytest

from dermaport.library import assess, load_actives, load_skin

CASES = [
    # (library name, pH, electrode, source)
    ("tranexamic acid", 7.0, "anode",
     "Skin Research 7(4):421 (J-Stage): 'anodal and cathodal iontophoresis were effective for TA and APS, "
     "respectively'; pH 7 typical of TA solutions (not stated in the abstract)"),
    ("sodium ascorbyl phosphate", 7.0, "cathode",
     "Skin Research 7(4):421 (J-Stage), as above; SAP solutions are used near pH 7"),
    ("magnesium ascorbyl phosphate", 7.0, "cathode",
     "Kang MY et al. J Cosmet Dermatol Sci Appl 2012;2:283, doi:10.4236/jcdsa.2012.24054: cathodal delivery "
     "enhanced penetration; the anode inhibited it below passive"),
    ("ascorbic acid", 5.5, "cathode",
     "Cázares-Delgadillo J et al. Pharmaceutics 2018;10:266, doi:10.3390/pharmaceutics10040266: gain by "
     "electromigration of the anion ('anions move away from the cathode')"),
    ("fentanyl", 5.5, "anode",
     "IONSYS (fentanyl iontophoretic transdermal system) prescribing information: 'only one of the hydrogels "
     "(the anode) contains fentanyl HCl'"),
    ("ropinirole", 5.5, "anode",
     "Luzardo-Álvarez A, Delgado-Charro MB, Blanco-Méndez J. Pharm Res 2001;18:1714, "
     "doi:10.1023/A:1013322613436: anodal iontophoresis of ropinirole hydrochloride"),
    ("metoprolol", 5.5, "anode",
     "'Effect of drug lipophilicity and polar surface area on iontophoretic transdermal absorption' "
     "(2001): "
     "anodal iontophoresis of beta-blockers incl. metoprolol, rat skin"),
    ("lidocaine", 5.5, "anode",
     "Lidocaine iontophoresis for dermatologic procedures, CRC Press chapter doi:10.1201/9780429185977-8: "
     "erythema 'under the cathode' = the return electrode; lidocaine HCl under the anode"),
    ("mannitol", 7.4, "anode",
     "Kim A, Green PG, Rao G, Guy RH. Pharm Res 1993;10:1315 ('Convective solvent flow across the skin "
     "during iontophoresis'): anodal mannitol fluxes exceeded cathodal, which were retarded below passive"),
    ("caffeine", 5.5, "anode",
     "Hu QH, Jiang HY, Xu DH, Yang HZ. 2006, doi:10.3870/j.issn.1004-0781.2006.08.007: positive "
     "iontophoresis delivered caffeine faster and in greater amount than negative"),
    ("urea", 7.4, "anode",
     "Sieg A, Guy RH, Delgado-Charro MB. Biophys J 2004;87:3344: urea extracted to the cathode by anode-to-"
     "cathode electroosmosis, so it is delivered from the anode"),
    ("sucrose", 7.4, "anode",
     "Sieg A, Guy RH, Delgado-Charro MB. Biophys J 2004;87:3344: as for urea"),
    ("salicylic acid", 5.5, "cathode",
     "Yoshida NH, Roberts MS. J Pharm Pharmacol 1995;47:883, doi:10.1111/j.2042-7158.1995.tb03265.x: "
     "cathodal iontophoresis of salicylate"),
    ("sodium", 7.4, "anode",
     "Yoshida NH, Roberts MS. J Pharm Sci 1994;83:344, doi:10.1002/jps.2600830316: 'Anodal iontophoretic "
     "transport of phenylethylamine and sodium across excised human skin'"),
    ("chloride", 7.4, "cathode",
     "Roustit M, Blaise S, Cracowski JL. Br J Clin Pharmacol 2014;77:63: anions are delivered under the "
     "cathode; NaCl delivered by cathodal iontophoresis in treprostinil studies"),
]  # fmt: skip


def test_at_least_fifteen_published_cases() -> None:
    assert len({name for name, *_ in CASES}) >= 15


@pytest.mark.parametrize(("name", "ph", "electrode", "source"), CASES, ids=[c[0] for c in CASES])
def test_electrode_matches_published_practice(name: str, ph: float, electrode: str, source: str) -> None:
    human = load_skin().get("human_face")
    result = assess(load_actives().get(name), ph, skin_isoelectric_point=human.isoelectric_point)
    assert result.suitable, source
    assert result.electrode == electrode, source


def test_the_trade_rule_would_get_magnesium_ascorbyl_phosphate_backwards() -> None:
    # Seed 002: "If the product has negative ions, positive polarity is selected": the anode.
    # Kang et al. 2012 measured that the anode delivered less than passive diffusion.
    result = assess(load_actives().get("MAP"), 7.0, skin_isoelectric_point=4.8)
    assert result.ionic_form == "anion"
    assert result.electrode == "cathode"
