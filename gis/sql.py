"""SQL pieces that queries are built from: a fragment with its bound parameters, GeoJSON geometry output.

Geometries are stored in WGS84 lon/lat (SRID 4326). GeoJSON out is RFC 7946 by default: lon/lat, exterior
rings counter-clockwise and holes clockwise (``ST_ForcePolygonCCW``; the stored rings keep whatever winding
the source file had), no ``crs`` member.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gis.crs import CRS84_SERVED, ServedCrs


@dataclass(frozen=True)
class SqlFragment:
    """A piece of SQL (e.g. a WHERE condition) and the values of its ``:name`` parameters.

    Parameter names must be unique across the fragments of one statement: give a fragment's names a
    prefix of its own (``bbox_west``, ``filter_0``).
    """

    sql: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __and__(self, other: SqlFragment) -> SqlFragment:
        clash = set(self.parameters) & set(other.parameters)
        if clash:
            raise ValueError(f"SQL parameters {sorted(clash)} are bound twice")
        return SqlFragment(f"({self.sql}) AND ({other.sql})", {**self.parameters, **other.parameters})


def geojson_sql(geometry: str, decimals: str | int = ":decimals", crs: ServedCrs = CRS84_SERVED) -> str:
    """SQL of ``geometry`` (a stored SRID 4326 column or expression) as a GeoJSON geometry (``json``).

    Rings are made counter-clockwise first (RFC 7946), then transformed in the database to ``crs`` and
    their coordinates swapped where its axis order is latitude/northing first (EPSG:4326, EPSG:4490,
    EPSG:4548…). ``decimals`` is a bound parameter or a number of decimals.
    """
    expression = f"ST_ForcePolygonCCW({geometry})"
    if crs.srid != 4326:
        expression = f"ST_Transform({expression}, {int(crs.srid)})"
    if crs.northing_first:
        expression = f"ST_FlipCoordinates({expression})"
    return f"ST_AsGeoJSON({expression}, {decimals}, 0)::json"  # options 0: no "crs" member
