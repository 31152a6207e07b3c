"""Feature attributes as json, kept as the file gave them.

Attributes are written once per import and read whole; the platform never indexes or searches inside them
beyond a few ``->>`` lookups. ``json`` keeps the text as imported (in the file's column order) and costs an
import far less database time than parsing every feature into ``jsonb``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE layer_features ALTER COLUMN properties TYPE json USING properties::json")


def downgrade() -> None:
    op.execute("ALTER TABLE layer_features ALTER COLUMN properties TYPE jsonb USING properties::jsonb")
