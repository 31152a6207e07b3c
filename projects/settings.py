"""Screening settings (one concern: what counts as a conflict)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ScreeningSettings(BaseSettings):
    """Sliver tolerance and site limits; environment variables ``BLUEPRINT_SCREENING_*``."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_SCREENING_", extra="ignore")

    sliver_max_m2: float = 5.0
    """Overlaps smaller than this (m²) are digitising noise along shared boundaries, not conflicts."""
    sliver_max_percent: float = 0.05
    """Overlaps smaller than this share of the site (%) are noise too."""
    max_site_vertices: int = 100_000
    outside_planning_area_max_percent: float = 1.0
    """A site may stick out of the planning area by at most this share (%) (coastline digitising)."""


@lru_cache
def screening_settings() -> ScreeningSettings:
    return ScreeningSettings()
