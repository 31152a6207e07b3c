"""Whether this server may take traffic: its database answers and its schema is this release's."""

from __future__ import annotations

from functools import lru_cache
from time import perf_counter
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gis.db import StatementTimeoutError, get_engine, read_only, statement_timeout
from gis.messages import Text
from gis.migrate import alembic_config
from gis.replica import read_router, read_settings

READY_TIMEOUT_MS = 2_000


@lru_cache
def migration_head() -> str | None:
    """The newest migration this release ships (read once from ``migrations/``)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def readiness() -> dict[str, Any]:
    """The readiness checks, each ``{"ok": bool, ...}``, and ``ready`` when all hold.

    ``database``: a query answered within :data:`READY_TIMEOUT_MS`, with its round trip in ms;
    ``migrations``: the database's revision equals :func:`migration_head`. ``replicas`` (informative: reads
    fall back to the primary) lists each ``BLUEPRINT_READ_URL`` replica's state and lag in seconds.
    """
    head = migration_head()
    checks: dict[str, dict[str, Any]] = {}
    started = perf_counter()
    try:
        with read_only(get_engine()) as connection, \
                statement_timeout(connection, READY_TIMEOUT_MS, Text("就绪检查", "the readiness check")):
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        checks["database"] = {"ok": True, "round_trip_ms": round((perf_counter() - started) * 1000, 2)}
        checks["migrations"] = {"ok": current == head, "current": current, "head": head}
    except (SQLAlchemyError, StatementTimeoutError) as error:
        checks["database"] = {"ok": False, "error": type(error).__name__}
        checks["migrations"] = {"ok": False, "current": None, "head": head}
    report: dict[str, Any] = {"ready": all(check["ok"] for check in checks.values()), "checks": checks}
    if read_settings().urls:
        report["replicas"] = read_router().status()
    return report
