"""Request bodies of the API (pydantic); responses are the services' own dictionaries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ScreeningIn(BaseModel):
    """A site to screen (预选址冲突检测)."""

    site: dict[str, Any] = Field(
        description="GeoJSON Polygon or MultiPolygon (or a Feature holding one), in the CRS named by `crs`",
        examples=[{"type": "Polygon", "coordinates": [[[118.08, 24.48], [118.09, 24.48], [118.09, 24.49],
                                                       [118.08, 24.49], [118.08, 24.48]]]}],
    )
    crs: str = Field(default="EPSG:4326", description="EPSG:4326, EPSG:4490, EPSG:4548, GCJ02 …", max_length=200)
    project_type: str = Field(description="01 审批 approval, 02 核准 verification, 03 备案 filing", max_length=2)
    land_use: str = Field(description="intended land-use class, e.g. 1001 industrial or 07 residential", max_length=4)
    industry: str = Field(description="GB/T 4754 division, e.g. C39", max_length=4, pattern=r"^[A-T]\d{2}$")
    store: bool = Field(default=False, description="keep the report; it then never changes")
