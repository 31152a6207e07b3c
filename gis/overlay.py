"""Overlay SQL: a proposed site against stored polygons, computed in PostGIS.

The site is a query literal in WGS84; the stored geometry is never transformed, so the GiST indexes of
the version's partition of ``layer_features`` and of ``layer_feature_parts`` (the ``ST_Subdivide`` pieces of
features with many vertices) drive every lookup. A feature's overlap is the union of its pieces'
intersections with the site; pieces of one feature never overlap, so nothing is counted twice.
Areas are true ellipsoidal areas (``geography``, WGS84 spheroid) in m². Touching boundaries give
an empty (zero-area) overlap and are dropped here; slivers are judged by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

GEOJSON_DECIMALS = 7

# The pieces of stored polygons under the site: whole features of few vertices, and the ST_Subdivide parts
# of the rest. Each branch is filtered by version first, then by the GiST index (&&), then exactly.
_PIECES = """
    site AS (SELECT ST_GeomFromWKB(:site, 4326) AS geom),
    pieces AS (
        SELECT feature.version_id, feature.id AS feature_id,
               ST_CollectionExtract(ST_Intersection(feature.geom, site.geom), 3) AS geom
        FROM layer_features AS feature, site
        WHERE feature.version_id = ANY(:versions) AND NOT feature.subdivided
          AND feature.geom && site.geom AND ST_Intersects(feature.geom, site.geom)
        UNION ALL
        SELECT part.version_id, part.feature_id, ST_CollectionExtract(ST_Intersection(part.geom, site.geom), 3)
        FROM layer_feature_parts AS part, site
        WHERE part.version_id = ANY(:versions) AND part.geom && site.geom AND ST_Intersects(part.geom, site.geom)
    )
"""

_FEATURE_OVERLAPS = text(
    f"""
    WITH {_PIECES},
    merged AS (
        SELECT version_id, feature_id, ST_UnaryUnion(ST_Collect(geom)) AS geom
        FROM pieces WHERE NOT ST_IsEmpty(geom) GROUP BY version_id, feature_id
    )
    SELECT feature.id AS feature_id, feature.version_id, feature.feature_index, feature.properties,
           ST_Area(merged.geom::geography) AS area_m2,
           ST_AsGeoJSON(merged.geom, :decimals)::json AS geometry
    FROM merged JOIN layer_features AS feature
      ON feature.version_id = merged.version_id AND feature.id = merged.feature_id
    WHERE feature.version_id = ANY(:versions)
    ORDER BY feature.version_id, feature.feature_index
    """
)

_OUTSIDE = text(
    f"""
    WITH {_PIECES},
    inside AS (SELECT ST_UnaryUnion(ST_Collect(geom)) AS geom FROM pieces WHERE NOT ST_IsEmpty(geom)),
    outside AS (
        SELECT CASE WHEN inside.geom IS NULL THEN site.geom
                    ELSE ST_CollectionExtract(ST_Difference(site.geom, inside.geom), 3) END AS geom
        FROM site, inside
    )
    SELECT ST_Area(geom::geography) AS area_m2, ST_AsGeoJSON(geom, :decimals)::json AS geometry
    FROM outside WHERE NOT ST_IsEmpty(geom)
    """
)

@dataclass(frozen=True)
class FeatureOverlap:
    """The part of a site that lies on one stored feature."""

    feature_id: int
    version_id: int
    feature_index: int
    properties: dict[str, Any]
    area_m2: float
    geometry: dict[str, Any]


@dataclass(frozen=True)
class OutsidePart:
    """The part of a site that lies outside every feature of some layer versions."""

    area_m2: float
    geometry: dict[str, Any]


def feature_overlaps(connection: Connection, site_wkb: bytes, version_ids: list[int]) -> list[FeatureOverlap]:
    """Every feature of the given layer versions whose interior the site enters, with the overlap."""
    if not version_ids:
        return []
    rows = connection.execute(
        _FEATURE_OVERLAPS, {"site": site_wkb, "versions": version_ids, "decimals": GEOJSON_DECIMALS}
    ).all()
    return [
        FeatureOverlap(row.feature_id, row.version_id, row.feature_index, row.properties, row.area_m2,
                       row.geometry)
        for row in rows
        if row.area_m2 > 0
    ]


def outside_part(connection: Connection, site_wkb: bytes, version_ids: list[int]) -> OutsidePart | None:
    """The part of the site outside all features of the given layer versions, or None if none is."""
    row = connection.execute(
        _OUTSIDE, {"site": site_wkb, "versions": version_ids, "decimals": GEOJSON_DECIMALS}
    ).one_or_none()
    if row is None or row.area_m2 <= 0:
        return None
    return OutsidePart(row.area_m2, row.geometry)
