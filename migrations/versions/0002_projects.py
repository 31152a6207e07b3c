"""Project lifecycle: accounts, proposals, site revisions, screenings, opinions, markings, credit, audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("department", sa.String(40)),
        sa.Column("organisation", sa.String(200)),
        sa.Column("credit_code", sa.String(18)),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        _created(),
        sa.CheckConstraint("role IN ('admin', 'ndrc', 'department', 'applicant')", name="ck_accounts_role"),
        sa.CheckConstraint("(role = 'department') = (department IS NOT NULL)", name="ck_accounts_department"),
    )
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
        _created(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("applicant_organisation", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False, index=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("industry", sa.String(4), nullable=False),
        sa.Column("project_type", sa.String(2), nullable=False),
        sa.Column("investment_category", sa.String(20), nullable=False),
        sa.Column("total_investment_wan", sa.Numeric(14, 2), nullable=False),
        sa.Column("land_use", sa.String(4), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("accounts.id"), index=True),
        sa.Column("project_code", sa.String(32), unique=True),
        sa.Column("coded_at", sa.DateTime(timezone=True)),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # A code, once given, never changes and is never given again.
    op.execute(
        """
        CREATE FUNCTION refuse_project_code_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.project_code IS NOT NULL AND NEW.project_code IS DISTINCT FROM OLD.project_code THEN
                RAISE EXCEPTION 'project code % never changes', OLD.project_code;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER proposals_code_is_permanent BEFORE UPDATE ON proposals
            FOR EACH ROW EXECUTE FUNCTION refuse_project_code_change();
        """
    )
    op.create_geospatial_table(
        "site_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("source_crs", sa.String(100), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        _created(),
        sa.UniqueConstraint("proposal_id", "revision"),
    )
    op.create_geospatial_index("ix_site_revisions_geom", "site_revisions", ["geom"], postgresql_using="gist")
    op.create_table(
        "screenings",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("revision_id", sa.Integer, sa.ForeignKey("site_revisions.id"), index=True),
        sa.Column("parameters", JSONB, nullable=False),
        sa.Column("layer_versions", JSONB, nullable=False),
        sa.Column("report", JSONB, nullable=False),
        _created(),
    )
    op.create_table(
        "opinions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("revision_id", sa.Integer, sa.ForeignKey("site_revisions.id"), nullable=False, index=True),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("verdict", sa.String(30), nullable=False),
        sa.Column("conditions", JSONB, nullable=False, server_default="[]"),
        sa.Column("reason", sa.Text),
        _created(),
        sa.CheckConstraint("verdict IN ('agree', 'agree_with_conditions', 'object')", name="ck_opinions_verdict"),
    )
    op.create_geospatial_table(
        "markings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("revision_id", sa.Integer, sa.ForeignKey("site_revisions.id"), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        _created(),
    )
    op.create_geospatial_index("ix_markings_geom", "markings", ["geom"], postgresql_using="gist")
    op.create_table(
        "credit_list",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_kind", sa.String(10), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False, index=True),
        sa.Column("entity_name", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        _created(),
        sa.CheckConstraint("list_kind IN ('black', 'red')", name="ck_credit_list_kind"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), index=True),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # Append-only: the database itself refuses to edit or delete history (TRUNCATE included).
    op.execute(
        """
        CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
        END $$;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    for table in ("audit_log", "credit_list", "markings", "opinions", "screenings", "site_revisions"):
        op.drop_table(table)
    op.execute("DROP TRIGGER IF EXISTS proposals_code_is_permanent ON proposals")
    for table in ("proposals", "access_tokens", "accounts"):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS refuse_audit_change(); DROP FUNCTION IF EXISTS refuse_project_code_change()")
