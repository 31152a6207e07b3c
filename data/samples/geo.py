"""Real inputs (districts, coastline) and the geometry helpers of the sample generator.

Working CRS: EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E, x = easting and y = northing in metres,
always_xy). WGS84 and CGCS2000 lon/lat differ by well under a metre here and pyproj treats them as the same
datum, so one transformer serves both EPSG:4326 and EPSG:4490 output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from gis.gcj02 import gcj02_to_wgs84

SOURCE_DIR = Path(__file__).resolve().parent / "xiamen"
DISTRICTS_FILE = "xiamen_districts_cnmaps_gcj02.geojson"
ADMIN_CODES_FILE = "xiamen_admin_codes_china-division-2.7.0.csv"
COASTLINE_FILE = "xiamen_coastline_gshhg_f_wgs84.geojson"

# The box the GSHHG coastline was clipped to (see the shared PROVENANCE.md), lon/lat degrees.
_COAST_BOX = (117.8, 24.3, 118.5, 25.0)
# Land pieces smaller than this are slivers between two boundaries of ~100 m accuracy, not land.
_MIN_LAND_PART_M2 = 20_000.0

_TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
_TO_LONLAT = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)


def to_metres(geoms: shapely.Geometry | NDArray[np.object_]) -> shapely.Geometry | NDArray[np.object_]:
    """WGS84/CGCS2000 lon/lat degrees -> EPSG:4548 metres (vectorised over all coordinates)."""
    return shapely.transform(geoms, lambda c: np.column_stack(_TO_METRES.transform(c[:, 0], c[:, 1])))


def to_lonlat(geoms: shapely.Geometry | NDArray[np.object_]) -> shapely.Geometry | NDArray[np.object_]:
    """EPSG:4548 metres -> WGS84/CGCS2000 lon/lat degrees (vectorised over all coordinates)."""
    return shapely.transform(geoms, lambda c: np.column_stack(_TO_LONLAT.transform(c[:, 0], c[:, 1])))


def point_m(lon: float, lat: float) -> tuple[float, float]:
    """One WGS84 lon/lat position in EPSG:4548 metres."""
    x, y = _TO_METRES.transform(lon, lat)
    return float(x), float(y)


def lonlat_of(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """EPSG:4548 metre coordinates (n, 2) -> lon/lat degrees (n, 2)."""
    return np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1]))


@dataclass
class Base:
    """The real geography, in EPSG:4548 metres.

    `districts` are the administrative polygons (which include inshore waters: the cnmaps "land" polygons
    of Xiamen reach into the bays); `district_land` is each district cut to the land of the GSHHG coastline.
    """

    codes: list[str]
    names: dict[str, str]
    districts: dict[str, shapely.Geometry]
    district_land: dict[str, shapely.Geometry]
    land: shapely.Geometry
    coastline: shapely.Geometry


def load_districts_wgs84(source: Path = SOURCE_DIR) -> dict[str, tuple[str, shapely.Geometry]]:
    """adcode -> (Chinese name, MultiPolygon in WGS84 lon/lat), converted from the GCJ-02 source file."""
    collection = json.loads((source / DISTRICTS_FILE).read_text(encoding="utf-8"))
    out: dict[str, tuple[str, shapely.Geometry]] = {}
    for feature in collection["features"]:
        gcj = shapely.geometry.shape(feature["geometry"])
        wgs = shapely.transform(gcj, lambda c: np.column_stack(gcj02_to_wgs84(c[:, 0], c[:, 1])))
        out[feature["properties"]["adcode"]] = (feature["properties"]["name"], wgs)
    return out


def _land_from_coastline(coast: shapely.Geometry) -> shapely.Geometry:
    """Land polygons (lon/lat) from the GSHHG coastline: closed rings are islands; the open chain is the
    mainland coast, closed along the clip box on its land side (GSHHG keeps land on the left)."""
    merged = shapely.line_merge(coast)
    islands, chains = [], []
    for part in shapely.get_parts(merged):
        (islands if part.is_closed else chains).append(part)
    if len(chains) != 1:
        raise ValueError(f"expected one open mainland coast, found {len(chains)}")
    xmin, ymin, xmax, ymax = _COAST_BOX
    corners = [(xmax, ymin), (xmax, ymax), (xmin, ymax), (xmin, ymin)]  # counter-clockwise

    def perimeter_pos(x: float, y: float) -> float:
        # Position along the box boundary, counter-clockwise from the south-west corner, in [0, 4).
        if np.isclose(y, ymin):
            return (x - xmin) / (xmax - xmin)
        if np.isclose(x, xmax):
            return 1 + (y - ymin) / (ymax - ymin)
        if np.isclose(y, ymax):
            return 2 + (xmax - x) / (xmax - xmin)
        return 3 + (ymax - y) / (ymax - ymin)

    chain = list(chains[0].coords)
    start, end = perimeter_pos(*chain[0]), perimeter_pos(*chain[-1])
    walk = []
    for k in range(1, 5):  # corners passed going counter-clockwise from the chain's end to its start
        pos = (np.floor(end) + k) % 4
        if (pos - end) % 4 < (start - end) % 4:
            walk.append(corners[int(pos) - 1 if pos > 0 else 3])
    mainland = shapely.make_valid(shapely.Polygon(chain + walk))
    # make_valid splits the walk where the coast itself runs along the box edge; keep the polygons only.
    polys = [p for p in shapely.get_parts(mainland) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(polys + [shapely.Polygon(r.coords) for r in islands])


def _drop_small_parts(geom: shapely.Geometry, min_area: float) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.area >= min_area]
    return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]


def load_base(source: Path = SOURCE_DIR) -> Base:
    """Read the real districts and coastline and build the land of each district (EPSG:4548)."""
    wgs = load_districts_wgs84(source)
    features = json.loads((source / COASTLINE_FILE).read_text(encoding="utf-8"))["features"]
    # The file also holds a GSHHG river line (west of the box); only the coastline bounds the land.
    coast_ll = next(shapely.geometry.shape(f["geometry"]) for f in features if f["properties"]["kind"] == "coastline")
    land = to_metres(_land_from_coastline(coast_ll))
    codes = sorted(wgs)
    districts = {c: to_metres(wgs[c][1]) for c in codes}
    district_land = {
        c: _drop_small_parts(shapely.intersection(districts[c], land), _MIN_LAND_PART_M2) for c in codes
    }
    land_all = shapely.union_all(list(district_land.values()))
    return Base(
        codes=codes,
        names={c: wgs[c][0] for c in codes},
        districts=districts,
        district_land=district_land,
        land=land_all,
        coastline=to_metres(coast_ll),
    )


# --- noise -----------------------------------------------------------------------------------------------

_OCTAVES = 16  # phases are always drawn for all octaves, so a seed gives the same coarse shape at any scale
_LONGEST_WAVE_M = 800.0
_WAVE_AMPLITUDE = 0.03  # amplitude / wavelength of each octave: small enough not to fold a boundary


def fractal_offsets(rng: np.random.Generator, s: NDArray[np.float64], spacing_m: float) -> NDArray[np.float64]:
    """Sum of sine octaves of arc length `s` (metres): waves from 800 m down to 4x the vertex spacing."""
    phases = rng.uniform(0, 2 * np.pi, _OCTAVES)
    out = np.zeros_like(s)
    for j in range(_OCTAVES):
        wave = _LONGEST_WAVE_M / 2**j
        if wave < 4 * spacing_m:
            break
        out += _WAVE_AMPLITUDE * wave * np.sin(2 * np.pi * s / wave + phases[j])
    return out


def blob(rng: np.random.Generator, x: float, y: float, radius_m: float, spacing_m: float) -> shapely.Polygon:
    """An irregular, always valid, star-shaped polygon around (x, y) in metres.

    r(theta) = radius * (1 + low-order lobes) + fractal detail; r stays positive and theta increases, so the
    ring never crosses itself whatever the detail. Vertex spacing along the boundary is about `spacing_m`.
    """
    orders = np.arange(2, 8)
    lobes = rng.uniform(0, 2 * np.pi, len(orders))
    amps = rng.uniform(0.06, 0.22, len(orders)) / np.sqrt(orders - 1)
    n = max(64, int(np.ceil(2 * np.pi * radius_m / spacing_m)))
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = radius_m * (1 + np.sin(np.outer(theta, orders) + lobes) @ amps)
    r = np.maximum(r + fractal_offsets(rng, theta * radius_m, spacing_m), 0.3 * radius_m)
    return shapely.Polygon(np.column_stack([x + r * np.cos(theta), y + r * np.sin(theta)]))


def roughen(rng: np.random.Generator, polygon: shapely.Geometry, spacing_m: float) -> shapely.Polygon:
    """Densify every ring of `polygon` to `spacing_m` and push its vertices along the ring normal by fractal
    noise; what little self-crossing that makes at sharp corners is repaired, keeping the largest part."""
    rings = []
    for ring in [polygon.exterior, *polygon.interiors]:
        xy = shapely.get_coordinates(shapely.segmentize(ring, spacing_m))[:-1]
        step = np.linalg.norm(np.diff(xy, axis=0, append=xy[:1]), axis=1)
        s = np.concatenate([[0.0], np.cumsum(step)[:-1]])
        tangent = np.roll(xy, -1, axis=0) - np.roll(xy, 1, axis=0)
        normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
        normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
        rings.append(xy + normal * fractal_offsets(rng, s, spacing_m)[:, None])
    fixed = shapely.make_valid(shapely.Polygon(rings[0], rings[1:]))
    return largest_polygon(fixed)


def largest_polygon(geom: shapely.Geometry) -> shapely.Polygon:
    """The largest polygon of a (multi)polygon or collection; an empty polygon if there is none."""
    polys = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) == 3]
    polys += [q for p in shapely.get_parts(geom) if shapely.get_type_id(p) == 6 for q in p.geoms]
    return max(polys, key=lambda p: p.area) if polys else shapely.Polygon()


def fill_pinholes(geom: shapely.Geometry, max_area_m2: float = 1.0) -> shapely.Geometry:
    """The (multi)polygon without holes smaller than `max_area_m2`.

    Uniting polygons of two districts leaves zero-width holes where their shared boundary has vertices on one
    side only; overlays with such a union can go wrong, so they are filled.
    """
    polys = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= max_area_m2])
        for p in shapely.get_parts(geom)
    ]
    return shapely.union_all(polys)


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Only the polygons of an overlay result (drop the points and lines a boundary touch can leave)."""
    if shapely.get_type_id(geom) != 7:
        return geom
    polys = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def rectangle(x: float, y: float, area_m2: float, aspect: float, angle_rad: float) -> shapely.Polygon:
    """A rotated rectangle of the given area (m²) and length/width ratio centred on (x, y) metres."""
    w = np.sqrt(area_m2 / aspect)
    half = np.array([[-aspect * w, -w], [aspect * w, -w], [aspect * w, w], [-aspect * w, w]]) / 2
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    xy = half @ np.array([[c, s], [-s, c]]) + [x, y]
    return shapely.Polygon(xy)
