"""The preliminary work plan (下达项目前期工作计划) issued with a project's code, and the joint review of its
feasibility study (可研联评联审).

A plan keeps the rules in force on its issue day: each task's working days and deciding department, so a
later change of the rules never moves a plan already issued (its due dates are computed from the calendar
when read, so a holiday notice entered later does move them). A review keeps its study file, the invited
departments (slugs, as opinions keep theirs) with each one's conclusion, and the NDRC's joint decision.

Plans and conclusions are history: the server inserts them and never changes them. A review row is updated
once, when the NDRC records its decision.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"
APPEND_ONLY = ("work_plans", "work_plan_tasks", "feasibility_conclusions")


def _account(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("accounts.id"))


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "work_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, unique=True),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("project_type", sa.String(2), nullable=False),
        sa.Column("investment_category", sa.String(40), nullable=False),
        sa.Column("total_limit_working_days", sa.Integer, nullable=False),
        _account("issued_by"),
        _created(),
    )
    op.create_table(
        "work_plan_tasks",
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("work_plans.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("task", sa.String(60), nullable=False),
        sa.Column("item_type", sa.String(60)),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("working_days", sa.Integer, nullable=False),
        sa.CheckConstraint("working_days > 0", name="ck_work_plan_tasks_positive"),
    )
    op.create_table(
        "feasibility_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("approval_items.id"), nullable=False, unique=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("meeting_on", sa.Date, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.CHAR(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        _account("convened_by"),
        _created(),
        sa.Column("decision", sa.String(30)),
        sa.Column("decided_on", sa.Date),
        sa.Column("changes", ARRAY(sa.Text)),
        sa.Column("reason", sa.Text),
        _account("decided_by"),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("decision IN ('approve', 'approve_with_changes', 'disagree')",
                           name="ck_feasibility_reviews_decision"),
        sa.CheckConstraint("(decision IS NULL) = (decided_on IS NULL)", name="ck_feasibility_reviews_decided"),
        sa.CheckConstraint("meeting_on >= received_on", name="ck_feasibility_reviews_meeting"),
    )
    # One review under way per project at a time: a study refused is reviewed again under a new review.
    op.create_index("one_open_feasibility_review", "feasibility_reviews", ["proposal_id"], unique=True,
                    postgresql_where=sa.text("decision IS NULL"))
    op.create_table(
        "feasibility_invitations",
        sa.Column("review_id", sa.Integer, sa.ForeignKey("feasibility_reviews.id"), primary_key=True),
        sa.Column("department", sa.String(40), primary_key=True),
    )
    op.create_table(
        "feasibility_conclusions",
        sa.Column("review_id", sa.Integer, primary_key=True),
        sa.Column("department", sa.String(40), primary_key=True),
        sa.Column("conclusion", sa.String(30), nullable=False),
        sa.Column("changes", ARRAY(sa.Text)),
        sa.Column("reason", sa.Text),
        _account("concluded_by"),
        _created(),
        sa.ForeignKeyConstraint(["review_id", "department"],
                                ["feasibility_invitations.review_id", "feasibility_invitations.department"]),
        sa.CheckConstraint("conclusion IN ('agree', 'agree_with_changes', 'disagree')",
                           name="ck_feasibility_conclusions_conclusion"),
    )
    for table in ("work_plans", "work_plan_tasks", "feasibility_invitations", "feasibility_conclusions"):
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {GROUP}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE (decision, decided_on, changes, reason, decided_by, decided_at) "
               f"ON feasibility_reviews TO {GROUP}")
    for sequence in ("work_plans_id_seq", "feasibility_reviews_id_seq"):
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {GROUP}")
    for table in APPEND_ONLY:
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
            """)


def downgrade() -> None:
    for table in ("feasibility_conclusions", "feasibility_invitations", "feasibility_reviews", "work_plan_tasks",
                  "work_plans"):
        op.drop_table(table)
