"""Screening settings (one concern: what counts as a conflict)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ScreeningSettings(BaseSettings):
    """Sliver tolerance, site limits and the bounds of heavy screenings; ``BLUEPRINT_SCREENING_*``."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_SCREENING_", extra="ignore")

    sliver_max_m2: float = 5.0
    """Overlaps smaller than this (m²) are digitising noise along shared boundaries, not conflicts."""
    sliver_max_percent: float = 0.05
    """Overlaps smaller than this share of the site (%) are noise too."""
    max_site_vertices: int = 100_000
    outside_planning_area_max_percent: float = 1.0
    """A site may stick out of the planning area by at most this share (%) (coastline digitising)."""
    statement_timeout_ms: int = 20_000
    """A screening's statements are stopped past this (ms); the caller is told to try again later."""
    heavy_site_vertices: int = 5_000
    """Sites of more vertices are heavy: their screenings run at most ``heavy_site_slots`` at a time."""
    heavy_site_slots: int = 1
    """Heavy screenings at once per server process, so they never take every connection or core."""
    heavy_site_wait_s: float = 30.0
    """How long a heavy screening waits for a slot (s) before the caller is told to try again later."""
    in_memory_layers: bool = True
    """Light sites are overlaid in the server process against the current layer versions kept in its memory
    (about 260 MB per process with 228,000 stored pieces); off, every site is overlaid in PostGIS, somewhat
    slower, and no layer is kept."""


@lru_cache
def screening_settings() -> ScreeningSettings:
    return ScreeningSettings()
