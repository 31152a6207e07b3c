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

from sqlalchemy import Connection, TextClause, text

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

# One statement for a whole overlay: the pieces are cut once, then merged per feature for the overlaps and
# unioned per named set of versions for the parts outside. Each outside set is given as parallel arrays
# (set name, version id) so that any number of sets fits one prepared statement.
_SITE_OVERLAY = text(
    f"""
    WITH {_PIECES},
    merged AS (
        SELECT version_id, feature_id, ST_UnaryUnion(ST_Collect(geom)) AS geom
        FROM pieces WHERE NOT ST_IsEmpty(geom) AND version_id = ANY(:overlap_versions)
        GROUP BY version_id, feature_id
    ),
    feature_overlaps AS (
        SELECT CAST(NULL AS text) AS outside_of, feature.id AS feature_id, feature.version_id,
               feature.feature_index, feature.properties, merged.geom
        FROM merged JOIN layer_features AS feature
          ON feature.version_id = merged.version_id AND feature.id = merged.feature_id
        WHERE feature.version_id = ANY(:overlap_versions)
    ),
    outside_sets AS (
        SELECT name, array_agg(version_id) AS versions
        FROM unnest(CAST(:outside_names AS text[]), CAST(:outside_versions AS integer[])) AS member(name, version_id)
        GROUP BY name
    ),
    outside_parts AS (
        SELECT outside_sets.name AS outside_of, CAST(NULL AS bigint), CAST(NULL AS integer), CAST(NULL AS integer),
               CAST(NULL AS jsonb),
               CASE WHEN inside.geom IS NULL THEN site.geom
                    ELSE ST_CollectionExtract(ST_Difference(site.geom, inside.geom), 3) END
        FROM outside_sets CROSS JOIN site
        LEFT JOIN LATERAL (
            SELECT ST_UnaryUnion(ST_Collect(pieces.geom)) AS geom FROM pieces
            WHERE NOT ST_IsEmpty(pieces.geom) AND pieces.version_id = ANY(outside_sets.versions)
        ) AS inside ON true
    )
    SELECT outside_of, feature_id, version_id, feature_index, properties, ST_Area(geom::geography) AS area_m2,
           ST_AsGeoJSON(geom, :decimals)::json AS geometry
    FROM (SELECT * FROM feature_overlaps UNION ALL SELECT * FROM outside_parts) AS found
    WHERE NOT ST_IsEmpty(geom)
    ORDER BY outside_of NULLS FIRST, version_id, feature_index
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


@dataclass(frozen=True)
class SiteOverlay:
    """A site against stored layers: its overlap with each feature, and what lies outside each named set.

    ``outside`` has an entry for each named set the site is not wholly inside.
    """

    overlaps: list[FeatureOverlap]
    outside: dict[str, OutsidePart]


def overlay_statement(
    site_wkb: bytes, overlap_versions: list[int], outside_of: dict[str, list[int]]
) -> tuple[TextClause, dict[str, Any]]:
    """The overlay statement and its parameters (:func:`overlay_site` runs it; a benchmark times it alone)."""
    members = [(name, version) for name, versions in outside_of.items() for version in versions]
    return _SITE_OVERLAY, {
        "site": site_wkb,
        "versions": sorted({*overlap_versions, *(version for _, version in members)}),
        "overlap_versions": overlap_versions,
        "outside_names": [name for name, _ in members],
        "outside_versions": [version for _, version in members],
        "decimals": GEOJSON_DECIMALS,
    }


def overlay_site(
    connection: Connection, site_wkb: bytes, overlap_versions: list[int], outside_of: dict[str, list[int]]
) -> SiteOverlay:
    """Overlay a site (WKB, WGS84) with stored layer versions in one statement.

    Every feature of ``overlap_versions`` whose interior the site enters comes with its overlap; for each
    named set of ``outside_of`` (a set without versions is skipped) the part of the site outside all of its
    features. Areas are in m² on the WGS84 spheroid; geometries are GeoJSON in WGS84.
    """
    if not overlap_versions and not any(outside_of.values()):
        return SiteOverlay([], {})
    rows = connection.execute(*overlay_statement(site_wkb, overlap_versions, outside_of)).all()
    overlaps = [
        FeatureOverlap(row.feature_id, row.version_id, row.feature_index, row.properties, row.area_m2,
                       row.geometry)
        for row in rows
        if row.outside_of is None and row.area_m2 > 0
    ]
    outside = {row.outside_of: OutsidePart(row.area_m2, row.geometry)
               for row in rows if row.outside_of is not None and row.area_m2 > 0}
    return SiteOverlay(overlaps, outside)
