"""Alembic environment: runs on the connection that :mod:`dermaport.records.migrate` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from dermaport.records.models import Base

config = context.config
connection: Connection | None = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only ever run through dermaport.records.migrate
    raise RuntimeError("run migrations with `dermaport db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
