"""Database settings (one concern: where the data lives).

``DATABASE_URL`` always wins. Without it the platform runs its own PostgreSQL+PostGIS cluster in
``BLUEPRINT_DATA_DIR`` (default ``.blueprint-data`` at the repository root).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    data_dir: Path = REPOSITORY_ROOT / ".blueprint-data"
    statement_timeout_ms: int = 30_000
    pool_size: int = 8


@lru_cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()
