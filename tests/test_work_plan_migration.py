"""The migration of work plans and feasibility reviews goes down and up again on a database of its own,
keeping the rows of the tables before it, and its history tables refuse changes even from the owner."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from gis.db import normalise_url
from gis.migrate import alembic_config

TABLES = {"work_plans", "work_plan_tasks", "feasibility_reviews", "feasibility_invitations", "feasibility_conclusions"}


def test_the_migration_goes_down_and_up_keeping_earlier_rows(empty_database) -> None:
    with empty_database() as url:
        config = alembic_config(normalise_url(url))
        ours = next(r for r in ScriptDirectory.from_config(config).walk_revisions()
                    if Path(r.path).name.endswith("_work_plans_and_feasibility_reviews.py"))
        command.upgrade(config, "head")
        engine = create_engine(normalise_url(url), poolclass=NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO item_limits (item_type, working_days) VALUES ('eia_approval', 12)"))
                connection.execute(text(
                    "INSERT INTO proposals (name, applicant_organisation, credit_code, district_code, industry, "
                    "project_type, investment_category, total_investment_wan, land_use, state) VALUES ('迁移测试', "
                    "'单位', '91350200MA0000000X', '350203', 'K70', '01', 'financial', 1, '0701', 'draft')"))
                connection.execute(text(
                    "INSERT INTO work_plans (proposal_id, issued_on, project_type, investment_category, "
                    "total_limit_working_days) SELECT id, '2026-11-30', '01', 'financial', 90 FROM proposals"))
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text("UPDATE work_plans SET total_limit_working_days = 50"))
            command.downgrade(config, ours.down_revision)
            assert not TABLES & set(inspect(engine).get_table_names())
            with engine.connect() as connection:
                assert connection.execute(text("SELECT working_days FROM item_limits")).scalar_one() == 12
                assert connection.execute(text("SELECT count(*) FROM proposals")).scalar_one() == 1
            command.upgrade(config, "head")
            assert set(inspect(engine).get_table_names()) >= TABLES
        finally:
            engine.dispose()
