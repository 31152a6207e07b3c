"""After the code: holiday notices, approval items and documents, progress reports, anomaly warnings,
double-random inspection draws and central-platform feed exports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _account(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("accounts.id"))


def _proposal() -> sa.Column:
    return sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "calendar_notices",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("document_number", sa.String(100)),
        sa.Column("published_on", sa.Date),
        _account("entered_by"),
        _created(),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("year", sa.Integer, sa.ForeignKey("calendar_notices.year", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(60)),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name="ck_calendar_days_kind"),
        sa.CheckConstraint("extract(year FROM day) = year", name="ck_calendar_days_year"),
    )
    op.create_table(
        "item_limits",
        sa.Column("item_type", sa.String(60), primary_key=True),
        sa.Column("working_days", sa.Integer, nullable=False),
        _account("updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("working_days > 0", name="ck_item_limits_positive"),
    )
    op.create_table(
        "approval_items",
        sa.Column("id", sa.Integer, primary_key=True),
        _proposal(),
        sa.Column("item_type", sa.String(60), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("department", sa.String(40), nullable=False, index=True),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("limit_working_days", sa.Integer, nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("result", sa.String(30)),
        sa.Column("note", sa.Text),
        _account("opened_by"),
        _account("decided_by"),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        _created(),
        sa.CheckConstraint("result IN ('approved', 'approved_with_conditions', 'refused')",
                           name="ck_approval_items_result"),
        sa.CheckConstraint("(decided_on IS NULL) = (result IS NULL)", name="ck_approval_items_decision"),
        # No check that decided_on >= accepted_on: the service refuses it, and records migrated from other
        # systems are kept as they are and reported on the data-quality list instead.
    )
    op.create_index("ux_approval_items_one_open", "approval_items", ["proposal_id", "item_type"], unique=True,
                    postgresql_where=sa.text("decided_on IS NULL"))
    op.create_table(
        "approval_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("approval_items.id"), nullable=False, unique=True),
        _proposal(),
        sa.Column("document_number", sa.String(100), unique=True),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("filename", sa.String(200)),
        sa.Column("content_type", sa.String(60)),
        sa.Column("size_bytes", sa.Integer),
        sa.Column("sha256", sa.String(64), unique=True),
        sa.Column("content", sa.LargeBinary),
        _account("uploaded_by"),
        sa.Column("uploaded_at", sa.DateTime(timezone=True)),
        _created(),
    )
    # An issued document's number and file, once given, never change (批文 are referenced, not rewritten).
    op.execute(
        """
        CREATE FUNCTION refuse_document_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (OLD.document_number IS NOT NULL AND NEW.document_number IS DISTINCT FROM OLD.document_number)
               OR (OLD.sha256 IS NOT NULL AND (NEW.sha256 IS DISTINCT FROM OLD.sha256
                                               OR NEW.content IS DISTINCT FROM OLD.content)) THEN
                RAISE EXCEPTION 'issued document % never changes', coalesce(OLD.document_number, OLD.id::text);
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER approval_documents_are_permanent BEFORE UPDATE ON approval_documents
            FOR EACH ROW EXECUTE FUNCTION refuse_document_change();
        """
    )
    op.create_table(
        "item_references",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("approval_items.id"), primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("approval_documents.id"), primary_key=True, index=True),
        sa.Column("how", sa.String(10), nullable=False),
        _created(),
        sa.CheckConstraint("how IN ('automatic', 'explicit')", name="ck_item_references_how"),
    )
    op.create_table(
        "project_supervision",
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), primary_key=True),
        sa.Column("key_level", sa.String(12)),
        sa.Column("planned_start", sa.Date),
        sa.Column("planned_completion", sa.Date),
        _account("updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("key_level IN ('provincial', 'municipal')", name="ck_project_supervision_key_level"),
        sa.CheckConstraint("planned_completion >= planned_start", name="ck_project_supervision_plan"),
    )
    op.create_geospatial_table(
        "progress_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        _proposal(),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("reported_on", sa.Date, nullable=False),
        sa.Column("actual_start", sa.Date),
        sa.Column("actual_completion", sa.Date),
        sa.Column("annual_planned_wan", sa.Numeric(14, 2)),
        sa.Column("annual_actual_wan", sa.Numeric(14, 2)),
        sa.Column("cumulative_wan", sa.Numeric(14, 2), nullable=False),
        sa.Column("visual_progress_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("site", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
        sa.Column("site_area_m2", sa.Float),
        sa.Column("photo", sa.LargeBinary),
        sa.Column("photo_content_type", sa.String(30)),
        sa.Column("photo_sha256", sa.String(64)),
        _account("reported_by"),
        _created(),
        sa.UniqueConstraint("proposal_id", "period"),
        sa.CheckConstraint("extract(day FROM period) = 1", name="ck_progress_reports_period"),
        sa.CheckConstraint("visual_progress_pct BETWEEN 0 AND 100", name="ck_progress_reports_pct"),
        sa.CheckConstraint("cumulative_wan >= 0", name="ck_progress_reports_cumulative"),
    )
    op.create_table(
        "anomaly_warnings",
        sa.Column("id", sa.Integer, primary_key=True),
        _proposal(),
        sa.Column("kind", sa.String(30), nullable=False, index=True),
        sa.Column("fingerprint", sa.String(200), nullable=False, unique=True),
        sa.Column("explanation", JSONB, nullable=False),
        sa.Column("facts", JSONB, nullable=False),
        sa.Column("detected_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open", index=True),
        sa.Column("status_reason", sa.Text),
        _account("handled_by"),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
        _created(),
        sa.CheckConstraint("status IN ('open', 'inspect', 'post_evaluation', 'dismissed')",
                           name="ck_anomaly_warnings_status"),
        sa.CheckConstraint("status <> 'dismissed' OR length(trim(status_reason)) > 0",
                           name="ck_anomaly_warnings_dismiss_reason"),
    )
    op.create_table(
        "inspectors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("department", sa.String(40)),
        sa.Column("organisation", sa.String(200)),
        sa.Column("linked_credit_codes", JSONB, nullable=False, server_default="[]"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        _created(),
    )
    op.create_table(
        "inspection_draws",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("seed", sa.String(200), nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("inputs", JSONB, nullable=False),
        sa.Column("result", JSONB, nullable=False),
        _account("drawn_by"),
        sa.Column("drawn_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "feed_exports",
        sa.Column("id", sa.Integer, primary_key=True),
        _proposal(),
        sa.Column("project_code", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _account("exported_by"),
        sa.Column("exported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("project_code", "version"),
    )


def downgrade() -> None:
    for table in ("feed_exports", "inspection_draws", "inspectors", "anomaly_warnings", "progress_reports",
                  "project_supervision", "item_references"):
        op.drop_table(table)
    op.execute("DROP TRIGGER IF EXISTS approval_documents_are_permanent ON approval_documents")
    for table in ("approval_documents", "approval_items", "item_limits", "calendar_days", "calendar_notices"):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS refuse_document_change()")
