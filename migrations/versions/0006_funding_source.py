"""A proposal's funding source (资金来源), which the departments need to judge it.

Proposals filed before it have none (NULL): nobody asked them. The server role's table-wide INSERT and
SELECT grants (0005) cover the new column; it is never updated, like the other facts of a proposal.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The keys of projects.proposals.FUNDING_SOURCES when this migration was written.
FUNDING_SOURCES = ("fiscal", "special_bond", "self_raised", "bank_loan", "social_capital", "foreign", "mixed")


def upgrade() -> None:
    op.add_column("proposals", sa.Column("funding_source", sa.String(20)))
    allowed = ", ".join(f"'{key}'" for key in FUNDING_SOURCES)
    op.create_check_constraint("ck_proposals_funding_source", "proposals",
                               f"funding_source IS NULL OR funding_source IN ({allowed})")


def downgrade() -> None:
    op.drop_constraint("ck_proposals_funding_source", "proposals", type_="check")
    op.drop_column("proposals", "funding_source")
