"""The choices of the pages' site and proposal forms (项目申报, 选址冲突检测), in the page's language.

Every list comes from the module that owns its values (project types from :mod:`projects.screening`,
land-use classes from :mod:`layers.land_use`, investment categories and funding sources from
:mod:`projects.proposals`); only the districts and the CRS shortlist are the form's own.
"""

from __future__ import annotations

from typing import Any

from layers.land_use import FIRST_LEVEL_CLASSES, SECOND_LEVEL_CLASSES
from projects.proposals import FUNDING_SOURCES, INVESTMENT_CATEGORIES
from projects.screening import PROJECT_TYPES

XIAMEN_DISTRICTS: dict[str, tuple[str, str]] = {
    "350203": ("思明区", "Siming"),
    "350205": ("海沧区", "Haicang"),
    "350206": ("湖里区", "Huli"),
    "350211": ("集美区", "Jimei"),
    "350212": ("同安区", "Tong'an"),
    "350213": ("翔安区", "Xiang'an"),
}
"""The districts of Xiamen by GB/T 2260 code, the platform's planning area."""

SITE_CRS_CHOICES: dict[str, tuple[str, str]] = {
    "": ("按文件声明（未声明则为WGS84）", "as the file declares (else WGS84)"),
    "EPSG:4326": ("WGS84 经纬度 (EPSG:4326)", "WGS84 lon/lat (EPSG:4326)"),
    "EPSG:4490": ("CGCS2000 经纬度 (EPSG:4490)", "CGCS2000 lon/lat (EPSG:4490)"),
    "EPSG:4548": ("CGCS2000 高斯-克吕格 中央经线117° (EPSG:4548)", "CGCS2000 Gauss-Krüger CM 117°E (EPSG:4548)"),
    "EPSG:4527": ("CGCS2000 高斯-克吕格 39带 带号 (EPSG:4527)", "CGCS2000 Gauss-Krüger zone 39 (EPSG:4527)"),
    "GCJ02": ("GCJ-02（高德、腾讯地图坐标）", "GCJ-02 (AMap, Tencent)"),
    "EPSG:3857": ("Web墨卡托 (EPSG:3857)", "Web Mercator (EPSG:3857)"),
}
"""The CRSs a site file usually comes in; any other EPSG code is typed in."""

SITE_FILE_ACCEPT = ".geojson,.json,.zip,.gpkg,.kml,.dxf"
"""The file chooser's filter: the formats of POST /api/v1/sites/from-file."""


def _pick(names: tuple[str, str], language: str) -> str:
    return names[0] if language == "zh" else names[1]


def site_form_choices(language: str) -> dict[str, list[tuple[str, str]]]:
    """(value, label) options of each form select, in ``language``."""
    land_uses = [(code, f"{code} {_pick(names, language)}") for code, names in FIRST_LEVEL_CLASSES.items()]
    land_uses += [(code, f"{code} {_pick(names, language)}") for code, names in SECOND_LEVEL_CLASSES.items()]

    def options(table: dict[str, tuple[str, str]], with_code: bool = False) -> list[tuple[str, str]]:
        return [(key, f"{key} {_pick(names, language)}" if with_code else _pick(names, language))
                for key, names in table.items()]

    return {
        "project_type": options(PROJECT_TYPES, with_code=True),
        "land_use": sorted(land_uses),
        "district": options(XIAMEN_DISTRICTS),
        "investment_category": options(INVESTMENT_CATEGORIES),
        "funding_source": options(FUNDING_SOURCES),
        "crs": options(SITE_CRS_CHOICES),
    }


def site_form_config() -> dict[str, Any]:
    """The site tools' part of a page's JavaScript configuration."""
    return {"siteFileAccept": SITE_FILE_ACCEPT}
