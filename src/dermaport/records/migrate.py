"""Schema migrations (Alembic, shipped inside the package) and the check that a database is current."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from dermaport.errors import DatabaseNotMigratedError, DatabaseUnavailableError
from dermaport.records.engine import describe_url

__all__ = ["current_revision", "head_revision", "require_current", "upgrade"]

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision this version of dermaport knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _url(engine: Engine) -> str:
    return describe_url(engine.url.render_as_string(hide_password=True))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise DatabaseUnavailableError(
            f"no database answers at {_url(engine)}: {str(exc.orig).strip().splitlines()[0]}"
        ) from exc


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _newer(engine: Engine, revision: str) -> DatabaseNotMigratedError:
    return DatabaseNotMigratedError(
        f"the records database {_url(engine)} is at revision {revision!r}, which this dermaport "
        f"(newest {head_revision()!r}) does not know: a newer dermaport migrated it; install that one"
    )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to the newest revision; return (revision before, revision after)."""
    before = current_revision(engine)
    if before is not None and not _known(before):
        raise _newer(engine, before)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    after = head_revision()
    logger.info("database %s: %s -> %s", _url(engine), before, after)
    return before, after


def require_current(engine: Engine) -> None:
    """Refuse (fail closed) unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current is not None and current != head and not _known(current):
        raise _newer(engine, current)
    if current != head:
        state = "is empty" if current is None else f"is at revision {current}, not {head}"
        raise DatabaseNotMigratedError(
            f"the records database {_url(engine)} {state}; run `dermaport db upgrade` "
            "(with the same --database-url or DERMAPORT_DATABASE_URL) first"
        )
