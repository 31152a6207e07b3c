"""Investors' registrations of interest in parcels open for investment (招商地块意向登记).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parcel_interests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parcel_code", sa.String(60), nullable=False, index=True),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(30)),
        sa.Column("email", sa.String(200)),
        sa.Column("intended_use", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="ck_parcel_interests_contact"),
    )


def downgrade() -> None:
    op.drop_table("parcel_interests")
