"""Custom plans for one block of statements (gis.db.custom_plans): the pooled session goes back to the
generic plans every short statement of a screening relies on, even when a statement in the block fails."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from gis.db import custom_plans, read_only


def _mode(connection: Connection) -> str:
    return connection.execute(text("SHOW plan_cache_mode")).scalar_one()


def test_the_block_is_planned_for_its_values_and_the_session_keeps_generic_plans(engine: Engine) -> None:
    with read_only(engine) as connection:
        assert _mode(connection) == "force_generic_plan"
        with custom_plans(connection):
            assert _mode(connection) == "force_custom_plan"
        assert _mode(connection) == "force_generic_plan"


def test_a_failed_statement_leaves_generic_plans_on_an_autocommit_connection(engine: Engine) -> None:
    with read_only(engine) as connection:
        with pytest.raises(DBAPIError), custom_plans(connection):
            connection.execute(text("SELECT 1 / 0"))
        assert _mode(connection) == "force_generic_plan"


def test_a_failed_statement_in_a_transaction_leaves_generic_plans_once_rolled_back(engine: Engine) -> None:
    with engine.connect() as connection:
        # the caller sees the statement's own error, not a failed reset inside the aborted transaction
        with pytest.raises(DBAPIError, match="division by zero"), custom_plans(connection):
            connection.execute(text("SELECT 1 / 0"))
        connection.rollback()
        assert _mode(connection) == "force_generic_plan"
