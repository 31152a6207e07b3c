"""The online intermediary hall (网上中介大厅): service providers with their service types and qualifications,
the commissions project units give them, and the ``provider`` account role.

A provider's registration is history (the server adds, never changes or removes it); a commission's steps
(choice, acceptance, delivery, rating) are filled in once each, so the server may update only those columns.
Downgrade keeps every account: a provider account becomes an organisation account (``applicant``), which has
the same organisation and credit code.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"
_ROLES = "'admin', 'ndrc', 'department', 'applicant', 'window'"
"""The roles before this migration (0015 added window accounts)."""


def upgrade() -> None:
    op.execute("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_role")
    op.execute(f"ALTER TABLE accounts ADD CONSTRAINT ck_accounts_role CHECK (role IN ({_ROLES}, 'provider'))")
    op.create_table(
        "service_providers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("phone", sa.String(40)),
        sa.Column("sample", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("registered_by", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "provider_service_types",
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("service_providers.id"), primary_key=True),
        sa.Column("service_type", sa.String(40), primary_key=True),
    )
    op.create_table(
        "provider_qualifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("service_providers.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(40), nullable=False, server_default=""),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
    )
    op.create_table(
        "commissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("service_type", sa.String(40), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("limit_working_days", sa.Integer, nullable=False),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("posted_by", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("service_providers.id"), index=True),
        sa.Column("chosen_how", sa.String(10)),
        sa.Column("seed", sa.String(200)),
        sa.Column("candidates", sa.ARRAY(sa.Integer)),
        sa.Column("chosen_on", sa.Date),
        sa.Column("accepted_on", sa.Date),
        sa.Column("delivered_on", sa.Date),
        sa.Column("delivery_note", sa.Text),
        sa.Column("rating", sa.SmallInteger),
        sa.Column("rating_comment", sa.Text),
        sa.Column("rated_on", sa.Date),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("limit_working_days > 0", name="ck_commissions_limit"),
        sa.CheckConstraint("chosen_how IN ('direct', 'draw')", name="ck_commissions_how"),
        sa.CheckConstraint("(provider_id IS NULL) = (chosen_on IS NULL)", name="ck_commissions_chosen"),
        sa.CheckConstraint("(chosen_how = 'draw') = (seed IS NOT NULL AND candidates IS NOT NULL)",
                           name="ck_commissions_draw"),
        sa.CheckConstraint("accepted_on IS NULL OR chosen_on <= accepted_on", name="ck_commissions_accepted"),
        sa.CheckConstraint("delivered_on IS NULL OR accepted_on <= delivered_on", name="ck_commissions_delivered"),
        sa.CheckConstraint("rated_on IS NULL OR (delivered_on <= rated_on AND rating BETWEEN 1 AND 5)",
                           name="ck_commissions_rated"),
    )
    op.execute(f"GRANT SELECT, INSERT ON service_providers, provider_service_types, provider_qualifications "
               f"TO {GROUP}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE (provider_id, chosen_how, seed, candidates, chosen_on, accepted_on, "
               f"delivered_on, delivery_note, rating, rating_comment, rated_on) ON commissions TO {GROUP}")
    for table in ("service_providers", "provider_qualifications", "commissions"):
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {GROUP}")


def downgrade() -> None:
    op.drop_table("commissions")
    op.drop_table("provider_qualifications")
    op.drop_table("provider_service_types")
    op.drop_table("service_providers")
    op.execute("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_role")
    op.execute("UPDATE accounts SET role = 'applicant' WHERE role = 'provider'")
    op.execute(f"ALTER TABLE accounts ADD CONSTRAINT ck_accounts_role CHECK (role IN ({_ROLES}))")
