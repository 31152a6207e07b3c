"""Migration 0016 (the intermediary hall) keeps every account both ways: a provider account survives a
downgrade as an organisation account with its organisation and credit code, and the hall comes back empty."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from test_supervision_support import credit_code

from gis.migrate import alembic_config, upgrade_database
from projects.accounts import Role, create_account


def test_a_downgrade_keeps_provider_accounts_and_an_upgrade_brings_the_hall_back(empty_database) -> None:
    with empty_database() as url:
        upgrade_database(url)
        engine = create_engine(url, poolclass=NullPool)
        code = credit_code(66900001)
        with engine.begin() as connection:
            create_account(connection, username="migrating-provider", secret="migration-secret", role=Role.PROVIDER,
                           organisation="迁移测试中介有限公司", credit_code=code)
        command.downgrade(alembic_config(url), "0011")
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT role, organisation, credit_code FROM accounts "
                                           "WHERE username = 'migrating-provider'")).one()
            hall = connection.execute(text("SELECT to_regclass('commissions')")).scalar_one()
        assert tuple(kept) == ("applicant", "迁移测试中介有限公司", code) and hall is None
        upgrade_database(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM commissions")).scalar_one() == 0
        engine.dispose()
