"""Overlay in memory: a light site against stored pieces held in this process, as :mod:`gis.overlay` does in
PostGIS.

A light site (at most :data:`gis.overlay.SITE_PART_VERTICES` vertices) is cut against the stored pieces —
whole features of few vertices and the ``ST_Subdivide`` parts of the rest — with shapely (GEOS), the same
way the overlay statement cuts it: each feature's overlap is the union of its pieces' intersections with the
site, and the part of a site outside a set of layers is the site minus the stored pieces under it, never
minus their intersections. Areas are :func:`gis.area.ellipsoidal_areas_m2`, the formula the statement
uses, and geometries are GeoJSON as the statement writes them (exterior rings counter-clockwise,
:data:`gis.overlay.GEOJSON_DECIMALS` decimals).

The pieces of a layer version never change once imported, so a process can keep them
(:mod:`layers.kept_versions`, with the features' properties).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.area import ellipsoidal_areas_m2
from gis.overlay import (
    GEOJSON_DECIMALS,
    MAX_PROBE_CELLS,
    MIN_AREA_M2,
    PROBE_CELL_WIDTHS,
    SPARSE_SITE_RATIO,
    OutsidePart,
)


def _is_polygonal(geometries: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Which geometries are polygons or multipolygons."""
    types = shapely.get_type_id(geometries)
    return (types == shapely.GeometryType.POLYGON) | (types == shapely.GeometryType.MULTIPOLYGON)


@dataclass(frozen=True)
class PieceIndex:
    """The stored pieces of one layer version (WGS84 lon/lat), the feature each belongs to, their STRtree, and
    which pieces lie edge to edge with their neighbours, overlapping none (``in_coverage``).

    Any set of pieces all ``in_coverage`` is a valid coverage, whose union by edges alone is several times
    faster than a general union: a land-use plan's zones are one (checking 200,000 takes about 2 s, once).
    """

    feature_ids: NDArray[np.int64]
    geometries: NDArray[np.object_]
    tree: shapely.STRtree
    in_coverage: NDArray[np.bool_]

    @classmethod
    def from_wkb(cls, feature_ids: list[int], wkbs: list[bytes]) -> PieceIndex:
        geometries = shapely.from_wkb(np.array(wkbs, dtype=object))
        return cls(np.array(feature_ids, dtype=np.int64), geometries, shapely.STRtree(geometries),
                   shapely.is_empty(shapely.coverage_invalid_edges(geometries)))


@dataclass(frozen=True)
class FeatureHit:
    """The part of a site on one stored feature, before its properties are read."""

    version_id: int
    feature_id: int
    area_m2: float
    geometry: dict[str, Any]


def _probes(site: BaseGeometry) -> NDArray[np.object_]:
    """The boxes the index is probed with: the site's own, or for a sparse site (a road, a pipeline: less
    than 1/:data:`SPARSE_SITE_RATIO` of its box) the boxes of its pieces on a square grid, as the overlay
    statement probes (a 30 km corridor's own box takes in thousands of zones it does not touch)."""
    west, south, east, north = site.bounds
    box_area = (east - west) * (north - south)
    if site.area * SPARSE_SITE_RATIO >= box_area:
        return np.array([shapely.box(west, south, east, north)], dtype=object)
    width = max(PROBE_CELL_WIDTHS * 2 * site.area / site.length, (box_area / MAX_PROBE_CELLS) ** 0.5)
    xs = np.arange(west, east, width)
    ys = np.arange(south, north, width)
    grid_x, grid_y = np.meshgrid(xs, ys)
    cells = shapely.box(grid_x.ravel(), grid_y.ravel(), grid_x.ravel() + width, grid_y.ravel() + width)
    cells = cells[shapely.intersects(site, cells)]
    return shapely.envelope(shapely.intersection(cells, site))


def _under(site: BaseGeometry, probes: NDArray[np.object_], index: PieceIndex) -> NDArray[np.intp]:
    """The indices of ``index``'s pieces that the site touches."""
    if len(probes) == 1:  # the tree tests the (prepared) site itself
        return index.tree.query(site, predicate="intersects")
    candidates = np.unique(index.tree.query(probes)[1])
    return candidates[shapely.intersects(site, index.geometries[candidates])]


def _cut(pieces: NDArray[np.object_], site: BaseGeometry) -> NDArray[np.object_]:
    """Each piece's part on the (prepared) site: a piece wholly inside the site is its own part, what the overlay
    statement's intersection gives, without computing it (a third of the pieces under a compact site)."""
    inside = shapely.contains_properly(site, pieces)
    cut = pieces.copy()
    cut[~inside] = shapely.intersection(pieces[~inside], site)
    return cut


def _polygonal(geometries: NDArray[np.object_]) -> NDArray[np.object_]:
    """Each geometry's polygons (``ST_CollectionExtract(…, 3)``): lines and points that an intersection or
    difference leaves along shared edges dropped; empty where nothing polygonal is left."""
    out = geometries.copy()
    for i in np.flatnonzero(~_is_polygonal(geometries)):
        parts = shapely.get_parts(geometries[i])
        parts = parts[_is_polygonal(parts)]
        out[i] = shapely.multipolygons(shapely.get_parts(parts)) if len(parts) else shapely.Polygon()
    return out


def geojson(geometries: NDArray[np.object_]) -> list[dict[str, Any]]:
    """GeoJSON geometries as the overlay statement writes them: rings oriented as RFC 7946 asks, coordinates
    rounded to :data:`GEOJSON_DECIMALS` decimals."""
    oriented = shapely.orient_polygons(geometries, exterior_cw=False)
    rounded = shapely.transform(oriented, lambda xy: np.round(xy, GEOJSON_DECIMALS))
    return [orjson.loads(text) for text in shapely.to_geojson(rounded)]


def overlay_in_memory(
    site: BaseGeometry, overlap: Mapping[int, PieceIndex], outside_of: Mapping[str, Mapping[int, PieceIndex]]
) -> tuple[list[FeatureHit], dict[str, OutsidePart]]:
    """A light site (WGS84) against pieces kept in memory: the overlap with each feature of the versions of
    ``overlap`` (by version id), ordered by version and feature, and for each named set of ``outside_of``
    the part of the site outside all of its pieces (absent when the site lies inside). Areas in m² on the
    WGS84 ellipsoid; overlaps and outside parts under :data:`gis.overlay.MIN_AREA_M2` are left out."""
    shapely.prepare(site)  # tested against every piece under it
    probes = _probes(site)
    keys: list[tuple[int, int]] = []
    cut: list[Any] = []
    for version_id in sorted(overlap):
        index = overlap[version_id]
        hit = _under(site, probes, index)
        keys.extend((version_id, int(feature_id)) for feature_id in index.feature_ids[hit])
        cut.extend(_cut(index.geometries[hit], site))
    by_feature: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for key, piece in zip(keys, _polygonal(np.array(cut, dtype=object)), strict=True):
        by_feature[key].append(piece)
    features = sorted(by_feature)
    merged = np.array([_union(np.array(by_feature[key], dtype=object)) for key in features], dtype=object)
    kept, areas, geometries = _measured(merged)
    overlaps = [FeatureHit(*features[i], area, geometry)
                for i, area, geometry in zip(kept, areas, geometries, strict=True)]

    names = sorted(name for name, indexes in outside_of.items() if indexes)
    remainders = []
    for name in names:
        under = [(index, _under(site, probes, index)) for index in outside_of[name].values()]
        pieces = np.concatenate([index.geometries[hit] for index, hit in under])
        if not len(pieces):
            remainders.append(site)
        elif shapely.covers(pieces, site).any():  # the usual case, without a union: one piece holds the site
            remainders.append(shapely.Polygon())
        else:
            coverage = len(under) == 1 and bool(under[0][0].in_coverage[under[0][1]].all())
            remainders.append(shapely.difference(site, _union(pieces, coverage)))
    kept, areas, geometries = _measured(np.array(remainders, dtype=object))
    outside = {names[i]: OutsidePart(area, geometry) for i, area, geometry in zip(kept, areas, geometries, strict=True)}
    return overlaps, outside


COVERAGE_CHECK_PIECES = 64
"""A union of more pieces checks first whether they form a coverage (a land-use plan's zones do)."""


def _union(pieces: NDArray[np.object_], coverage: bool = False) -> BaseGeometry:
    """The union of pieces: by edges alone where they form a valid coverage (no overlaps, shared edges
    matching: known to, or else checked for more than :data:`COVERAGE_CHECK_PIECES`), several times faster
    than a general union for the zones under a site, hundreds under a long corridor."""
    if len(pieces) == 1:
        return pieces[0]
    if coverage or (len(pieces) > COVERAGE_CHECK_PIECES and shapely.coverage_is_valid(pieces)):
        return shapely.coverage_union_all(pieces)
    return shapely.union_all(pieces)


def _measured(geometries: NDArray[np.object_]) -> tuple[list[int], list[float], list[dict[str, Any]]]:
    """The positions, areas (m²) and GeoJSON of those of ``geometries`` whose polygons reach
    :data:`~gis.overlay.MIN_AREA_M2`."""
    if not len(geometries):
        return [], [], []
    polygons = _polygonal(geometries)
    areas = ellipsoidal_areas_m2(polygons)
    kept = np.flatnonzero(~shapely.is_empty(polygons) & (areas >= MIN_AREA_M2))
    return kept.tolist(), areas[kept].tolist(), geojson(polygons[kept])
