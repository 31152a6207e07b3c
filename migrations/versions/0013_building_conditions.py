"""Building conditions (建设条件) recorded on a proposal by the departments responsible for them.

One row per recording, never changed: the newest row of a proposal's condition is the one in force, the older
ones are its history (like opinions). Only the columns of its kind are filled: the land-use quota's area (m²),
the investing entity's name and credit code, the funding source's key.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"
# The keys of projects.conditions.CONDITIONS and STATUSES when this migration was written.
CONDITIONS = ("land_quota", "investing_entity", "funding_source", "environment", "soil_water", "flood_control",
              "acquisition")
STATUSES = ("met", "pending", "not_met")


def upgrade() -> None:
    op.create_table(
        "building_conditions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("condition", sa.String(30), nullable=False),
        sa.Column("department", sa.String(40), sa.ForeignKey("departments.slug"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("area_m2", sa.Numeric(14, 2)),
        sa.Column("entity_name", sa.String(200)),
        sa.Column("entity_credit_code", sa.String(18)),
        sa.Column("funding_source", sa.String(20)),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("condition IN ({})".format(", ".join(f"'{c}'" for c in CONDITIONS)),
                           name="ck_building_conditions_condition"),
        sa.CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES)),
                           name="ck_building_conditions_status"),
        sa.CheckConstraint("area_m2 IS NULL OR area_m2 > 0", name="ck_building_conditions_area"),
    )
    op.execute(f"GRANT SELECT, INSERT ON building_conditions TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE building_conditions_id_seq TO {GROUP}")
    op.execute("""
        CREATE TRIGGER building_conditions_append_only BEFORE UPDATE OR DELETE ON building_conditions
            FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
        CREATE TRIGGER building_conditions_no_truncate BEFORE TRUNCATE ON building_conditions
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
        """)


def downgrade() -> None:
    op.drop_table("building_conditions")
