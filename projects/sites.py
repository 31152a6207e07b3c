"""Proposed sites (预选址): from a GeoJSON geometry in any CRS to a validated WGS84 MultiPolygon."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import MultiPolygon

from gis.area import ellipsoidal_area_m2
from gis.crs import check_area_of_use, parse_crs, to_wgs84
from gis.geometry import count_vertices, parse_geojson_geometry, require_site
from projects.settings import screening_settings


@dataclass(frozen=True)
class Site:
    """A validated site: WGS84 lon/lat MultiPolygon, the CRS it came in, its true area in m²."""

    geometry: MultiPolygon
    source_crs: str
    area_m2: float

    @cached_property
    def wkb(self) -> bytes:
        return shapely.to_wkb(self.geometry, output_dimension=2)

    @cached_property
    def vertex_count(self) -> int:
        return count_vertices(self.geometry)


def prepare_site(geojson: dict[str, Any] | str, crs: str | None = None) -> Site:
    """Parse, check and transform a site; raise :class:`gis.errors.SpatialInputError` on bad input.

    Checks, in order: well-formed GeoJSON, a known CRS, coordinates inside the CRS's area of use (which
    catches lat/lon swapped), non-empty, polygonal, valid (self-intersections with their location), and
    the vertex limit. Validity is checked in the input CRS so reported locations match the input.
    """
    geometry = parse_geojson_geometry(geojson)
    input_crs = parse_crs(crs)
    if not geometry.is_empty:
        check_area_of_use(geometry, input_crs)
    site = require_site(geometry, max_vertices=screening_settings().max_site_vertices)
    wgs84 = to_wgs84(site, input_crs)
    return Site(geometry=wgs84, source_crs=input_crs.label, area_m2=ellipsoidal_area_m2(wgs84))
