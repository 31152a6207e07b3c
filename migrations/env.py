"""Alembic environment: runs the migrations on the platform's database as its owner (:mod:`gis.migrate`)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

import layers.models  # noqa: F401  (registers the tables on Base.metadata)
import projects.models  # noqa: F401
from gis.db import resolve_owner_url
from gis.orm import Base

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or resolve_owner_url()
    # Not the server's engine: the owner is exactly the role that engine refuses.
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=alembic_helpers.include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
