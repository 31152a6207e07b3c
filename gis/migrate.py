"""Run the Alembic migrations in ``migrations/`` programmatically (``blueprint db migrate``), as the owner."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool

from gis.db import normalise_url, resolve_owner_url
from gis.roles import grant_server_group
from gis.settings import database_settings


def migrations_dir() -> Path:
    """Where the revisions are: the ``migrations`` package, in a source tree or installed."""
    import migrations

    return Path(migrations.__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str | None = None, revision: str = "head", server_role: str | None = None) -> None:
    """Bring the schema of the database at ``url`` (default: the owner's URL of the platform's database) up
    to ``revision``, connected as the owner.

    ``server_role`` (default: the user of ``DATABASE_URL`` when a separate ``BLUEPRINT_MIGRATION_URL``
    is given) is then made a member of the server group, so the two URLs are all an operator configures.
    """
    owner_url = normalise_url(url or resolve_owner_url())
    command.upgrade(alembic_config(owner_url), revision)
    settings = database_settings()
    if server_role is None and url is None and settings.migration_url and settings.database_url:
        server_role = make_url(normalise_url(settings.database_url)).username
    if server_role and server_role != make_url(owner_url).username:
        engine = create_engine(owner_url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                grant_server_group(connection, server_role)
        finally:
            engine.dispose()
