"""Wrong secrets counted in the database, so that every server instance throttles alike (登录限流).

One row per failed login and per scope (the account's name, the source address). The table is UNLOGGED: a
crash of the database forgives the counts, as a restart of a server process used to, and failures cost no
WAL. Rows older than the throttle's window are deleted as new failures arrive.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("clock_timestamp()")),
        sa.CheckConstraint("scope IN ('account', 'address')", name="ck_login_failures_scope"),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_login_failures_key", "login_failures", ["scope", "key", "failed_at"])
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])
    op.execute(f"GRANT SELECT, INSERT, DELETE ON login_failures TO {GROUP}")


def downgrade() -> None:
    op.drop_table("login_failures")
