"""Map page settings (one concern: the optional basemap).

No basemap by default: inside a government intranet there is often none, and the planning layers are the
map. ``BLUEPRINT_BASEMAP_URL`` adds a raster tile layer (an XYZ template such as
``http://tiles.intranet/{z}/{x}/{y}.png``); ``BLUEPRINT_BASEMAP_CRS`` says which datum its tiles are drawn
in: ``WGS84`` (OpenStreetMap-style, Tianditu ``_w`` layers) or ``GCJ02`` (AMap/Gaode, Tencent), which the
pages shift onto WGS84 rather than misalign the layers by some 500 m.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class MapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    basemap_url: str | None = None
    basemap_crs: Literal["WGS84", "GCJ02"] = "WGS84"
    basemap_attribution: str = ""
    basemap_max_zoom: int = 18


@lru_cache
def map_settings() -> MapSettings:
    return MapSettings()
