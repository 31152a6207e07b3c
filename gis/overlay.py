"""Overlay SQL: a proposed site against stored polygons, computed in PostGIS.

The site is a query literal in WGS84; the stored geometry is never transformed, so the GiST indexes of
the version's partition of ``layer_features`` and of ``layer_feature_parts`` (the ``ST_Subdivide`` pieces of
features with many vertices) drive every lookup. A feature's overlap is the union of its pieces'
intersections with the site; pieces of one feature never overlap, so nothing is counted twice. A heavy
site (more than :data:`SITE_PART_VERTICES` vertices) is cut into parts too (:func:`site_parts`): a small feature is
intersected with the few parts of the site it touches rather than with the whole outline (each intersection
costs both polygons' vertices, and 400 land-use zones against a 99,000-vertex site took seconds), and a
feature stored in parts is intersected whole with the whole site, one indexed overlay of two large
polygons instead of hundreds of small ones to union again. Both give the same point set. The part
of a site outside a set of layers is the site minus the stored pieces themselves, never minus their
intersections with the site: those share the site's edges, and subtracting them leaves zero-width dust
along every edge.

Areas are ellipsoidal areas in m² with edges straight in lon/lat, as the overlay cuts them
(:func:`gis.area.area_m2_sql`), so the overlaps and the outside part of a site add up to the site.
Anything below :data:`MIN_AREA_M2` is a touch, not an overlap, and is dropped here; slivers are judged by
the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import Connection, TextClause, text

from gis.area import area_m2_sql
from gis.geometry import count_vertices, subdivide
from gis.sql import geojson_sql

GEOJSON_DECIMALS = 7

SITE_PART_VERTICES = 512
"""A site of more vertices is heavy: it is cut into parts of at most this many (:func:`site_parts`)."""

SPARSE_SITE_RATIO = 4
"""A site filling less than 1/4 of its bounding box is sparse: the index is probed with the boxes of its pieces."""

PROBE_CELL_WIDTHS = 8
"""A sparse site is cut by a grid of cells this many times its width (twice its area over its perimeter)…"""

MAX_PROBE_CELLS = 4096
"""…but never of more cells than this over its bounding box."""

MIN_AREA_M2 = 0.005
"""Half the 0.01 m² to which reports round areas: a smaller overlap is a shared boundary, not an overlap."""

# The stored pieces under the site: whole features of few vertices, and the ST_Subdivide parts of the
# rest. Each branch is filtered by version first, then by the GiST index (&&) with each probe box, then
# exactly against the whole site. The probe box is the site's own, except for a sparse site (one that fills
# less than 1/SPARSE_SITE_RATIO of its box: a road, a pipeline, a greenway), which is cut by a square grid
# and probed with the box of each piece: a 30 km × 60 m corridor's own box took in 15,000 land-use zones
# it does not touch. Every feature under the site lies under one of its pieces, so the same ones are found.
_CANDIDATES = """
    site AS (
        SELECT geom, cardinality(CAST(:site_parts AS bytea[])) > 1 AS heavy,
               ST_Area(geom) * :sparse_site_ratio < ST_Area(ST_Envelope(geom)) AS sparse
        FROM (SELECT ST_GeomFromWKB(:site, 4326) AS geom) AS given
    ),
    probes AS MATERIALIZED (
        SELECT ST_Envelope(site.geom) AS box FROM site WHERE NOT site.sparse
        UNION ALL
        SELECT ST_Expand(ST_Envelope(ST_Intersection(cell.geom, site.geom)), 1e-9)
        FROM site, ST_SquareGrid(greatest(
            :probe_widths * 2 * ST_Area(site.geom) / ST_Perimeter(site.geom),  -- a strip's width is 2·area/perimeter
            sqrt(ST_Area(ST_Envelope(site.geom)) / :max_probe_cells)), site.geom) AS cell
        WHERE site.sparse AND ST_Intersects(cell.geom, site.geom)
    ),
    candidates AS (
        SELECT DISTINCT ON (found.is_part, found.id) found.version_id, found.feature_id, found.geom, found.is_part
        FROM site, probes CROSS JOIN LATERAL (
            SELECT feature.version_id, feature.id, feature.id AS feature_id, feature.geom, false AS is_part
            FROM layer_features AS feature
            WHERE feature.version_id = ANY(:versions) AND NOT feature.subdivided AND feature.geom && probes.box
            UNION ALL
            SELECT part.version_id, part.id, part.feature_id, part.geom, true
            FROM layer_feature_parts AS part
            WHERE part.version_id = ANY(:versions) AND part.geom && probes.box
        ) AS found
        WHERE ST_Intersects(found.geom, site.geom)
    )
"""

# One statement for a whole overlay: the pieces of the overlap versions are cut once (by the site's parts
# when it is heavy; a light site is its only part) and merged per feature; for each named set of versions
# the site minus that set's pieces is its part outside. Each outside set is given as parallel arrays (set
# name, version id) so that any number of sets fits one prepared statement.
_SITE_OVERLAY = text(
    f"""
    WITH {_CANDIDATES},
    site_parts AS MATERIALIZED (
        SELECT ST_GeomFromWKB(part, 4326) AS geom FROM unnest(CAST(:site_parts AS bytea[])) AS part),
    pieces AS (
        SELECT candidates.version_id, candidates.feature_id,
               ST_CollectionExtract(ST_Intersection(candidates.geom, site_part.geom), 3) AS geom
        FROM candidates, site, site_parts AS site_part
        WHERE candidates.version_id = ANY(:overlap_versions) AND NOT (site.heavy AND candidates.is_part)
          AND (NOT site.heavy OR candidates.geom && site_part.geom AND ST_Intersects(candidates.geom, site_part.geom))
        UNION ALL
        SELECT feature.version_id, feature.id, ST_CollectionExtract(ST_Intersection(feature.geom, site.geom), 3)
        FROM layer_features AS feature, site
        WHERE site.heavy AND feature.version_id = ANY(:overlap_versions) AND (feature.version_id, feature.id) IN (
            SELECT version_id, feature_id FROM candidates WHERE is_part)
    ),
    merged AS (
        SELECT version_id, feature_id, ST_UnaryUnion(ST_Collect(geom)) AS geom
        FROM pieces GROUP BY version_id, feature_id
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
            SELECT ST_UnaryUnion(ST_Collect(candidates.geom)) AS geom FROM candidates
            WHERE candidates.version_id = ANY(outside_sets.versions)
        ) AS inside ON true
    )
    SELECT outside_of, feature_id, version_id, feature_index, properties, {area_m2_sql("found.geom")} AS area_m2,
           {geojson_sql('geom')} AS geometry
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


def site_parts(site_wkb: bytes, max_vertices: int = SITE_PART_VERTICES) -> list[bytes]:
    """The parts (WKB) the overlay statement cuts a site (WKB) into: the site itself when it has at most
    ``max_vertices`` vertices, else :func:`gis.geometry.subdivide`'s parts, cut here rather than by
    ``ST_Subdivide`` in the statement, which took a quarter of a 99,000-vertex site's overlay."""
    site = shapely.from_wkb(site_wkb)
    if count_vertices(site) <= max_vertices:
        return [site_wkb]
    return list(shapely.to_wkb(subdivide(site, max_vertices), output_dimension=2))


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
        "site_parts": site_parts(site_wkb),
        "sparse_site_ratio": SPARSE_SITE_RATIO,
        "probe_widths": PROBE_CELL_WIDTHS,
        "max_probe_cells": MAX_PROBE_CELLS,
    }


def overlay_site(
    connection: Connection, site_wkb: bytes, overlap_versions: list[int], outside_of: dict[str, list[int]]
) -> SiteOverlay:
    """Overlay a site (WKB, WGS84) with stored layer versions in one statement.

    Every feature of ``overlap_versions`` whose interior the site enters comes with its overlap; for each
    named set of ``outside_of`` (a set without versions is skipped) the part of the site outside all of its
    features. Areas are in m² on the WGS84 spheroid; geometries are GeoJSON in WGS84.
    """
    if not needs_overlay(overlap_versions, outside_of):
        return SiteOverlay([], {})
    return overlay_from_rows(connection.execute(*overlay_statement(site_wkb, overlap_versions, outside_of)).all())


def needs_overlay(overlap_versions: list[int], outside_of: dict[str, list[int]]) -> bool:
    """Whether there is anything to overlay a site with (else its overlay is empty, without a statement)."""
    return bool(overlap_versions) or any(outside_of.values())


def overlay_from_rows(rows: Sequence[Any]) -> SiteOverlay:
    """The overlay from the rows of :func:`overlay_statement`, run by :func:`overlay_site` or with other
    statements (the screening's)."""
    overlaps = [
        FeatureOverlap(row.feature_id, row.version_id, row.feature_index, row.properties, row.area_m2,
                       row.geometry)
        for row in rows
        if row.outside_of is None and row.area_m2 >= MIN_AREA_M2
    ]
    outside = {row.outside_of: OutsidePart(row.area_m2, row.geometry)
               for row in rows if row.outside_of is not None and row.area_m2 >= MIN_AREA_M2}
    return SiteOverlay(overlaps, outside)
