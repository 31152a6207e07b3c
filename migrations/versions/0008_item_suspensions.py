"""Suspensions of an approval item's clock (暂停计时): while a special procedure runs or the applicant
supplements materials, the item's working days do not count (行政许可法 第四十五条).

One row per suspension: the day it starts, why, and the day it ends (NULL while it lasts). The server role
inserts them and sets only the end of one, once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"


def upgrade() -> None:
    op.create_table(
        "item_suspensions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("approval_items.id"), nullable=False, index=True),
        sa.Column("suspended_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("resumed_on", sa.Date),
        sa.Column("suspended_by", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("resumed_by", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("resumed_on IS NULL OR resumed_on >= suspended_on", name="resumed_after_suspended"),
    )
    # At most one suspension of an item lasts at a time.
    op.create_index("one_running_suspension", "item_suspensions", ["item_id"], unique=True,
                    postgresql_where=sa.text("resumed_on IS NULL"))
    op.execute(f"GRANT SELECT, INSERT, UPDATE (resumed_on, resumed_by) ON item_suspensions TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE item_suspensions_id_seq TO {GROUP}")


def downgrade() -> None:
    op.drop_table("item_suspensions")
