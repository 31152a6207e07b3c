"""True ground areas: square metres on the WGS84 ellipsoid, and the units Chinese planners read.

Planners read areas in m², 亩 (mu) and 公顷 (hectares). Areas are always ellipsoidal areas of WGS84
lon/lat geometry, never square degrees and never areas in a projected CRS, whose scale varies.

Edges are taken as straight lines in lon/lat: that is how GEOS (shapely, PostGIS ``geometry``) cuts
and joins polygons, so the pieces of an overlay sum to the whole. Geodesic edges (``geography``,
``pyproj.Geod``) do not: a vertex that an intersection adds on a 5 km edge at 24.5°N moves that edge's
geodesic by about 0.2 m and its area by hundreds of m², so a site wholly inside a polygon would show a
zero-width "outside" part of hundreds of m².

The measure is the polygon's area in square degrees times the ellipsoid's area element at the
latitude of its centroid, ``M(φ)·N(φ)·cos φ`` per square radian. Because the centroid is the
area-weighted mean latitude, the first-order error cancels; what remains is about ``var(φ)/2`` (φ in
radians over the geometry), below 1e-5 for anything under a degree tall, which is every planning
feature and site. Python (:func:`ellipsoidal_area_m2`, :func:`ellipsoidal_areas_m2`) and SQL
(:func:`area_m2_sql`) compute the same formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

M2_PER_MU = 10_000 / 15  # 1 亩 = 1/15 ha = 666.67 m²
M2_PER_HECTARE = 10_000  # 1 公顷

WGS84_A = 6_378_137.0
WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)
# m² per square degree at the equator, before the latitude factor cos φ / (1 - e² sin² φ)²
_M2_PER_DEG2 = math.radians(1) ** 2 * WGS84_A**2 * (1 - WGS84_E2)


def ellipsoidal_areas_m2(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas in m² on the WGS84 ellipsoid of many WGS84 lon/lat geometries (x = longitude) at once.

    Holes are subtracted and the parts of multi-part geometries summed, whatever the rings'
    orientation; points, lines, empty geometry and None have area 0.
    """
    planar_deg2 = np.nan_to_num(shapely.area(geoms))
    centroids = shapely.centroid(geoms)
    centroids[shapely.is_empty(centroids) | shapely.is_missing(centroids)] = None  # get_y refuses empty points
    latitude = np.radians(np.nan_to_num(shapely.get_y(centroids)))
    return planar_deg2 * _M2_PER_DEG2 * np.cos(latitude) / (1 - WGS84_E2 * np.sin(latitude) ** 2) ** 2


def ellipsoidal_area_m2(geom: BaseGeometry | None) -> float:
    """Area in m² on the WGS84 ellipsoid of one WGS84 lon/lat geometry (see :func:`ellipsoidal_areas_m2`)."""
    return float(ellipsoidal_areas_m2(np.array([geom], dtype=object))[0])


def area_m2_sql(geometry: str) -> str:
    """A SQL expression for the area in m² of a WGS84 ``geometry`` expression, as :func:`ellipsoidal_area_m2`.

    Empty geometry gives 0. ``geometry`` is SQL text written by the platform, never user input.
    """
    return (
        f"(SELECT coalesce(ST_Area(measured.geom) * {_M2_PER_DEG2!r} * cos(measured.phi) "
        f"/ power(1 - {WGS84_E2!r} * power(sin(measured.phi), 2), 2), 0) "
        "FROM (SELECT shape.geom, radians(ST_Y(ST_Centroid(shape.geom))) AS phi "
        f"FROM (SELECT {geometry} AS geom) AS shape) AS measured)"
    )


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
