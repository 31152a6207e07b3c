"""Write layers as GeoJSON or GeoPackage, byte for byte the same for the same input.

Geometry arrives in EPSG:4548 metres and leaves in the layer's CRS: lon/lat degrees rounded to 7 decimals
(about 1 cm) for EPSG:4326 and EPSG:4490, metres rounded to 3 decimals for EPSG:4548. Rounding goes through
`shapely.set_precision`, which snaps to the grid and repairs what snapping could break, or, for layers whose
features never overlap, through `snap_coverage`, which rounds them together so that they stay edge-matched.
Every written geometry is valid at the precision it is written with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas
import numpy as np
import pyogrio
import shapely
from numpy.typing import NDArray

from .geo import to_lonlat
from .layers import Layer

DECIMALS = {"EPSG:4326": 7, "EPSG:4490": 7, "EPSG:4548": 3}
# Longest rounding sliver to expect between neighbours, in CRS units (about 10 km).
_SLIVER_LENGTH = {"EPSG:4326": 0.1, "EPSG:4490": 0.1, "EPSG:4548": 10_000.0}
# GDAL stamps GeoPackages with the current time unless told otherwise; a fixed date keeps them reproducible.
_GPKG_DATE = "2024-01-01T00:00:00Z"


def output_geometry(layer: Layer) -> tuple[NDArray[np.object_], NDArray[np.bool_]]:
    """The layer's geometry in its output CRS at output precision, and which features survived (a sliver
    thinner than the grid vanishes when snapped)."""
    geoms = layer.geometry if layer.crs == "EPSG:4548" else to_lonlat(layer.geometry)
    grid = 10.0 ** -DECIMALS[layer.crs]
    if layer.coverage:
        geoms = snap_coverage(geoms, grid, max_gap=grid * _SLIVER_LENGTH[layer.crs])
    else:
        geoms = shapely.set_precision(geoms, grid)
    keep = ~shapely.is_empty(geoms)
    if not shapely.is_valid(geoms[keep]).all():
        raise ValueError(f"{layer.kind}: invalid geometry after rounding")
    return geoms[keep], keep


def snap_coverage(geoms: NDArray[np.object_], grid: float, max_gap: float) -> NDArray[np.object_]:
    """Round non-overlapping polygons to the grid without opening gaps or overlaps between neighbours.

    Rounding each polygon alone would move the vertices one neighbour has on a shared edge (and the other
    has not) off the other's straight edge: cm-wide slivers. Instead all boundaries are noded together by
    snap-rounding on the grid, the faces rebuilt and each handed back to the polygon it lies in (a face in
    two, from such a sliver, to the lower index; a sliver gap in none to a neighbour). A polygon left
    without a face comes back empty. `max_gap` is the largest area (CRS units²) still taken for a sliver
    gap; a larger face in no polygon is a hole and stays one.
    """
    linework = shapely.union_all(shapely.boundary(geoms), grid_size=grid)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    tree = shapely.STRtree(geoms)
    owner = _lowest_hit(len(faces), *tree.query(shapely.point_on_surface(faces), predicate="intersects"))
    gaps = np.flatnonzero((owner < 0) & (shapely.area(faces) < max_gap))
    owner[gaps] = _lowest_hit(len(gaps), *tree.query(faces[gaps], predicate="intersects"))
    out = np.full(len(geoms), shapely.Polygon(), dtype=object)
    order = np.argsort(owner, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(owner[order])) + 1)
    for group in groups:
        g = owner[group[0]]
        if g >= 0:  # faces of one polygon share whole edges: a coverage union merges them exactly
            out[g] = faces[group[0]] if len(group) == 1 else shapely.coverage_union_all(faces[group])
    return out


def _lowest_hit(n: int, items: NDArray[np.int64], hits: NDArray[np.int64]) -> NDArray[np.int64]:
    """For each of n query items, the lowest index it hit, or -1."""
    out = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((hits, items))
    items, hits = items[order], hits[order]
    first = np.unique(items, return_index=True)[1]
    out[items[first]] = hits[first]
    return out


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _rings(polygon: shapely.Polygon, decimals: int) -> list[list[list[float]]]:
    rings = [polygon.exterior, *polygon.interiors]
    return [np.round(shapely.get_coordinates(r), decimals).tolist() for r in rings]


def _geometry_json(geom: shapely.Geometry, decimals: int) -> dict[str, Any]:
    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": _rings(geom, decimals)}
    if geom.geom_type == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [_rings(p, decimals) for p in geom.geoms]}
    raise ValueError(f"unexpected {geom.geom_type}")


def _properties(layer: Layer, keep: NDArray[np.bool_]) -> list[dict[str, Any]]:
    idx = np.flatnonzero(keep)
    return [{name: _plain(values[i]) for name, values in sorted(layer.columns.items())} for i in idx]


def write_geojson(layer: Layer, path: Path) -> int:
    """One feature per line, keys sorted; a non-WGS84 layer carries the (pre-RFC 7946) `crs` member that
    GDAL and most importers read. Returns the number of features written."""
    geoms, keep = output_geometry(layer)
    decimals = DECIMALS[layer.crs]
    head: dict[str, Any] = {"type": "FeatureCollection", "name": layer.kind}
    if layer.crs != "EPSG:4326":
        code = layer.crs.split(":")[1]
        head["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{code}"}}
    lines = []
    for geom, props in zip(geoms, _properties(layer, keep), strict=True):
        feature = {"type": "Feature", "properties": props, "geometry": _geometry_json(geom, decimals)}
        lines.append(json.dumps(feature, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    opening = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))[:-1]
    path.write_text(opening + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    return len(lines)


def write_gpkg(layer: Layer, path: Path) -> int:
    """A GeoPackage with one layer named after the kind, polygons promoted to MultiPolygon."""
    geoms, keep = output_geometry(layer)
    idx = np.flatnonzero(keep)
    columns = {name: [_plain(values[i]) for i in idx] for name, values in sorted(layer.columns.items())}
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _GPKG_DATE})
    try:
        frame = geopandas.GeoDataFrame(columns, geometry=list(geoms), crs=layer.crs)
        pyogrio.write_dataframe(frame, path, layer=layer.kind, driver="GPKG", promote_to_multi=True)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return len(idx)
