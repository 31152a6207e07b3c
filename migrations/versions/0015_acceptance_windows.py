"""One-window acceptance (一口受理, 代收代办): window accounts, what a window accepted for another department,
the electronic materials it pushed, the forwarding and receipt, and the free mailing of paper materials.

- ``accounts.role`` may be ``window`` (受理窗口); ``window_staff`` says which desk a window account sits at (the
  desks themselves are declared in :mod:`projects.supervision.windows`, by slug).
- ``window_acceptances``: one row per approval item accepted at a window (the item's ``accepted_on`` is the
  window's date); forwarding, receipt and the mailing are set once each, never changed (grants and checks).
- ``window_materials``: uploaded files, append-only for the server.

Downgrade drops the three tables (the approval items the windows opened stay, as items of their departments);
window accounts stay too, so the old role check comes back NOT VALID: it holds for new rows, existing ones are kept.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"
_OLD_ROLES = "role IN ('admin', 'ndrc', 'department', 'applicant')"
_NEW_ROLES = "role IN ('admin', 'ndrc', 'department', 'applicant', 'window')"


def upgrade() -> None:
    op.execute("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_role")
    op.execute(f"ALTER TABLE accounts ADD CONSTRAINT ck_accounts_role CHECK ({_NEW_ROLES})")
    op.create_table(
        "window_staff",
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("window_slug", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "window_acceptances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("approval_items.id"), nullable=False, unique=True),
        sa.Column("window_slug", sa.String(40), nullable=False, index=True),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("accepted_by", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("applicant_contact", sa.String(200)),
        sa.Column("forwarded_on", sa.Date),
        sa.Column("forwarded_to", sa.String(40)),
        sa.Column("forwarded_by", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("received_on", sa.Date),
        sa.Column("received_by", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("mail_tracking_number", sa.String(30)),
        sa.Column("mail_sent_on", sa.Date),
        sa.Column("mail_received_on", sa.Date),
        sa.Column("mail_received_by", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("forwarded_on IS NULL OR forwarded_on >= accepted_on", name="forwarded_after_accepted"),
        sa.CheckConstraint("received_on IS NULL OR (forwarded_on IS NOT NULL AND received_on >= forwarded_on)",
                           name="received_after_forwarded"),
        sa.CheckConstraint("mail_sent_on IS NULL OR mail_sent_on >= accepted_on", name="mailed_after_accepted"),
        sa.CheckConstraint(
            "mail_received_on IS NULL OR (mail_sent_on IS NOT NULL AND mail_received_on >= mail_sent_on)",
            name="mail_received_after_sent"),
    )
    op.create_table(
        "window_materials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("acceptance_id", sa.Integer, sa.ForeignKey("window_acceptances.id"), nullable=False, index=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("acceptance_id", "sha256", name="one_copy_per_acceptance"),
    )
    op.execute(f"GRANT SELECT, INSERT ON window_staff TO {GROUP}")
    # Each later step fills its own columns once; the service refuses a second time, the grants any other change.
    op.execute(f"GRANT SELECT, INSERT, UPDATE (forwarded_on, forwarded_to, forwarded_by, received_on, received_by, "
               f"mail_tracking_number, mail_sent_on, mail_received_on, mail_received_by) ON window_acceptances "
               f"TO {GROUP}")
    op.execute(f"GRANT SELECT, INSERT ON window_materials TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE window_acceptances_id_seq TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE window_materials_id_seq TO {GROUP}")


def downgrade() -> None:
    op.drop_table("window_materials")
    op.drop_table("window_acceptances")
    op.drop_table("window_staff")
    op.execute("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_role")
    op.execute(f"ALTER TABLE accounts ADD CONSTRAINT ck_accounts_role CHECK ({_OLD_ROLES}) NOT VALID")
