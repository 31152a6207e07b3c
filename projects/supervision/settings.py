"""Supervision thresholds and upload limits; environment variables ``BLUEPRINT_SUPERVISION_*``."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class SupervisionSettings(BaseSettings):
    """What counts as due soon, stalled, implausible or drifted, and what files are accepted."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_SUPERVISION_", extra="ignore")

    due_soon_working_days: int = 3
    """An open item is due soon when at most this many working days remain."""
    late_completion_days: int = 180
    """Not completed this many calendar days after the planned completion date: a warning."""
    no_report_months: int = 3
    """More than this many months since the latest monthly report's month: a warning."""
    investment_jump_share: float = 0.5
    """Cumulative investment rising by more than this share of the total between two reports: a warning."""
    site_drift_percent: float = 5.0
    """A reported site whose symmetric difference with the coded site exceeds this share (%) of it ..."""
    site_drift_min_m2: float = 200.0
    """... and this area (m²) has drifted: a warning (both, so digitising noise on tiny sites is not)."""
    max_document_bytes: int = 20 * 1024 * 1024
    max_photo_bytes: int = 8 * 1024 * 1024


@lru_cache
def supervision_settings() -> SupervisionSettings:
    return SupervisionSettings()
