"""Settings, built by a factory from the environment (nothing is read at import).

Environment variables (all optional):

* ``DERMAPORT_DATA_DIR``: where dermaport keeps its files (default: the user's data
  directory from platformdirs, e.g. ``~/.local/share/dermaport``).
* ``DERMAPORT_DEFAULT_PH``: the product pH assumed when none is given (default 5.5).
* ``DERMAPORT_DEFAULT_SKIN``: the skin site assumed when none is given (default ``human_face``).
* ``DERMAPORT_LOG_LEVEL``: logging level name (default ``WARNING``).
* ``DERMAPORT_DATABASE_URL``: the clinic records database, e.g.
  ``postgresql://user@host/dermaport`` (default: ``records.sqlite3`` in the data directory).
* ``DERMAPORT_RETENTION_YEARS``: how long clinical records are kept after a client's last
  treatment before an erasure request may delete them (default 7).
* ``DERMAPORT_SESSION_IDLE_MINUTES``: a signed-in session ends after this much inactivity
  (default 15).
* ``DERMAPORT_SITE_ORIGIN``: the origin(s) the records web pages are served from, comma-separated,
  e.g. ``https://clinic.example`` (default: the address each request was sent to). A
  cookie-signed write from any other origin is refused.
* ``DERMAPORT_FORWARDED_ALLOW_IPS``: the proxy addresses whose ``X-Forwarded-For`` is believed,
  comma-separated (default: none, so no forwarded header is believed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dermaport.errors import InputError
from dermaport.units import parse_ph

__all__ = ["Settings", "load_settings"]


class Settings(BaseModel):
    """Run-time settings of one dermaport process."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    default_ph: float = Field(default=5.5, ge=0, le=14)
    default_skin: str = "human_face"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"
    database_url: str | None = None
    retention_years: int = Field(default=7, ge=1, le=100)
    session_idle_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    site_origins: tuple[str, ...] = ()
    forwarded_allow_ips: str | None = None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    data_dir = env.get("DERMAPORT_DATA_DIR") or platformdirs.user_data_dir("dermaport", appauthor=False)
    values: dict[str, object] = {"data_dir": Path(data_dir)}
    if "DERMAPORT_DEFAULT_PH" in env:
        try:
            values["default_ph"] = parse_ph(env["DERMAPORT_DEFAULT_PH"])
        except InputError as exc:
            raise InputError(f"environment variable DERMAPORT_DEFAULT_PH: {exc}") from exc
    if "DERMAPORT_DEFAULT_SKIN" in env:
        values["default_skin"] = env["DERMAPORT_DEFAULT_SKIN"]
    if "DERMAPORT_LOG_LEVEL" in env:
        values["log_level"] = env["DERMAPORT_LOG_LEVEL"].upper()
    if env.get("DERMAPORT_DATABASE_URL"):
        values["database_url"] = env["DERMAPORT_DATABASE_URL"]
    if env.get("DERMAPORT_SITE_ORIGIN"):
        values["site_origins"] = tuple(
            o.strip() for o in env["DERMAPORT_SITE_ORIGIN"].split(",") if o.strip()
        )
    if env.get("DERMAPORT_FORWARDED_ALLOW_IPS"):
        values["forwarded_allow_ips"] = env["DERMAPORT_FORWARDED_ALLOW_IPS"]
    for name in ("RETENTION_YEARS", "SESSION_IDLE_MINUTES"):
        if f"DERMAPORT_{name}" in env:
            values[name.lower()] = env[f"DERMAPORT_{name}"]
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = f"DERMAPORT_{str(first['loc'][0]).upper()}"
        raise InputError(
            f"environment variable {variable}: {first['msg']} (value {first['input']!r})"
        ) from exc
