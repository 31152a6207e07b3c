"""Departments as data (部门), on three levels, with their responsibilities (职责).

``departments`` holds the city bureaus, the districts' counterparts and a few towns and streets; today's six
fixed departments keep their slugs as the city bureaus' ids, so every account, opinion, marking, approval item
and audit entry written before keeps naming the same department (nothing is rewritten: the audit chain and
the append-only tables stay as they are). ``department_responsibilities`` says which department answers for
each concern (layer kind, project-type review, approval item type, building condition) in each district.
Both are seeded from ``layers/departments.toml`` as shipped with this migration.

Accounts and opinions now reference their department (FK). Markings keep a plain slug: an NDRC or admin
account marks the map under its role's name. Downgrade drops the tables and keys and keeps every row; an
account of a department the earlier code did not know keeps its slug.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from layers.departments import seed

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("slug", sa.String(40), primary_key=True),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("division_code", sa.String(12), nullable=False),
        sa.Column("parent", sa.String(40), sa.ForeignKey("departments.slug")),
        sa.Column("line", sa.String(40), nullable=False),
        sa.CheckConstraint("level IN ('city', 'district', 'town')", name="ck_departments_level"),
    )
    op.create_table(
        "department_responsibilities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("department", sa.String(40), sa.ForeignKey("departments.slug"), nullable=False, index=True),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("concern", sa.String(60), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.UniqueConstraint("concern", "district_code", name="uq_responsibility_concern_district"),
        sa.CheckConstraint("category IN ('layer_kind', 'review', 'item_type', 'condition')",
                           name="ck_responsibility_category"),
    )
    shipped = seed()
    bind = op.get_bind()
    # parents first: a city bureau before its branches, a district department before its towns
    order = {"city": 0, "district": 1, "town": 2}
    for department in sorted(shipped.departments, key=lambda d: order[d.level]):
        bind.execute(sa.text("INSERT INTO departments (slug, name_zh, name_en, level, division_code, parent, line) "
                             "VALUES (:slug, :zh, :en, :level, :code, :parent, :line)"),
                     {"slug": department.slug, "zh": department.name_zh, "en": department.name_en,
                      "level": department.level.value, "code": department.division_code,
                      "parent": department.parent, "line": department.line})
    bind.execute(sa.text("INSERT INTO department_responsibilities (department, category, concern, district_code) "
                         "VALUES (:department, :category, :concern, :district)"),
                 [{"department": r.department, "category": r.category, "concern": r.concern,
                   "district": r.district_code} for r in shipped.responsibilities])
    op.create_foreign_key("fk_accounts_department", "accounts", "departments", ["department"], ["slug"])
    op.create_foreign_key("fk_opinions_department", "opinions", "departments", ["department"], ["slug"])
    op.execute(f"GRANT SELECT ON departments, department_responsibilities TO {GROUP}")


def downgrade() -> None:
    op.drop_constraint("fk_opinions_department", "opinions", type_="foreignkey")
    op.drop_constraint("fk_accounts_department", "accounts", type_="foreignkey")
    op.drop_table("department_responsibilities")
    op.drop_table("departments")
