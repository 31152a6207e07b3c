"""Proposed sites (预选址): from a GeoJSON geometry or a site file in any CRS to a validated WGS84 MultiPolygon."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from gis.area import ellipsoidal_area_m2
from gis.crs import InputCrs, check_area_of_use, parse_crs, to_wgs84
from gis.errors import SpatialInputError
from gis.geometry import count_vertices, parse_geojson_geometry, require_site, site_from_features
from gis.messages import Message, Text, phrases
from layers.source import read_layer_file
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


phrases("sitefile", empty=Text("{file}中没有任何要素，无法形成选址。", "{file} has no features: it draws no site."))


def prepare_site(geojson: dict[str, Any] | str, crs: str | None = None) -> Site:
    """Parse, check and transform a site; raise :class:`gis.errors.SpatialInputError` on bad input.

    Checks, in order: well-formed GeoJSON, a known CRS, coordinates inside the CRS's area of use (which
    catches lat/lon swapped), non-empty, polygonal, valid (self-intersections with their location), and
    the vertex limit. Validity is checked in the input CRS so reported locations match the input.
    """
    return _checked_site(parse_geojson_geometry(geojson), parse_crs(crs))


def site_from_file(path: Path, crs: str | None = None) -> Site:
    """The site drawn in a GeoJSON, zipped Shapefile, GeoPackage, KML or DXF file (its features unioned).

    ``crs`` names the coordinates' CRS (any EPSG code, or ``GCJ02``) and wins over what the file declares;
    a file that declares none (DXF) is read as WGS84 unless named, so projected metres are refused with a
    hint. Closed CAD polylines are polygons (:func:`gis.geometry.site_from_features`). Raises
    :class:`gis.errors.SpatialInputError`: "malformed-file", "empty-file", "not-a-site", then the checks of
    :func:`prepare_site`.
    """
    layer_file = read_layer_file(path)
    input_crs = layer_file.resolve_crs(crs)
    if len(layer_file) == 0:
        raise SpatialInputError("empty-file", Message("sitefile.empty", file=path.name))
    geometries = shapely.from_wkb(layer_file.wkb(0, len(layer_file)).to_numpy(zero_copy_only=False),
                                  on_invalid="ignore")
    return _checked_site(site_from_features(geometries, path.name), input_crs)


def _checked_site(geometry: BaseGeometry, input_crs: InputCrs) -> Site:
    if not geometry.is_empty:
        check_area_of_use(geometry, input_crs)
    site = require_site(geometry, max_vertices=screening_settings().max_site_vertices)
    wgs84 = to_wgs84(site, input_crs)
    return Site(geometry=wgs84, source_crs=input_crs.label, area_m2=ellipsoidal_area_m2(wgs84))
