"""Alembic migrations of the platform's schema, shipped inside the package so an installed platform migrates."""
