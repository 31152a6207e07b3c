"""The PostGIS engine (SQLAlchemy 2 + GeoAlchemy2 + psycopg 3): ``DATABASE_URL``, or the local cluster."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine, event

from gis.settings import database_settings


def resolve_database_url() -> str:
    """``DATABASE_URL`` when set, else the URL of the local cluster, started on demand."""
    settings = database_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    from gis.server import LocalPostgis

    return LocalPostgis(settings.data_dir).start()


def normalise_url(url: str) -> str:
    """Make a libpq-style ``postgresql://`` URL use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """One pooled engine per URL; every connection gets the configured statement timeout."""
    settings = database_settings()
    engine = create_engine(
        url or resolve_database_url(), pool_size=settings.pool_size, pool_pre_ping=True
    )

    @event.listens_for(engine, "connect")
    def _set_timeout(dbapi_connection, _record) -> None:  # noqa: ANN001
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(settings.statement_timeout_ms)}")
        dbapi_connection.commit()

    return engine
