"""Run the Alembic migrations in ``migrations/`` programmatically (``blueprint db migrate``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from gis.settings import REPOSITORY_ROOT


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPOSITORY_ROOT / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema of the database at ``url`` (default: the platform's) up to ``revision``."""
    command.upgrade(alembic_config(url), revision)
