"""Alembic environment: runs the migrations on the platform's database (``DATABASE_URL`` or local)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

import layers.models  # noqa: F401  (registers the tables on Base.metadata)
import projects.models  # noqa: F401
from gis.db import get_engine
from gis.orm import Base

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or None
    with get_engine(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=alembic_helpers.include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
