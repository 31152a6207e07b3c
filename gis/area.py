"""True ground areas: square metres on the WGS84 ellipsoid, and the units Chinese planners read.

Planners read areas in m², 亩 (mu) and 公顷 (hectares). Areas are always ellipsoidal (geodesic) areas of
WGS84 lon/lat geometry, never square degrees and never areas in a projected CRS, whose scale varies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry, BaseMultipartGeometry

M2_PER_MU = 10_000 / 15  # 1 亩 = 1/15 ha = 666.67 m²
M2_PER_HECTARE = 10_000  # 1 公顷

_WGS84_GEOD = Geod(ellps="WGS84")


def _ring_area_m2(ring: BaseGeometry) -> float:
    x, y = ring.xy
    # The sign only says the ring's orientation, which input does not promise; the size is what counts.
    return abs(_WGS84_GEOD.polygon_area_perimeter(x, y)[0])


def _polygon_area_m2(polygon: Polygon) -> float:
    return _ring_area_m2(polygon.exterior) - sum(_ring_area_m2(hole) for hole in polygon.interiors)


def geodesic_area_m2(geom: BaseGeometry | None) -> float:
    """Area in m² on the WGS84 ellipsoid of a geometry in WGS84 lon/lat (EPSG:4326, x = longitude).

    Holes are subtracted and the polygons of a MultiPolygon or GeometryCollection summed, whatever the
    rings' orientation; points, lines, empty geometry and None have area 0. Edges are taken as geodesics,
    which for site-sized polygons is indistinguishable from the straight edges drawn on a map.
    """
    if geom is None or geom.is_empty:
        return 0.0
    if isinstance(geom, Polygon):
        return _polygon_area_m2(geom)
    if isinstance(geom, BaseMultipartGeometry):
        return sum(geodesic_area_m2(part) for part in geom.geoms)
    return 0.0


def equal_area_m2(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas in m² of many WGS84 lon/lat geometries at once, for bulk imports.

    Coordinates are projected with an Albers equal-area conic on the WGS84 ellipsoid, its standard parallels
    at 1/6 and 5/6 of the data's latitude span, and the planar areas taken. The projection preserves
    ellipsoidal area exactly, so this equals :func:`geodesic_area_m2` up to the shape of long edges (below
    1e-5 for digitised planning data), at a hundredth of the cost.
    """
    if len(geoms) == 0:
        return np.zeros(0)
    west, south, east, north = shapely.total_bounds(geoms)
    span = north - south
    albers = CRS.from_proj4(
        f"+proj=aea +lat_1={south + span / 6} +lat_2={north - span / 6} +lat_0={(south + north) / 2} "
        f"+lon_0={(west + east) / 2} +ellps=WGS84 +units=m +no_defs"
    )
    transformer = Transformer.from_crs("EPSG:4326", albers, always_xy=True)
    projected = shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return shapely.area(projected)


@dataclass(frozen=True)
class AreaFigures:
    """One area in the three units planners use: m², 亩 (mu) and hectares (公顷)."""

    m2: float
    mu: float
    hectares: float

    @classmethod
    def from_m2(cls, m2: float) -> AreaFigures:
        return cls(m2=m2, mu=m2 / M2_PER_MU, hectares=m2 / M2_PER_HECTARE)

    def as_dict(self) -> dict[str, float]:
        """Rounded for display and JSON: m² to 0.01, 亩 to 0.0001, hectares to 0.000001 (all 0.01 m²)."""
        return {"m2": round(self.m2, 2), "mu": round(self.mu, 4), "hectares": round(self.hectares, 6)}
