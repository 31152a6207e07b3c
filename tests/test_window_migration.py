"""Migration 0015 (one-window acceptance) keeps every existing row, up and down: accounts written before it stay,
window accounts stay after a downgrade (the old role check returns for new rows only), and the audit chain holds.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from gis.audit import verify_chain
from gis.migrate import alembic_config, upgrade_database
from projects.accounts import Role, create_account
from projects.supervision.windows import create_window_account


def test_upgrade_and_downgrade_keep_the_accounts_and_the_trail(empty_database) -> None:
    with empty_database() as url:
        upgrade_database(url, "0011")
        owner = create_engine(url, poolclass=NullPool)
        try:
            with owner.begin() as connection:
                create_account(connection, username="before-0015", secret="migration-secret", role=Role.NDRC)
            upgrade_database(url, "0015")
            with owner.begin() as connection:
                create_window_account(connection, username="window-0015", secret="migration-secret",
                                      window_slug="huli")
            command.downgrade(alembic_config(url), "0011")
            with owner.connect() as connection:
                roles = dict(connection.execute(text(
                    "SELECT username, role FROM accounts WHERE username IN ('before-0015', 'window-0015')")).all())
                assert roles == {"before-0015": "ndrc", "window-0015": "window"}
                assert verify_chain(connection).intact
            with owner.begin() as connection, pytest.raises(IntegrityError):
                connection.execute(text("INSERT INTO accounts (username, role, secret_hash) "
                                        "VALUES ('new-window', 'window', 'x')"))
            upgrade_database(url)
            with owner.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM window_acceptances")).scalar_one() == 0
                assert connection.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 2
        finally:
            owner.dispose()
