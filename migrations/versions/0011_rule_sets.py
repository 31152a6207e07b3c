"""Versioned rule sets (规则集版本): the conflict rules, the land-use compatibility pairs and the polluting
industries as data, one row per loaded version; the newest is in force.

Version 1 is the rules file the platform ships (``layers/rules.toml``), which reproduces the rules that were
code before this migration. Versions are history: the server may read and add them, no role may change one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from layers.rule_set import SHIPPED_RULES

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("digest", sa.CHAR(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    source = SHIPPED_RULES.read_text(encoding="utf-8")
    op.get_bind().execute(sa.text("INSERT INTO rule_sets (version, digest, source, actor) "
                                  "VALUES (1, :digest, :source, 'shipped with the platform')"),
                          {"digest": hashlib.sha256(source.encode()).hexdigest(), "source": source})
    op.execute(f"GRANT SELECT, INSERT ON rule_sets TO {GROUP}")
    op.execute("""
        CREATE TRIGGER rule_sets_append_only BEFORE UPDATE OR DELETE ON rule_sets
            FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
        CREATE TRIGGER rule_sets_no_truncate BEFORE TRUNCATE ON rule_sets
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
        """)


def downgrade() -> None:
    op.drop_table("rule_sets")
