"""Every packaged data file loads through its schema; malformed files fail with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from dermaport.errors import LibraryDataError, UnknownNameError
from dermaport.library import load_actives, load_skin
from dermaport.library._loading import iter_data_files, load_entry, shared_references
from dermaport.library.schema import ActiveEntry, Category, SkinEntry

ACTIVE_FILES = [f.name for f in iter_data_files("actives")]
SKIN_FILES = [f.name for f in iter_data_files("skin")]


@pytest.mark.parametrize("file_name", ACTIVE_FILES)
def test_every_active_file_loads_and_cites_its_numbers(file_name: str) -> None:
    file = next(f for f in iter_data_files("actives") if f.name == file_name)
    entry = load_entry(file, ActiveEntry, shared_references())
    assert entry.name == file_name.removesuffix(".toml")
    assert entry.mw_g_per_mol.source  # every number carries a source key that resolved


@pytest.mark.parametrize("file_name", SKIN_FILES)
def test_every_skin_file_loads(file_name: str) -> None:
    file = next(f for f in iter_data_files("skin") if f.name == file_name)
    entry = load_entry(file, SkinEntry, shared_references())
    assert entry.name == file_name.removesuffix(".toml")


REQUIRED_ACTIVES = [
    "ascorbic acid", "sodium ascorbyl phosphate", "magnesium ascorbyl phosphate", "ascorbyl glucoside",
    "hyaluronic acid 5 kDa", "hyaluronic acid 50 kDa", "hyaluronic acid 300 kDa", "hyaluronic acid 1 MDa",
    "niacinamide", "tranexamic acid", "DMAE", "caffeine", "panthenol", "acetyl hexapeptide-8",
    "palmitoyl pentapeptide-4", "copper tripeptide-1", "glycolic acid", "lactic acid", "salicylic acid",
    "azelaic acid", "kojic acid", "arbutin", "glutathione", "biotin", "allantoin", "urea", "sodium PCA",
    "adenosine", "L-carnitine", "retinyl palmitate", "native collagen",
    "lidocaine", "mannitol", "ropinirole", "metoprolol", "fentanyl", "diclofenac", "calcein", "sucrose",
    "Na+", "K+", "Cl-", "H+", "OH-", "phosphate", "citrate", "Mg2+",
]  # fmt: skip


@pytest.mark.parametrize("name", REQUIRED_ACTIVES)
def test_library_holds_every_required_entry(name: str) -> None:
    assert load_actives().get(name)


def test_library_has_at_least_40_entries_in_three_categories() -> None:
    library = load_actives()
    assert len(library) >= 40
    assert {a.category for a in library} == set(Category)


def test_small_ions_carry_their_diffusivity() -> None:
    for active in load_actives():
        if active.category is Category.ION:
            assert active.entry.aqueous_diffusivity_cm2_per_s is not None, active.name


def test_skin_library_has_the_five_sites() -> None:
    names = {s.name for s in load_skin()}
    assert names == {"human_face", "human_neck", "human_scalp", "human_body", "porcine_ear"}


def test_isoelectric_points_follow_marro_2001() -> None:
    # Marro et al. 2001, J Control Release 70:213: pI about 4.8 (human) and 4.4 (pig).
    skin = load_skin()
    assert skin.get("face").isoelectric_point == pytest.approx(4.8)
    assert skin.get("pig ear").isoelectric_point == pytest.approx(4.4)


@pytest.mark.parametrize("query", ["NIACINAMIDE", "Nicotinamide", "vitamin b3", "niacinamide"])
def test_lookup_is_case_insensitive_and_by_alias(query: str) -> None:
    assert load_actives().get(query).name == "niacinamide"


@pytest.mark.parametrize("family", ["hyaluronic acid", "HA", "Sodium Hyaluronate"])
def test_a_family_name_asks_to_choose_a_grade(family: str) -> None:
    with pytest.raises(UnknownNameError) as caught:
        load_actives().get(family)
    assert len(caught.value.suggestions) == 4
    assert "choose one of" in str(caught.value)


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError) as caught:
        load_actives().get("niacinamid")
    assert "niacinamide" in caught.value.suggestions
    assert "'niacinamid'" in str(caught.value)


VALID = """
name = "testamine"
display_name = "Testamine"
category = "reference"
mw_g_per_mol = { value = 200.0, source = "ref" }
log_kow = { value = 1.0, source = "ref" }
water_solubility_mg_per_ml = { value = 10.0, source = "ref" }

[[ionisable_groups]]
name = "amine"
kind = "base"
pka = [9.0]
source = "ref"

[references]
ref = "A reference."
"""


def _write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "testamine.toml"
    file.write_text(text, encoding="utf-8")
    return file


def test_a_valid_file_of_ones_own_loads(tmp_path: Path) -> None:
    entry = load_entry(_write(tmp_path, VALID), ActiveEntry, shared_references())
    assert entry.ionisable_groups[0].pka == [9.0]


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("pka = [9.0]", 'pka = ["high"]', "ionisable_groups.0.pka.0", "'high'"),
        ('kind = "base"', 'kind = "alkali"', "ionisable_groups.0.kind", "'alkali'"),
        ("value = 200.0", "value = -5.0", "mw_g_per_mol.value", "-5.0"),
        ('category = "reference"', 'category = "potion"', "category", "'potion'"),
        ("pka = [9.0]", "pka = [9.0, 3.0]", "ionisable_groups.0", "9.0, 3.0"),
    ],
)
def test_malformed_entry_names_file_field_and_value(
    tmp_path: Path, old: str, new: str, field: str, value: str
) -> None:
    file = _write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(LibraryDataError) as caught:
        load_entry(file, ActiveEntry, shared_references())
    message = str(caught.value)
    assert str(file) in message
    assert field in message
    assert value in message


def test_missing_field_is_named(tmp_path: Path) -> None:
    file = _write(tmp_path, VALID.replace('log_kow = { value = 1.0, source = "ref" }\n', ""))
    with pytest.raises(LibraryDataError, match="log_kow is required"):
        load_entry(file, ActiveEntry, shared_references())


def test_uncited_number_is_refused(tmp_path: Path) -> None:
    file = _write(tmp_path, VALID.replace('source = "ref" }\nlog_kow', 'source = "nowhere" }\nlog_kow'))
    with pytest.raises(LibraryDataError, match="source 'nowhere' is cited but not in"):
        load_entry(file, ActiveEntry, shared_references())


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    file = _write(tmp_path, 'colour = "blue"\n' + VALID)
    with pytest.raises(LibraryDataError, match=r"field 'colour' is not part of the schema \(value 'blue'\)"):
        load_entry(file, ActiveEntry, shared_references())


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    file = _write(tmp_path, "name = \n")
    with pytest.raises(LibraryDataError, match="not valid TOML"):
        load_entry(file, ActiveEntry, shared_references())
