"""Land-use classes and the synthetic land-use plan (planning blocks subdivided into zones).

Codes and names follow 国土空间调查、规划、用途管制用地用海分类指南 (Ministry of Natural Resources, 2023
edition of the 2020 trial guide): two-digit first-level classes, four-digit second-level classes; 留白用地
"16" has no second level. Only land classes are used (no 用海 sea classes).

The plan is built in two steps so that it looks the same at every scale: ~2,000 planning blocks (Voronoi
cells of seeded points, clipped to district land; their number does not depend on the scale) get a land use
from their surroundings, then each block is tiled by its own finer Voronoi zones (2,000·scale in all), which
inherit the block's first-level class. All geometry here is in the working CRS EPSG:4548 (metres).
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from .geo import polygonal

# code -> (Chinese name, English name)
LANDUSE_NAMES: dict[str, tuple[str, str]] = {
    "0101": ("水田", "Paddy field"), "0102": ("水浇地", "Irrigated land"), "0103": ("旱地", "Dry land"),
    "0201": ("果园", "Orchard"), "0202": ("茶园", "Tea garden"), "0204": ("其他园地", "Other garden land"),
    "0301": ("乔木林地", "Arbor forest"), "0302": ("竹林地", "Bamboo forest"),
    "0303": ("灌木林地", "Shrub forest"), "0304": ("其他林地", "Other forest land"),
    "0403": ("其他草地", "Other grassland"),
    "0505": ("沿海滩涂", "Coastal tidal flat"), "0506": ("内陆滩涂", "Inland tidal flat"),
    "0507": ("红树林地", "Mangrove land"),
    "0602": ("种植设施建设用地", "Cultivation facility land"),
    "0603": ("畜禽养殖设施建设用地", "Livestock facility land"),
    "0604": ("水产养殖设施建设用地", "Aquaculture facility land"),
    "0701": ("城镇住宅用地", "Urban residential"), "0702": ("城镇社区服务设施用地", "Urban community services"),
    "0703": ("农村宅基地", "Rural homestead"), "0704": ("农村社区服务设施用地", "Rural community services"),
    "0801": ("机关团体用地", "Government and organisations"), "0802": ("科研用地", "Scientific research"),
    "0803": ("文化用地", "Culture"), "0804": ("教育用地", "Education"), "0805": ("体育用地", "Sports"),
    "0806": ("医疗卫生用地", "Medical and health"), "0807": ("社会福利用地", "Social welfare"),
    "0901": ("商业用地", "Commercial"), "0902": ("商务金融用地", "Business and finance"),
    "0903": ("娱乐康体用地", "Entertainment and recreation"),
    "0904": ("其他商业服务业用地", "Other commercial services"),
    "1001": ("工业用地", "Industrial"), "1002": ("采矿用地", "Mining"),
    "1101": ("物流仓储用地", "Logistics and warehousing"), "1102": ("储备库用地", "Strategic reserve depots"),
    "1202": ("公路用地", "Highway"), "1204": ("港口码头用地", "Port and wharf"),
    "1206": ("城市轨道交通用地", "Urban rail transit"), "1207": ("城镇村道路用地", "Urban and village roads"),
    "1208": ("交通场站用地", "Transport stations and depots"),
    "1301": ("供水用地", "Water supply"), "1302": ("排水用地", "Drainage and sewage"),
    "1303": ("供电用地", "Power supply"), "1304": ("供燃气用地", "Gas supply"),
    "1306": ("通信用地", "Telecommunications"), "1309": ("环卫用地", "Sanitation"),
    "1401": ("公园绿地", "Park"), "1402": ("防护绿地", "Protective green belt"), "1403": ("广场用地", "Plaza"),
    "1503": ("宗教用地", "Religious"), "1504": ("文物古迹用地", "Cultural heritage"),
    "1506": ("殡葬用地", "Funeral and burial"),
    "16": ("留白用地", "Reserved (unassigned) land"),
    "1701": ("河流水面", "River water surface"), "1703": ("水库水面", "Reservoir water surface"),
    "1704": ("坑塘水面", "Pond water surface"), "1705": ("沟渠", "Ditch and canal"),
}

# Second-level mix inside each first-level class (weights). 07 differs between town and country.
_SECOND_LEVEL: dict[str, dict[str, float]] = {
    "01": {"0101": 55, "0102": 10, "0103": 35},
    "02": {"0201": 60, "0202": 30, "0204": 10},
    "03": {"0301": 60, "0302": 10, "0303": 15, "0304": 15},
    "04": {"0403": 1},
    "05": {"0505": 50, "0506": 20, "0507": 30},
    "06": {"0602": 40, "0603": 20, "0604": 40},
    "07": {"0701": 85, "0702": 15},
    "07r": {"0703": 85, "0704": 15},
    "08": {"0801": 15, "0802": 8, "0803": 10, "0804": 35, "0805": 10, "0806": 15, "0807": 7},
    "09": {"0901": 55, "0902": 30, "0903": 10, "0904": 5},
    "10": {"1001": 1},
    "10r": {"1001": 70, "1002": 30},
    "11": {"1101": 85, "1102": 15},
    "12": {"1207": 55, "1208": 20, "1202": 15, "1206": 10},
    "13": {"1301": 15, "1302": 20, "1303": 30, "1304": 10, "1306": 10, "1309": 15},
    "14": {"1401": 60, "1402": 30, "1403": 10},
    "15": {"1503": 30, "1504": 40, "1506": 30},
    "16": {"16": 1},
    "17": {"1701": 40, "1704": 50, "1705": 10},
}

# First-level mix per surrounding (weights). Town classes sit inside the urban development boundary.
_FIRST_LEVEL: dict[str, dict[str, float]] = {
    "urban": {"07": 38, "08": 12, "09": 14, "12": 10, "14": 12, "13": 3, "11": 3, "10": 3, "16": 3, "15": 2},
    "industrial": {"10": 60, "11": 12, "12": 8, "07": 5, "14": 6, "13": 4, "09": 3, "16": 2},
    "urban_hill": {"14": 6, "03": 4},
    "hill": {"03": 78, "02": 10, "04": 4, "07r": 4, "17": 1, "10r": 1, "15": 2},
    "mountain": {"03": 64, "02": 12, "01": 14, "07r": 8, "17": 2},
    "coast": {"05": 40, "06": 20, "01": 15, "07r": 10, "03": 5, "17": 10},
    "rural": {"01": 44, "02": 10, "03": 16, "07r": 12, "06": 5, "17": 3, "12": 3, "10r": 2, "16": 2, "13": 1,
              "15": 1},
}
URBAN_SURROUNDINGS = ("urban", "industrial", "urban_hill")

# Reservoir zones get this code regardless of their surroundings.
RESERVOIR_CODE = "1703"
# Families whose zones vary inside a block at higher scales (fields, woods, water); town blocks keep one code,
# as a detailed plan gives a whole block one use.
VARIED_FAMILIES = ("01", "02", "03", "05", "06", "07r", "17")


def landuse_names(code: str) -> tuple[str, str]:
    """Chinese and English name of a land-use code (first- or second-level)."""
    return LANDUSE_NAMES[code]


def _weighted_choice(rng: np.random.Generator, table: dict[str, float], n: int) -> NDArray[np.str_]:
    keys = np.array(list(table), dtype=object)
    p = np.array(list(table.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def draw_codes(rng: np.random.Generator, surroundings: NDArray[np.str_]) -> NDArray[np.str_]:
    """Draw a second-level land-use code for each item from its surroundings class (vectorised)."""
    first = np.empty(len(surroundings), dtype=object)
    for kind, table in _FIRST_LEVEL.items():
        idx = np.flatnonzero(surroundings == kind)
        first[idx] = _weighted_choice(rng, table, len(idx))
    return second_level(rng, first)


def second_level(rng: np.random.Generator, first: NDArray[np.str_]) -> NDArray[np.str_]:
    """Second-level code for each first-level key ("07r"/"10r" are the rural variants)."""
    out = np.empty(len(first), dtype=object)
    for key, table in _SECOND_LEVEL.items():
        idx = np.flatnonzero(first == key)
        out[idx] = _weighted_choice(rng, table, len(idx))
    return out


def family(code: str) -> str:
    """The key of `_SECOND_LEVEL` a code was drawn from (keeps town and village homesteads apart)."""
    if code in ("0703", "0704"):
        return "07r"
    if code == "1002":
        return "10r"
    return code[:2]


def subdivide_blocks(
    blocks: NDArray[np.object_],
    block_seeds: NDArray[np.float64],
    extra_points: NDArray[np.float64],
    extra_block: NDArray[np.int64],
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Tile every block with the Voronoi cells of its seed plus the extra points falling in it.

    Returns the zone polygons (EPSG:4548) and the block index of each. A block with no extra point stays one
    zone, so at scale 1 (no extra points) the zones are the blocks. One Voronoi call per block (a loop over
    ~2,000 blocks, not over the zones); the clipping is one vectorised intersection.
    """
    order = np.argsort(extra_block, kind="stable")
    extra_points, extra_block = extra_points[order], extra_block[order]
    starts = np.searchsorted(extra_block, np.arange(len(blocks) + 1))
    cells: list[NDArray[np.object_]] = []
    owners: list[NDArray[np.int64]] = []
    for b, block in enumerate(blocks):
        pts = extra_points[starts[b]:starts[b + 1]]
        if len(pts) == 0:
            cells.append(np.array([block], dtype=object))
            owners.append(np.array([b]))
            continue
        pts = np.vstack([block_seeds[b:b + 1], pts])
        diagram = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=block, ordered=True)
        parts = shapely.get_parts(diagram)
        cells.append(parts)
        owners.append(np.full(len(parts), b))
    cell_arr = np.concatenate(cells)
    owner_arr = np.concatenate(owners)
    clipped = polygonal_all(shapely.intersection(cell_arr, blocks[owner_arr]))
    keep = ~shapely.is_empty(clipped)
    return clipped[keep], owner_arr[keep]


def polygonal_all(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Drop the points and lines an overlay may leave next to the polygons (a cell touching its block at a
    corner); only the few geometry collections need work."""
    out = geoms.copy()
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        out[i] = polygonal(geoms[i])
    return out
