"""Settings come from a factory and the environment; nothing is read at import."""

from __future__ import annotations

from pathlib import Path

import pytest

from dermaport.config import load_settings
from dermaport.errors import InputError


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"DERMAPORT_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    assert settings.default_ph == 5.5
    assert settings.default_skin == "human_face"


def test_environment_overrides() -> None:
    settings = load_settings({"DERMAPORT_DEFAULT_PH": "6.2", "DERMAPORT_DEFAULT_SKIN": "neck"})
    assert settings.default_ph == 6.2
    assert settings.default_skin == "neck"
    assert settings.data_dir.name == "dermaport"


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(InputError, match=r"DERMAPORT_DEFAULT_PH: pH '15' is outside 0–14"):
        load_settings({"DERMAPORT_DEFAULT_PH": "15"})


def test_importing_the_package_does_no_work() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dermaport, dermaport.units, dermaport.config, dermaport.library;"
        "from dermaport.library import actives, skin;"
        "assert actives.load_actives.cache_info().currsize == 0;"
        "assert skin.load_skin.cache_info().currsize == 0;"
        "assert dermaport.units.registry.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_bad_log_level_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match=r"DERMAPORT_LOG_LEVEL: Input should be 'DEBUG'.*\(value 'LOUD'\)"):
        load_settings({"DERMAPORT_LOG_LEVEL": "loud"})


def test_records_settings_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DERMAPORT_DATABASE_URL": "postgresql://postgres@127.0.0.1/dermaport",
            "DERMAPORT_RETENTION_YEARS": "10",
            "DERMAPORT_SESSION_IDLE_MINUTES": "5",
        }
    )
    assert settings.database_url == "postgresql://postgres@127.0.0.1/dermaport"
    assert settings.retention_years == 10
    assert settings.session_idle_minutes == 5
    defaults = load_settings({"DERMAPORT_DATA_DIR": str(tmp_path)})
    assert (defaults.database_url, defaults.retention_years, defaults.session_idle_minutes) == (None, 7, 15)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DERMAPORT_RETENTION_YEARS", "seven"),
        ("DERMAPORT_RETENTION_YEARS", "0"),
        ("DERMAPORT_SESSION_IDLE_MINUTES", "-1"),
    ],
)
def test_bad_records_setting_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(InputError, match=rf"{variable}: .*\(value '{value}'\)"):
        load_settings({variable: value})
