"""Database settings (one concern: where the data lives, and as whom the platform connects).

``DATABASE_URL`` always wins. Without it the platform runs its own PostgreSQL+PostGIS cluster in
``BLUEPRINT_DATA_DIR``: by default ``.blueprint-data`` at the repository root when it runs from a source tree,
and ``$XDG_DATA_HOME/one-blueprint`` (``~/.local/share/one-blueprint``) when it is an installed package, whose
folder in site-packages is no place for data.

Two roles: the server connects as a login role that owns nothing (``DATABASE_URL``); migrations and the
DDL of layer imports belong to the owner role (``BLUEPRINT_MIGRATION_URL``, which defaults to
``DATABASE_URL`` when only one URL is given). The local cluster makes both roles itself.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """``.blueprint-data`` in a source tree (it has pyproject.toml), else the user's data directory."""
    if (REPOSITORY_ROOT / "pyproject.toml").is_file():
        return REPOSITORY_ROOT / ".blueprint-data"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "one-blueprint"


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    migration_url: str | None = None
    # The server refuses a superuser or the schema's owner (they can rewrite append-only history) unless set.
    allow_privileged_role: bool = False
    data_dir: Path = Field(default_factory=default_data_dir)
    statement_timeout_ms: int = 30_000
    pool_size: int = 8
    background_nice: int = Field(default=10, ge=0, le=19)
    """The nice value of work that must yield the CPU (heavy screenings): a task at 0 gets about nine tenths
    of a core it shares with one at 10. Higher starves such work past its statement timeout sooner when the
    machine is busy; 0 turns deprioritising off."""
    background_work_mem_mb: int = Field(default=64, ge=1)
    """The memory (MB) each sort or hash of a background session may take before it spills to disk: the
    overlay of a 99,000-vertex site sorts about 10 MB of rows, which PostgreSQL's default of 4 MB wrote to
    disk (8% of the statement's time). Heavy screenings run one at a time per server process."""


@lru_cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()
