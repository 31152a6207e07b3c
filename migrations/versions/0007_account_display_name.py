"""The name of the person behind an account (姓名), shown in the navigation bar beside their department.

Accounts made before it have none (NULL); the pages then show the department or organisation alone. The
server role's table-wide INSERT and SELECT grants (0005) cover the new column; it is never updated.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("display_name", sa.String(100)))


def downgrade() -> None:
    op.drop_column("accounts", "display_name")
