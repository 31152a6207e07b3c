"""The declarative base of every platform table (SQLAlchemy 2 ORM).

The schema itself comes from the Alembic migrations in ``migrations/``; the models mirror it for typed
access. Kept apart from :mod:`gis.db` so that code needing only an engine does not load the ORM.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of all platform tables."""
