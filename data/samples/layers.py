"""Build the synthetic planning layers on the real land of Xiamen.

Everything here works in EPSG:4548 metres (see `geo`); output CRS and rounding are applied by the writer.
Each builder takes its own random generator, so changing one layer does not reshuffle the others, and the
~2,000 planning blocks do not depend on the scale: a higher scale only subdivides the same plan into more
zones and draws boundaries with more vertices.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from . import places
from .geo import (
    ADMIN_CODES_FILE,
    SOURCE_DIR,
    Base,
    blob,
    largest_polygon,
    lonlat_of,
    point_m,
    polygonal,
    rectangle,
    roughen,
)
from .landuse import (
    RESERVOIR_CODE,
    URBAN_SURROUNDINGS,
    VARIED_FAMILIES,
    draw_codes,
    family,
    landuse_names,
    polygonal_all,
    second_level,
    subdivide_blocks,
)

BLOCKS = 2000  # planning blocks; land-use zones are 2,000 x scale
ISLAND_DISTRICTS = ("350203", "350206")  # Xiamen Island: urban as a whole
HILL_SPACING_M = 50.0  # vertex spacing of hill boundaries at scale 1 (divided by the scale)
COAST_SPACING_M = 20.0  # vertex spacing of coastal red-line strips at scale 1 (divided by the scale)


@dataclass
class Layer:
    """One output layer: geometry in EPSG:4548 and one list or array per property (same length)."""

    kind: str
    geometry: NDArray[np.object_]
    columns: dict[str, Any]
    crs: str = "EPSG:4326"
    coverage: bool = False  # features never overlap: rounded together so that neighbours stay edge-matched


@dataclass
class Blocks:
    """The planning blocks (EPSG:4548) with their seed point, district, surroundings class and code."""

    geometry: NDArray[np.object_]
    seeds: NDArray[np.float64]
    district: NDArray[np.str_]
    surroundings: NDArray[np.str_]
    code: NDArray[np.str_]

    @property
    def urban(self) -> NDArray[np.bool_]:
        return np.isin(self.surroundings, URBAN_SURROUNDINGS)


@dataclass
class Plan:
    """All layers plus what the proposal designer needs to read them."""

    base: Base
    blocks: Blocks
    layers: dict[str, Layer] = field(default_factory=dict)
    udb_union: shapely.Geometry | None = None


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent random generator per component, stable whatever else the generator draws."""
    return np.random.default_rng([seed, sum(ord(c) * 131**i for i, c in enumerate(name)) % 2**32])


def _anchors_m(anchors: tuple[places.Anchor, ...]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    xy = np.array([point_m(a.lon, a.lat) for a in anchors])
    return xy, np.array([a.radius_m for a in anchors])


def _distance_ratio(xy: NDArray[np.float64], anchors: tuple[places.Anchor, ...]) -> NDArray[np.float64]:
    """(n points, n anchors) distance divided by the anchor's radius."""
    axy, radius = _anchors_m(anchors)
    return np.linalg.norm(xy[:, None, :] - axy[None, :, :], axis=2) / radius[None, :]


def _density(xy: NDArray[np.float64], district: NDArray[np.str_]) -> NDArray[np.float64]:
    """Relative zone density: town plots are smaller than fields and forest (1 in the country, up to 3)."""
    near = np.exp(-(_distance_ratio(xy, places.URBAN_CORES) ** 2)).max(axis=1)
    return np.where(np.isin(district, ISLAND_DISTRICTS), 3.0, 1.0 + 2.0 * near)


def sample_points(
    rng: np.random.Generator, base: Base, n: int
) -> tuple[NDArray[np.float64], NDArray[np.str_]]:
    """`n` points on district land with the zone density, and the district of each (rejection sampling)."""
    xmin, ymin, xmax, ymax = base.land.bounds
    for geom in base.district_land.values():
        shapely.prepare(geom)
    got_xy, got_d, total = [], [], 0
    while total < n:
        m = max(20_000, 4 * (n - total))
        xy = np.column_stack([rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)])
        district = np.full(m, "", dtype=object)
        for code, geom in base.district_land.items():
            district[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])] = code
        keep = (district != "") & (rng.uniform(0, 3.0, m) < _density(xy, district))
        got_xy.append(xy[keep])
        got_d.append(district[keep])
        total += int(keep.sum())
    return np.concatenate(got_xy)[:n], np.concatenate(got_d)[:n]


def build_blocks(seed: int, base: Base) -> Blocks:
    """~2,000 Voronoi blocks on district land, each with a land-use code chosen from its surroundings."""
    rng = rng_for(seed, "blocks")
    seeds, district = sample_points(rng, base, BLOCKS)
    order = np.lexsort((seeds[:, 1], seeds[:, 0], district))  # stable, readable order: by district
    seeds, district = seeds[order], district[order]
    geometry = np.empty(len(seeds), dtype=object)
    for code, land in base.district_land.items():
        idx = np.flatnonzero(district == code)
        cells = shapely.voronoi_polygons(
            shapely.multipoints(seeds[idx]), extend_to=shapely.box(*land.bounds), ordered=True
        )
        geometry[idx] = polygonal_all(shapely.intersection(shapely.get_parts(cells), land))

    # Surroundings of each block, from the approximate places (jitter makes the edges of areas ragged).
    jitter = rng.uniform(-0.15, 0.15, len(seeds))
    island = np.isin(district, ISLAND_DISTRICTS)
    urban_ratio = _distance_ratio(seeds, places.URBAN_CORES)
    urban = island | (urban_ratio.min(axis=1) + jitter < 1.0)
    industrial = urban & ~island & (_distance_ratio(seeds, places.INDUSTRIAL_CLUSTERS).min(axis=1) + jitter < 1)
    hilly = np.exp(-(_distance_ratio(seeds, places.HILLS) ** 2)).max(axis=1) + jitter / 2 > 0.45
    lon, lat = lonlat_of(seeds).T
    # The north of 同安, 翔安 and 集美 and the west of 海沧 are mountainous country.
    mountain = (
        ((district == "350212") & (lat > 24.78))
        | ((district == "350213") & (lat > 24.72))
        | ((district == "350211") & (lat > 24.68))
        | ((district == "350205") & (lon < 117.95))
    )
    coastal = shapely.distance(shapely.points(seeds), base.coastline) < 500
    surroundings = np.select(
        [urban & hilly, industrial, urban, hilly, coastal, mountain],
        ["urban_hill", "industrial", "urban", "hill", "coast", "mountain"],
        "rural",
    ).astype(object)
    code = draw_codes(rng, surroundings)
    for reservoir in places.RESERVOIRS:
        x, y = point_m(reservoir.lon, reservoir.lat)
        code[shapely.contains_xy(geometry, x, y)] = RESERVOIR_CODE
    return Blocks(geometry, seeds, district, surroundings, code)


def build_land_use(seed: int, base: Base, blocks: Blocks, scale: int) -> Layer:
    """Zones tiling all district land: each block cut into ~scale Voronoi zones of its own class."""
    if scale == 1:
        geometry, owner = blocks.geometry.copy(), np.arange(len(blocks.geometry))
        code = blocks.code.copy()
    else:
        rng = rng_for(seed, "zones")
        xy, district = sample_points(rng, base, BLOCKS * (scale - 1))
        owner_of = np.empty(len(xy), dtype=np.int64)
        for c in base.codes:
            mine = np.flatnonzero(blocks.district == c)
            idx = np.flatnonzero(district == c)
            tree = shapely.STRtree(shapely.points(blocks.seeds[mine]))
            # The nearest seed's block is the one the point lies in: blocks are Voronoi cells of the seeds.
            hit_in, hit_tree = tree.query_nearest(shapely.points(xy[idx]), all_matches=False)
            owner_of[idx[hit_in]] = mine[hit_tree]
        geometry, owner = subdivide_blocks(blocks.geometry, blocks.seeds, xy, owner_of)
        code = blocks.code[owner].copy()
        # Zones keep the block's class; in the country a quarter get another second-level code of it.
        fam = np.array([family(c) for c in code], dtype=object)
        redraw = (rng.uniform(0, 1, len(code)) < 0.25) & np.isin(fam, VARIED_FAMILIES) & (code != RESERVOIR_CODE)
        code[redraw] = second_level(rng, fam[redraw])
    district = blocks.district[owner]
    serial = np.zeros(len(district), dtype=np.int64)
    for c in base.codes:
        idx = np.flatnonzero(district == c)
        serial[idx] = np.arange(1, len(idx) + 1)
    names = [landuse_names(c) for c in code]
    return Layer(
        "land_use",
        geometry,
        {
            "zone_code": [f"{d}-LU-{s:06d}" for d, s in zip(district, serial, strict=True)],
            "district_code": list(district),
            "landuse_code": list(code),
            "landuse_name": [n[0] for n in names],
            "landuse_name_en": [n[1] for n in names],
        },
        coverage=True,
    )


_UDB_NAMES = {
    "350203": "厦门岛城镇开发边界（思明区）", "350206": "厦门岛城镇开发边界（湖里区）",
    "350205": "海沧城区城镇开发边界", "350211": "集美城区城镇开发边界",
    "350212": "同安城区城镇开发边界", "350213": "翔安新城城镇开发边界",
}


def build_udb(base: Base, blocks: Blocks) -> Layer:
    """Urban development boundary: the union of the town blocks of each district (a district's built-up
    areas may be apart, so a feature may be a MultiPolygon)."""
    geoms = [shapely.coverage_union_all(blocks.geometry[blocks.urban & (blocks.district == c)]) for c in base.codes]
    return Layer("urban_development_boundary", np.array(geoms, dtype=object),
                 {"name": [_UDB_NAMES[c] for c in base.codes], "district_code": list(base.codes)}, coverage=True)


def _dominant_district(base: Base, geom: shapely.Geometry) -> str:
    return max(base.codes, key=lambda c: shapely.area(shapely.intersection(base.districts[c], geom)))


_HILL_REDLINES = {  # hill -> category; 北辰山 gets an enclave (a hole)
    "莲花山区": "水源涵养", "汀溪山区": "水源涵养", "北辰山": "生物多样性维护",
    "大帽山": "水土保持", "天竺山": "生物多样性维护", "集美北部山地": "水源涵养",
}
ENCLAVE_HILL = "北辰山"
_COASTAL_CATEGORY = {"下潭尾红树林": "生物多样性维护", "海沧湾红树林": "生物多样性维护"}


def build_red_line(seed: int, base: Base, udb_union: shapely.Geometry, scale: int) -> Layer:
    """Ecological protection red line: hill blobs and noisy coast-following strips, kept clear of the
    urban development boundary (by 50 m) and of each other; one hill polygon has an enclave (a hole)."""
    rng = rng_for(seed, "red_line")
    keep_out = shapely.buffer(udb_union, 50)
    districts_all = shapely.union_all(list(base.districts.values()))
    geoms, names, cats = [], [], []
    taken = shapely.Polygon()
    for hill in places.HILLS:
        if hill.name not in _HILL_REDLINES:
            continue
        x, y = point_m(hill.lon, hill.lat)
        shape = blob(rng, x, y, 0.8 * hill.radius_m, HILL_SPACING_M / scale)
        shape = polygonal(shapely.difference(shapely.intersection(shape, base.land), keep_out))
        shape = polygonal(shapely.difference(shape, taken))
        if hill.name == ENCLAVE_HILL:
            shape = _with_enclave(rng, largest_polygon(shape), scale)
        geoms.append(shape)
        names.append(f"{hill.name}生态保护红线")
        cats.append(_HILL_REDLINES[hill.name])
        taken = shapely.union(taken, shape)
    for reach in places.COASTAL_REACHES:
        x, y = point_m(reach.lon, reach.lat)
        window = shapely.Point(x, y).buffer(reach.radius_m, quad_segs=32)
        strip = shapely.intersection(shapely.buffer(shapely.intersection(base.coastline, window), 220), window)
        strip = largest_polygon(shapely.difference(shapely.intersection(strip, districts_all), keep_out))
        strip = roughen(rng, strip, COAST_SPACING_M / scale)
        strip = largest_polygon(shapely.difference(shapely.intersection(strip, districts_all), keep_out))
        strip = largest_polygon(shapely.difference(strip, taken))
        geoms.append(strip)
        names.append(f"{reach.name}生态保护红线")
        cats.append(_COASTAL_CATEGORY.get(reach.name, "海岸生态稳定"))
        taken = shapely.union(taken, strip)
    codes = []
    for i, g in enumerate(geoms, start=1):
        codes.append(f"{_dominant_district(base, g)}-STHX-{i:04d}")
    return Layer("ecological_red_line", np.array(geoms, dtype=object),
                 {"redline_code": codes, "name": names, "category": cats}, coverage=True)


def _with_enclave(rng: np.random.Generator, polygon: shapely.Polygon, scale: int) -> shapely.Polygon:
    """Cut a hole (an enclave: a scenic-area service village) well inside `polygon`."""
    circle = shapely.maximum_inscribed_circle(polygon)
    (cx, cy), (ex, ey) = shapely.get_coordinates(circle)
    radius = min(420.0, 0.45 * float(np.hypot(ex - cx, ey - cy)))
    inner = shapely.buffer(polygon, -30)
    for _ in range(20):
        hole = blob(rng, cx, cy, radius, HILL_SPACING_M / scale)
        if shapely.contains(inner, hole):
            return shapely.difference(polygon, hole)
        radius *= 0.8
    raise RuntimeError("no room for the red-line enclave")


_SOIL_WATER = {  # hill -> zone type: forested water-source hills are prevented, eroded hills are treated
    "莲花山区": "重点预防区", "汀溪山区": "重点预防区", "北辰山": "重点预防区", "天竺山": "重点预防区",
    "大帽山": "重点治理区", "集美北部山地": "重点治理区",
}


def build_soil_water(seed: int, base: Base, udb_union: shapely.Geometry, scale: int) -> Layer:
    """Soil and water conservation zones on the hills, outside the urban development boundary."""
    rng = rng_for(seed, "soil_water")
    geoms, names, types = [], [], []
    taken = shapely.buffer(udb_union, 30)
    for hill in places.HILLS:
        if hill.name not in _SOIL_WATER:
            continue
        x, y = point_m(hill.lon, hill.lat)
        shape = blob(rng, x, y, 1.1 * hill.radius_m, HILL_SPACING_M / scale)
        shape = polygonal(shapely.difference(shapely.intersection(shape, base.land), taken))
        geoms.append(shape)
        names.append(f"{hill.name}水土流失{_SOIL_WATER[hill.name]}")
        types.append(_SOIL_WATER[hill.name])
        taken = shapely.union(taken, shape)
    return Layer("soil_water_conservation", np.array(geoms, dtype=object),
                 {"name": names, "zone_type": types}, crs="EPSG:4548", coverage=True)


_WATER_SOURCES = (("汀溪水库", ("汀溪水库",)), ("坂头水库、石兜水库", ("坂头水库", "石兜水库")))


def build_water(seed: int, base: Base, scale: int) -> Layer:
    """Drinking-water source protection: tier 1 around each reservoir, tier 2 a ring around tier 1 (a
    polygon with holes, not overlapping tier 1)."""
    rng = rng_for(seed, "water")
    by_name = {r.name: r for r in places.RESERVOIRS}
    geoms, names, tiers, reservoirs = [], [], [], []
    for label, members in _WATER_SOURCES:
        inner, outer = [], []
        for member in members:
            r = by_name[member]
            x, y = point_m(r.lon, r.lat)
            inner.append(shapely.intersection(blob(rng, x, y, r.radius_m, HILL_SPACING_M / scale), base.land))
            outer.append(blob(rng, x, y, 3.2 * r.radius_m, HILL_SPACING_M / scale))
        tier1 = shapely.union_all(inner)
        tier2 = polygonal(shapely.difference(shapely.intersection(shapely.union_all(outer), base.land), tier1))
        for member, g in zip(members, inner, strict=True):
            geoms.append(g)
            names.append(f"{member}饮用水水源一级保护区")
            tiers.append(1)
            reservoirs.append(member)
        geoms.append(tier2)
        names.append(f"{label}饮用水水源二级保护区")
        tiers.append(2)
        reservoirs.append(label)
    return Layer("water_source_protection", np.array(geoms, dtype=object),
                 {"name": names, "tier": tiers, "reservoir": reservoirs}, coverage=True)


_RIVER_WIDTH_M = {"九溪": 60, "西溪": 80, "东溪": 60, "后溪": 60, "过芸溪": 50}
_FLOOD_SYSTEMS = (("九溪", ("九溪",)), ("东西溪", ("西溪", "东溪")), ("后溪", ("后溪",)), ("过芸溪", ("过芸溪",)))
# Flood bands: (risk level, distance from the river or shore in metres, return period in years).
_RIVER_BANDS = (("high", 150, 20), ("medium", 400, 50), ("low", 800, 100))
_COAST_BANDS = (("high", 200, 20), ("medium", 600, 50))


def river_lines(base: Base) -> dict[str, shapely.Geometry]:
    """The approximate river courses in metres, cut to land."""
    return {
        name: shapely.intersection(shapely.LineString([point_m(*p) for p in course]), base.land)
        for name, course in places.RIVERS.items()
    }


def build_rivers(base: Base, lines: dict[str, shapely.Geometry]) -> Layer:
    """River management range (blue line): a corridor of the management width centred on each river."""
    geoms, rivers, codes, widths = [], [], [], []
    for i, (name, line) in enumerate(lines.items(), start=1):
        corridor = polygonal(shapely.intersection(shapely.buffer(line, _RIVER_WIDTH_M[name] / 2), base.land))
        geoms.append(corridor)
        rivers.append(name)
        codes.append(f"{_dominant_district(base, corridor)}-LX-{i:02d}")
        widths.append(_RIVER_WIDTH_M[name])
    return Layer("river_management_range", np.array(geoms, dtype=object),
                 {"river": rivers, "line_code": codes, "width_m": widths})


def build_flood(base: Base, lines: dict[str, shapely.Geometry]) -> Layer:
    """Flood risk bands along the rivers and on low coasts; no two zones overlap."""
    geoms, names, levels, periods = [], [], [], []
    taken = shapely.Polygon()

    def add(geom: shapely.Geometry, name: str, level: str, period: int) -> None:
        nonlocal taken
        geom = polygonal(shapely.difference(shapely.intersection(geom, base.land), taken))
        if not geom.is_empty:
            geoms.append(geom)
            names.append(name)
            levels.append(level)
            periods.append(period)
            taken = shapely.union(taken, geom)

    level_zh = {"high": "高", "medium": "中", "low": "低"}
    for system, members in _FLOOD_SYSTEMS:
        line = shapely.union_all([lines[m] for m in members])
        for level, dist, period in _RIVER_BANDS:
            add(shapely.buffer(line, dist), f"{system}沿岸洪涝{level_zh[level]}风险区", level, period)
    for reach in places.LOW_COASTS:
        x, y = point_m(reach.lon, reach.lat)
        window = shapely.Point(x, y).buffer(reach.radius_m, quad_segs=32)
        shore = shapely.intersection(base.coastline, window)
        for level, dist, period in _COAST_BANDS:
            band = shapely.intersection(shapely.buffer(shore, dist), window)
            add(band, f"{reach.name}洪涝{level_zh[level]}风险区", level, period)
    return Layer("flood_risk", np.array(geoms, dtype=object),
                 {"name": names, "risk_level": levels, "return_period_years": periods}, coverage=True)


def build_farmland(seed: int, land_use: Layer, no_farm: shapely.Geometry) -> Layer:
    """Permanent basic farmland: most farmland (01) zones of 同安 and 翔安, fewer elsewhere, each inset by a
    field margin and kept out of the red line, river corridors and water tier 1."""
    rng = rng_for(seed, "farmland")
    code = np.asarray(land_use.columns["landuse_code"], dtype=object)
    district = np.asarray(land_use.columns["district_code"], dtype=object)
    farm = np.array([c[:2] == "01" for c in code])
    share = np.where(np.isin(district, ("350212", "350213")), 0.9, 0.35)
    idx = np.flatnonzero(farm & (rng.uniform(0, 1, len(code)) < share))
    parcels = shapely.buffer(land_use.geometry[idx], -8.0)
    tree = shapely.STRtree(parcels)
    hit = np.unique(tree.query(no_farm, predicate="intersects"))
    parcels[hit] = polygonal_all(shapely.difference(parcels[hit], no_farm))
    keep = shapely.area(parcels) >= 1000.0  # drop strips too thin to farm
    parcels, idx = parcels[keep], idx[keep]
    grade = np.clip(np.rint(rng.normal(6.5, 1.8, len(idx))), 1, 15).astype(int)
    serial: dict[str, int] = {}
    codes = []
    for d in district[idx]:
        serial[d] = serial.get(d, 0) + 1
        codes.append(f"{d}-JBNT-{serial[d]:06d}")
    return Layer("basic_farmland", parcels, {"parcel_code": codes, "grade": [int(g) for g in grade],
                                             "district_code": list(district[idx])}, crs="EPSG:4490")


# --- land acquisition and parcels open for investment -------------------------------------------------------

ACQUISITION_STATUSES = ("not_started", "in_progress", "done")
DEMOLITION_STATUSES = ("not_needed", "not_started", "in_progress", "done")
AVAILABILITIES = ("open", "reserved", "transferred")
_BUILT_FAMILIES = ("07", "07r", "08", "09", "10", "10r", "11", "12", "13", "15")


def _status_columns(
    rng: np.random.Generator, acquisition: list[str], demolition: list[str]
) -> dict[str, list[int]]:
    """Percent and what is left to move, consistent with the two statuses."""
    percent, households, buildings = [], [], []
    for a, d in zip(acquisition, demolition, strict=True):
        percent.append({"not_started": 0, "done": 100}.get(a, int(rng.integers(5, 96))))
        if d in ("not_needed", "done"):
            households.append(0)
            buildings.append(0)
        else:
            h = int(rng.integers(3, 140)) if d == "not_started" else int(rng.integers(1, 60))
            households.append(h)
            buildings.append(max(1, int(h * rng.uniform(0.4, 0.9))))
    return {"acquisition_percent": percent, "households_remaining": households, "buildings_remaining": buildings}


def _parcel_in_block(
    rng: np.random.Generator, blocks: Blocks, b: int, lo_ha: float, hi_ha: float, avoid: shapely.Geometry
) -> shapely.Geometry:
    """A rectangle-ish parcel of lo..hi ha around the block's seed, cut to the block and clear of `avoid`."""
    x, y = blocks.seeds[b]
    rect = rectangle(x, y, rng.uniform(lo_ha, hi_ha) * 1e4, rng.uniform(1.0, 2.0), rng.uniform(0, np.pi))
    return largest_polygon(shapely.difference(shapely.intersection(rect, blocks.geometry[b]), avoid))


def build_acquisition(
    seed: int, base: Base, blocks: Blocks, udb_union: shapely.Geometry, avoid: shapely.Geometry
) -> tuple[Layer, NDArray[np.int64]]:
    """Land acquisition and demolition parcels (征地拆迁), mostly on the urban fringe: town blocks near the
    development boundary and village or field blocks just outside it. Returns the layer and its blocks."""
    rng = rng_for(seed, "acquisition")
    edge = shapely.boundary(udb_union)
    # The coast is part of the boundary of the island's development boundary but not a fringe.
    edge = shapely.difference(edge, shapely.buffer(shapely.boundary(base.land), 300))
    dist = shapely.distance(shapely.points(blocks.seeds), edge)
    fam = np.array([family(c) for c in blocks.code], dtype=object)
    inner = blocks.urban & (dist < 1500) & np.isin(fam, _BUILT_FAMILIES + ("16",))
    outer = ~blocks.urban & (dist < 900) & np.isin(fam, ("07r", "02", "06", "16"))
    chosen = np.concatenate([
        rng.choice(np.flatnonzero(inner), size=min(60, int(inner.sum())), replace=False),
        rng.choice(np.flatnonzero(outer), size=min(24, int(outer.sum())), replace=False),
    ])
    chosen = np.sort(chosen)
    geoms = [_parcel_in_block(rng, blocks, b, 2.0, 20.0, avoid) for b in chosen]
    ok = np.array([g.area >= 5000 for g in geoms])
    chosen = chosen[ok]
    geoms = [g for g, k in zip(geoms, ok, strict=True) if k]
    acquisition = list(rng.choice(ACQUISITION_STATUSES, size=len(chosen), p=[0.25, 0.4, 0.35]))
    demolition = []
    for a, b in zip(acquisition, chosen, strict=True):
        if fam[b] in ("02", "06", "16"):
            demolition.append("not_needed")  # orchards and sheds: nothing to demolish
        elif a == "not_started":
            demolition.append("not_started")
        elif a == "in_progress":
            demolition.append(str(rng.choice(["not_started", "in_progress"])))
        else:
            demolition.append(str(rng.choice(["in_progress", "done"], p=[0.3, 0.7])))
    district = blocks.district[chosen]
    serial: dict[str, int] = {}
    codes = []
    for d in district:
        serial[d] = serial.get(d, 0) + 1
        codes.append(f"{d}-ZD-{serial[d]:05d}")
    columns = {"parcel_code": codes, "district_code": list(district), "acquisition_status": acquisition,
               "demolition_status": demolition, **_status_columns(rng, acquisition, demolition)}
    return Layer("land_acquisition", np.array(geoms, dtype=object), columns), chosen


_INVESTMENT_FAMILIES = ("07", "08", "09", "10", "11")
_FAR_RANGE = {"07": (1.0, 2.8), "09": (2.0, 4.5), "10": (1.2, 3.0), "11": (1.0, 2.0)}
_SUPPLY = ("挂牌出让", "招标出让", "拍卖出让")
PARCELS_PER_DISTRICT = 8


def street_of(district: str, x: float, y: float) -> str:
    """Name (from the admin codes CSV) of the street/town whose approximate seat is nearest to (x, y)
    metres, within the same district."""
    best = min(
        (code for code in places.STREET_SEATS if code.startswith(district)),
        key=lambda code: float(np.hypot(*(np.array(point_m(*places.STREET_SEATS[code])) - (x, y)))),
    )
    return _street_names()[best]


@functools.cache
def _street_names() -> dict[str, str]:
    with open(SOURCE_DIR / ADMIN_CODES_FILE, encoding="utf-8", newline="") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f) if row["level"] == "street"}


def build_investment(
    seed: int, base: Base, blocks: Blocks, used: NDArray[np.int64], avoid: shapely.Geometry
) -> Layer:
    """Parcels open for investment (招商地块): 8 per district on town blocks of a buildable class, every
    combination of acquisition x demolition x availability status at least once."""
    rng = rng_for(seed, "investment")
    combos = [(a, d, v) for a in ACQUISITION_STATUSES for d in DEMOLITION_STATUSES for v in AVAILABILITIES]
    n = PARCELS_PER_DISTRICT * len(base.codes)
    extra = rng.choice(len(combos), size=n - len(combos))
    combos = combos + [combos[i] for i in extra]
    combos = [combos[i] for i in rng.permutation(len(combos))]
    fam = np.array([family(c) for c in blocks.code], dtype=object)
    free = np.ones(len(fam), dtype=bool)
    free[used] = False
    geoms, rows = [], []
    for d in base.codes:
        cand = np.flatnonzero(blocks.urban & free & np.isin(fam, _INVESTMENT_FAMILIES) & (blocks.district == d))
        taken = 0
        for b in rng.permutation(cand):
            parcel = _parcel_in_block(rng, blocks, b, 2.0, 12.0, avoid)
            if parcel.area < 15_000:
                continue
            geoms.append(parcel)
            rows.append((d, b))
            taken += 1
            if taken == PARCELS_PER_DISTRICT:
                break
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} of {n} investment parcels found room; try another seed")
    acquisition = [c[0] for c in combos]
    demolition = [c[1] for c in combos]
    columns: dict[str, list[Any]] = {
        "parcel_code": [], "district_code": [], "location": [], "landuse_code": [], "landuse_name": [],
        "acquisition_status": acquisition, "demolition_status": demolition,
        "availability": [c[2] for c in combos], "supply_method": [], "far_min": [], "far_max": [],
        "contact_department": [],
        **_status_columns(rng, acquisition, demolition),
    }
    for i, ((d, b), geom, (_, _, availability)) in enumerate(zip(rows, geoms, combos, strict=True), start=1):
        code = blocks.code[b]
        point = geom.representative_point()
        columns["parcel_code"].append(f"{d}-ZS-{i:04d}")
        columns["district_code"].append(d)
        columns["location"].append(f"厦门市{base.names[d]}{street_of(d, point.x, point.y)}附近")
        columns["landuse_code"].append(code)
        columns["landuse_name"].append(landuse_names(code)[0])
        # Public-service land is allocated (划拨), not sold, and has no saleable floor-area ratio.
        sold = availability != "reserved" and code[:2] != "08"
        columns["supply_method"].append(str(rng.choice(_SUPPLY)) if sold else None)
        far = _FAR_RANGE.get(code[:2])
        columns["far_min"].append(far[0] if far else None)
        columns["far_max"].append(round(float(rng.uniform(far[0] + 0.5, far[1])), 1) if far else None)
        columns["contact_department"].append(
            "厦门市自然资源和规划局" if code[:2] in ("07", "09") else f"厦门市{base.names[d]}投资促进局"
        )
    return Layer("investment_parcel", np.array(geoms, dtype=object), columns)
