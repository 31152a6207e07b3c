"""What each new layer version changed for the live proposals and coded projects (图层更新影响分析).

One report per analysis and one row per change (a conflict that appeared, disappeared, changed area, or a
site the new version leaves unscreenable), with the department it concerns. Both are history: the server
may read and add, never change or delete (grants), and no role may change or delete a row (triggers).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"


def upgrade() -> None:
    op.create_table(
        "layer_impacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("layer_id", sa.Integer, sa.ForeignKey("layers.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("against_version", sa.Integer),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("sites_checked", sa.Integer, nullable=False),
        sa.Column("summary", JSONB, nullable=False),
    )
    op.create_table(
        "layer_impact_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("impact_id", sa.Integer, sa.ForeignKey("layer_impacts.id"), nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("old_m2", sa.Float, nullable=False),
        sa.Column("new_m2", sa.Float, nullable=False),
        sa.CheckConstraint("change IN ('appeared', 'disappeared', 'changed', 'refused')",
                           name="ck_layer_impact_changes_change"),
    )
    op.create_index("ix_layer_impact_changes_impact", "layer_impact_changes", ["impact_id", "department"])
    for table in ("layer_impacts", "layer_impact_changes"):
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {GROUP}")
        # History for every role, the owner's too (refuse_history_change is 0005's).
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
            """)
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE layer_impacts_id_seq, layer_impact_changes_id_seq TO {GROUP}")


def downgrade() -> None:
    op.drop_table("layer_impact_changes")
    op.drop_table("layer_impacts")
