"""Map page settings (one concern: the optional basemaps).

No basemap by default: inside a government intranet there is often none, and the planning layers are the
map, so a page loads nothing from anywhere else. ``BLUEPRINT_BASEMAPS`` configures basemaps the layer panel
switches between, as JSON name -> XYZ URL template (``{"政务底图": "http://tiles.intranet/{z}/{x}/{y}.png"}``)
or name -> ``{"url": …, "crs": "WGS84" | "GCJ02", "attribution": …, "max_zoom": 18}``; the first one is
shown when a map opens. ``BLUEPRINT_BASEMAP_URL`` (with ``BLUEPRINT_BASEMAP_CRS``, ``…_ATTRIBUTION``,
``…_MAX_ZOOM``) is one more basemap, listed first. A basemap's ``crs`` says which datum its tiles are drawn
in: ``WGS84`` (OpenStreetMap-style, Tianditu ``_w`` layers) or ``GCJ02`` (AMap/Gaode, Tencent), which the
pages shift onto WGS84 rather than misalign the layers by some 500 m.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class BasemapSource(BaseModel):
    """One raster basemap: an XYZ URL template, the datum of its tiles, its attribution and deepest zoom."""

    url: str
    crs: Literal["WGS84", "GCJ02"] = "WGS84"
    attribution: str = ""
    max_zoom: int = 18


class MapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    basemap_url: str | None = None
    basemap_crs: Literal["WGS84", "GCJ02"] = "WGS84"
    basemap_attribution: str = ""
    basemap_max_zoom: int = 18
    basemaps: dict[str, str | BasemapSource] = {}

    def configured_basemaps(self) -> list[tuple[str | None, BasemapSource]]:
        """(name, source) of every configured basemap, the one of ``BLUEPRINT_BASEMAP_URL`` first (its name
        None: the page calls it 底图, basemap)."""
        single = [(None, BasemapSource(url=self.basemap_url, crs=self.basemap_crs, attribution=self.basemap_attribution,
                                       max_zoom=self.basemap_max_zoom))] if self.basemap_url else []
        return single + [(name, BasemapSource(url=source) if isinstance(source, str) else source)
                         for name, source in self.basemaps.items()]


@lru_cache
def map_settings() -> MapSettings:
    return MapSettings()
