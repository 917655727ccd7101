"""Outcome history, appointment rooms, patch-test readers, and the client search column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    bind = op.get_bind()
    op.create_table(
        "session_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_session_outcomes_session_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_session_outcomes_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_outcomes")),
    )
    with op.batch_alter_table("session_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_outcomes_session_id"), ["session_id"], unique=False)
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room", sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_appointments_practitioner_id"), ["practitioner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointments_room"), ["room"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_starts_at"), ["starts_at"], unique=False)
    with op.batch_alter_table("patch_tests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_patch_tests_read_by_users"), "users", ["read_by"], ["id"])
    with op.batch_alter_table("client_contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.String(length=1000), nullable=False, server_default="")
        )
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_client_contacts_search_text",
            "client_contacts",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
    else:
        op.create_index("ix_client_contacts_search_text", "client_contacts", ["search_text"])
    _fill_search_text(bind)


def _fill_search_text(bind: sa.engine.Connection) -> None:
    from dermaport.records.search import search_text

    contacts = sa.table(
        "client_contacts",
        sa.column("client_id", sa.Integer()),
        sa.column("given_name", sa.String()),
        sa.column("family_name", sa.String()),
        sa.column("email", sa.String()),
        sa.column("phone", sa.String()),
        sa.column("date_of_birth", sa.Date()),
        sa.column("search_text", sa.String()),
    )
    rows = bind.execute(
        sa.select(
            contacts.c.client_id,
            contacts.c.given_name,
            contacts.c.family_name,
            contacts.c.email,
            contacts.c.phone,
            contacts.c.date_of_birth,
        )
    ).all()
    for row in rows:
        text = search_text(
            given_name=row.given_name,
            family_name=row.family_name,
            email=row.email,
            phone=row.phone,
            date_of_birth=row.date_of_birth,
        )
        bind.execute(
            sa.update(contacts).where(contacts.c.client_id == row.client_id).values(search_text=text)
        )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_client_contacts_search_text", table_name="client_contacts")
    with op.batch_alter_table("client_contacts", schema=None) as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("patch_tests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_patch_tests_read_by_users"), type_="foreignkey")
        batch_op.drop_column("read_by")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointments_starts_at"))
        batch_op.drop_index(batch_op.f("ix_appointments_room"))
        batch_op.drop_index(batch_op.f("ix_appointments_practitioner_id"))
        batch_op.drop_column("room")
    with op.batch_alter_table("session_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_outcomes_session_id"))
    op.drop_table("session_outcomes")
