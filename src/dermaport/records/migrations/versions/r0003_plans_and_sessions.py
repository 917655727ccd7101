"""Plans as records; screenings keep what the rules computed; sessions name their plan and process.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00

Self-contained: it adds the ``plans`` table and columns to ``screenings`` and
``treatment_sessions``, and changes nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_plans_client_id_clients")),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name=op.f("fk_plans_screening_id_screenings")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_plans_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_client_id"), ["client_id"], unique=False)

    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("findings", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("defer_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("adjustments", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("screened_on", sa.Date(), nullable=True))

    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            batch_op.f("fk_treatment_sessions_plan_id_plans"), "plans", ["plan_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_treatment_sessions_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_plan_id"))
        batch_op.drop_constraint(batch_op.f("fk_treatment_sessions_plan_id_plans"), type_="foreignkey")
        batch_op.drop_column("owner")
        batch_op.drop_column("state")
        batch_op.drop_column("plan_id")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_column("screened_on")
        batch_op.drop_column("adjustments")
        batch_op.drop_column("defer_until")
        batch_op.drop_column("findings")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_client_id"))
    op.drop_table("plans")
