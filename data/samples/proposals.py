"""Sample project proposals (预选址 sites) designed to hit, or to avoid, each kind of spatial conflict.

Sites are placed from the generated layers (a site straddling a red-line edge, on a farmland parcel, around a
point of a river...), never at fixed coordinates, so they stay right whatever the seed. Each candidate is
screened against every layer (`Screen`) with the platform's own rules where they are data: the land-use
compatibility pairs of the shipped rules (`layers/rules.toml`) and the urban construction classes of
`layers.land_use` (any overlap with another kind of layer is a conflict of some severity there, water-source
tier 2 included). A candidate is kept only if it hits what its design asks, avoids everything its design
forbids and is not ambiguous (an overlap or a gap thinner than the tolerances below, which rounding or the
sliver filter could flip). `expected` is then exactly the set of layer kinds the site conflicts with; an
overlap with another sample site is the kind "project_site", as the screening reports it. Geometry is
EPSG:4548 metres; areas are m².

Applicants are fictitious; their unified social credit codes are generated to pass the GB 32100-2015 check
character and the GB 11714-1997 check digit of the embedded organisation code, so they look real to a
validator but belong to no registered organisation that we know of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from numpy.typing import NDArray

from layers.land_use import URBAN_CONSTRUCTION_CLASSES, Compatibility, first_level
from layers.rule_set import shipped_rule_set

from .geo import rectangle
from .landuse import family
from .layers import ENCLAVE_HILL, Layer, Plan, rng_for, street_of

# --- unified social credit code (统一社会信用代码) -------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997


def _char_value(c: str) -> int:
    """GB 11714 value of a code character: digits as such, letters A=10 ... Z=35."""
    return int(c) if c.isdigit() else ord(c) - 55


def org_check_digit(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    c = 11 - sum(w * _char_value(ch) for w, ch in zip(_ORG_WEIGHTS, body, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of the first 17 characters of a unified social credit code."""
    total = sum(w * USCC_ALPHABET.index(ch) for w, ch in zip(_USCC_WEIGHTS, first17, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    """Whether an 18-character code passes both the GB 32100 and the embedded GB 11714 checks."""
    return (
        len(code) == 18
        and all(ch in USCC_ALPHABET for ch in code)
        and uscc_check_char(code[:17]) == code[17]
        and org_check_digit(code[8:16]) == code[16]
    )


def make_uscc(rng: np.random.Generator, region: str) -> str:
    """A fictitious enterprise code: 9 (market regulator) 1 (enterprise), the region code, an organisation
    code in the "MA..." form Xiamen issues since 2015, and both check characters."""
    body = "MA" + "".join(rng.choice(list(USCC_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWY"), size=6))
    first17 = "91" + region + body + org_check_digit(body)
    return first17 + uscc_check_char(first17)


# --- what the projects are ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A kind of project: name template ({p} = place), planned land use, GB/T 4754-2017 division, who pays
    ("financial" = government funds), project type 01 审批 / 02 核准 / 03 备案, investment per hectare."""

    name: str
    land_use: str
    industry: str
    funding: str
    project_type: str
    wan_per_ha: float


# Kinds for town sites, by the exact planned code they fit (the matrix allows a site only on its own
# second-level class).
_URBAN_KINDS: dict[str, tuple[Kind, ...]] = {
    "0701": (Kind("{p}保障性租赁住房项目", "0701", "K70", "financial", "01", 3500),
             Kind("{p}人才公寓项目", "0701", "K70", "social", "03", 4000)),
    "0804": (Kind("{p}中学新建工程", "0804", "P83", "financial", "01", 1500),),
    "0806": (Kind("{p}社区卫生服务中心", "0806", "Q84", "financial", "01", 2500),),
    "0901": (Kind("{p}商业综合体", "0901", "K70", "social", "03", 6000),),
    "0902": (Kind("{p}总部大厦", "0902", "L72", "social", "03", 8000),),
    "1001": (Kind("{p}智能制造产业园", "1001", "C39", "social", "03", 1500),
             Kind("{p}新能源装备产业园", "1001", "C38", "social", "03", 1800)),
    "1101": (Kind("{p}冷链物流中心", "1101", "G59", "social", "03", 900),),
    "1208": (Kind("{p}公交综合场站", "1208", "G54", "financial", "01", 1200),),
    "1302": (Kind("{p}污水处理厂扩建工程", "1302", "D46", "financial", "01", 2000),),
    "1303": (Kind("{p}110千伏变电站", "1303", "D44", "social", "02", 3000),),
    "1401": (Kind("{p}城市公园", "1401", "N78", "financial", "01", 300),),
}
_ALL_URBAN = tuple(k for kinds in _URBAN_KINDS.values() for k in kinds)
_DESIGN_KINDS: dict[str, tuple[Kind, ...]] = {
    "ecological_red_line": (Kind("{p}生态旅游度假区", "0903", "H61", "social", "03", 1200),
                            Kind("{p}石材加工厂", "1001", "C30", "social", "03", 600)),
    "basic_farmland": (Kind("{p}农产品加工园", "1001", "C13", "social", "03", 800),
                       Kind("{p}物流园", "1101", "G59", "social", "03", 900)),
    "urban_development_boundary": (Kind("{p}光伏电站", "1303", "D44", "social", "02", 500),
                                   Kind("{p}建材厂", "1001", "C30", "social", "03", 700)),
    "water_tier1": (Kind("{p}水库旅游码头", "0903", "N78", "social", "03", 600),
                    Kind("{p}乡村民宿集群", "0903", "H61", "social", "03", 900)),
    "water_tier2": (Kind("{p}精细化工项目", "1001", "C26", "social", "02", 2500),
                    Kind("{p}造纸厂技改项目", "1001", "C22", "social", "03", 1500)),
    "river_management_range": (Kind("{p}滨河商业街", "0901", "K70", "social", "03", 3000),
                               Kind("{p}沿溪道路工程", "1207", "E48", "financial", "01", 1500)),
    "flood_risk": (Kind("{p}物流仓储基地", "1101", "G59", "social", "03", 900),
                   Kind("{p}安置房项目", "0701", "K70", "financial", "01", 3000)),
    "soil_water_conservation": (Kind("{p}建筑用石料矿", "1002", "B10", "social", "02", 300),
                                Kind("{p}山地运动公园", "0805", "R89", "financial", "01", 400)),
    "land_use": (Kind("{p}电子元器件厂", "1001", "C39", "social", "03", 1500),
                 Kind("{p}金属制品厂", "1001", "C33", "social", "03", 1000)),
    "enclave": (Kind(f"{ENCLAVE_HILL}景区游客服务中心", "0903", "N78", "financial", "01", 1500),),
}
_BRANDS = ("鹭澜", "海晟", "筼川", "同瑞", "翔锐", "集鑫", "沧恒", "禾润", "岚屿", "凤屿", "榕泽", "星澜",
           "鼎翔", "润嘉", "博屿", "屿川", "宏鹭", "汀澜", "溪屿", "澜舟", "晟禾", "东屿", "嘉澜", "锦鹭")
_TRADE = {"K70": "置业", "L72": "实业", "P83": "教育发展", "Q84": "健康产业", "C39": "电子科技", "C38": "新能源科技",
          "G59": "供应链管理", "G54": "公交", "D44": "电力", "D46": "水务", "N78": "园林", "H61": "文旅发展",
          "C30": "建材", "C13": "农业发展", "C26": "化工", "C22": "纸业", "E48": "路桥建设", "B10": "矿业",
          "R89": "体育发展", "C33": "金属制品"}

# --- screening ------------------------------------------------------------------------------------------------

CLEAR_M = 10.0  # a site this far from a feature is clear of it
MIN_HIT_M2 = 200.0  # an overlap below this (or below 2 % of the site) is a sliver, not a designed conflict
PROPOSALS_KIND = "proposals"  # the manifest kind of the proposals file
SITE_KIND = "project_site"  # the conflict kind of an overlap with another project's site


def _hit_threshold(site: shapely.Geometry) -> float:
    return max(MIN_HIT_M2, 0.02 * site.area)


class Screen:
    """Overlay of a site with every layer of a plan (EPSG:4548); each check says hit, clear or ambiguous."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        water = plan.layers["water_source_protection"]
        tier = np.asarray(water.columns["tier"])
        self.geoms: dict[str, NDArray[np.object_]] = {
            k: plan.layers[k].geometry
            for k in ("ecological_red_line", "basic_farmland", "river_management_range", "flood_risk",
                      "soil_water_conservation", "land_acquisition")
        }
        self.geoms["water_tier1"] = water.geometry[tier == 1]
        self.geoms["water_tier2"] = water.geometry[tier == 2]
        self.trees = {k: shapely.STRtree(g) for k, g in self.geoms.items()}
        zones = plan.layers["land_use"]
        self.zone_tree = shapely.STRtree(zones.geometry)
        self.zone_codes = np.asarray(zones.columns["landuse_code"], dtype=object)
        self.udb = plan.udb_union
        self.udb_inner = shapely.buffer(plan.udb_union, -CLEAR_M)
        shapely.prepare(self.udb_inner)
        # The platform refuses sites reaching out of the districts (into the sea).
        self.districts_inner = shapely.buffer(shapely.union_all(list(plan.base.districts.values())), -CLEAR_M)
        shapely.prepare(self.districts_inner)
        self.sites: list[shapely.Geometry] = []

    @staticmethod
    def _state(site: shapely.Geometry, near: NDArray[np.object_]) -> str:
        if len(near) == 0:
            return "clear"
        overlap = float(shapely.area(shapely.intersection(near, site)).sum())
        return "hit" if overlap >= _hit_threshold(site) else "ambiguous"

    def screen(self, site: shapely.Geometry, land_use: str) -> dict[str, str] | None:
        """State of every check for a site meant for `land_use`: 'hit', 'clear' or 'ambiguous'; None for a
        site the platform would refuse (not inside the districts)."""
        if not shapely.contains(self.districts_inner, site):
            return None
        out = {}
        for kind, tree in self.trees.items():
            near = tree.query(site, predicate="dwithin", distance=CLEAR_M)
            out[kind] = self._state(site, self.geoms[kind][near])
        outside = shapely.area(shapely.difference(site, self.udb))
        out["urban_development_boundary"] = (
            "clear" if first_level(land_use) not in URBAN_CONSTRUCTION_CLASSES  # the rule is for urban building
            else "clear" if shapely.contains(self.udb_inner, site)
            else "hit" if outside >= _hit_threshold(site) else "ambiguous"
        )
        near = self.zone_tree.query(site, predicate="dwithin", distance=CLEAR_M)
        rules = shipped_rule_set()
        bad = np.array([rules.compatibility(land_use, c) is not Compatibility.ALLOWED for c in self.zone_codes[near]],
                       dtype=bool)
        out["land_use"] = self._state(site, self.zone_tree.geometries[near[bad]])
        others = np.array(self.sites, dtype=object)
        near_sites = others[shapely.dwithin(others, site, CLEAR_M)] if len(others) else others
        out[SITE_KIND] = self._state(site, near_sites)
        return out


def expected_kinds(states: dict[str, str]) -> list[str]:
    """Layer kinds a screened site conflicts with (both water-source tiers are one layer kind)."""
    return sorted({"water_source_protection" if k.startswith("water_") else k for k, s in states.items() if s == "hit"})


# --- designs ------------------------------------------------------------------------------------------------

_COUNTRY = frozenset({"urban_development_boundary", "land_use"})


@dataclass(frozen=True)
class Design:
    """What a site must hit and what else it may hit (names of the screen's checks), and its size in ha."""

    label: str
    must: frozenset[str]
    may: frozenset[str]
    ha: tuple[float, float]


_DESIGNS: tuple[tuple[Design, int], ...] = (
    (Design("enclave", frozenset({"urban_development_boundary"}), _COUNTRY | {"soil_water_conservation"},
            (1.0, 2.5)), 1),
    (Design("ecological_red_line", frozenset({"ecological_red_line"}),
            _COUNTRY | {"soil_water_conservation"}, (2.0, 15.0)), 3),
    (Design("basic_farmland", frozenset({"basic_farmland"}), _COUNTRY, (3.0, 20.0)), 3),
    (Design("water_tier1", frozenset({"water_tier1"}), _COUNTRY | {"water_tier2", "soil_water_conservation"},
            (1.0, 5.0)), 2),
    (Design("water_tier2", frozenset({"water_tier2"}), _COUNTRY | {"soil_water_conservation"}, (2.0, 12.0)), 2),
    (Design("soil_water_conservation", frozenset({"soil_water_conservation"}), _COUNTRY, (3.0, 25.0)), 3),
    (Design("river_management_range", frozenset({"river_management_range", "flood_risk"}), _COUNTRY,
            (2.0, 10.0)), 3),
    (Design("flood_risk", frozenset({"flood_risk"}), _COUNTRY, (2.0, 15.0)), 3),
    (Design("urban_development_boundary", frozenset({"urban_development_boundary"}), frozenset({"land_use"}),
            (3.0, 30.0)), 3),
    (Design("land_acquisition", frozenset({"land_acquisition"}), _COUNTRY, (2.0, 15.0)), 3),
    (Design("land_use", frozenset({"land_use"}), frozenset(), (1.0, 8.0)), 3),
    (Design("conflict_free", frozenset(), frozenset(), (1.0, 30.0)), 8),
    (Design("overlap", frozenset(), frozenset(), (2.0, 12.0)), 2),  # a pair: the second overlaps the first
    # Placed last, so that every site above stays where it was: clean sites the history codes over the past year.
    (Design("coded", frozenset(), frozenset(), (1.0, 20.0)), 12),
)
_TRIES = 600


def _point_in(rng: np.random.Generator, geom: shapely.Geometry) -> tuple[float, float]:
    """A uniform random point inside a polygon (rejection in its bounding box)."""
    xmin, ymin, xmax, ymax = geom.bounds
    shapely.prepare(geom)
    while True:
        xy = np.column_stack([rng.uniform(xmin, xmax, 64), rng.uniform(ymin, ymax, 64)])
        inside = shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
        if inside.any():
            return tuple(xy[np.argmax(inside)])


def _on_boundary(rng: np.random.Generator, geom: shapely.Geometry) -> tuple[float, float]:
    """A uniform random point on the boundary of a polygon, or on a (multi)line."""
    lines = geom if shapely.get_dimensions(geom) == 1 else shapely.boundary(geom)
    parts = shapely.get_parts(shapely.line_merge(lines) if shapely.get_type_id(lines) == 5 else lines)
    lengths = shapely.length(parts)
    part = parts[rng.choice(len(parts), p=lengths / lengths.sum())]
    point = shapely.line_interpolate_point(part, rng.uniform(0, 1), normalized=True)
    return point.x, point.y


class Designer:
    """Places the sites of every design in turn, each screened against the layers and earlier sites."""

    def __init__(self, seed: int, plan: Plan) -> None:
        self.rng = rng_for(seed, "proposals")
        self.plan = plan
        self.screen = Screen(plan)
        self.blocks = plan.blocks
        self.block_family = np.array([family(c) for c in plan.blocks.code], dtype=object)
        # Where the development boundary meets the country rather than the sea.
        self.inland_udb_edge = shapely.difference(
            shapely.boundary(plan.udb_union), shapely.buffer(shapely.boundary(plan.base.land), 300))
        self.rows: list[dict[str, Any]] = []
        self.names: set[str] = set()

    def centre(self, label: str, k: int) -> tuple[tuple[float, float], tuple[Kind, ...]]:
        """A candidate centre point for the k-th site of a design, and the kinds of project that suit it."""
        rng = self.rng
        blocks, screen = self.blocks, self.screen

        def any_of(geoms: NDArray[np.object_]) -> shapely.Geometry:
            return geoms[rng.integers(len(geoms))]

        if label == "enclave":  # inside the hole of the red line
            holed = [p for g in screen.geoms["ecological_red_line"] for p in shapely.get_parts(g) if p.interiors]
            return _point_in(rng, shapely.buffer(shapely.Polygon(holed[0].interiors[0]), -60)), _DESIGN_KINDS[label]
        if label == "urban_development_boundary" and k % 2 == 0:  # across the boundary, where it meets land
            return _on_boundary(rng, self.inland_udb_edge), _DESIGN_KINDS[label]
        if label == "urban_development_boundary":  # out in the country
            b = rng.choice(np.flatnonzero(~blocks.urban & np.isin(self.block_family, ("07r", "10r", "16"))))
            return tuple(blocks.seeds[b]), _DESIGN_KINDS[label]
        if label in ("ecological_red_line", "water_tier1"):  # across the edge (tier 1: into tier 2)
            return _on_boundary(rng, any_of(screen.geoms[label])), _DESIGN_KINDS[label]
        if label == "land_acquisition":  # a town project on an acquisition parcel
            target = any_of(screen.geoms[label])
            return _point_in(rng, target), self._urban_kinds_at(target.representative_point())
        if label in screen.geoms:  # somewhere inside a feature
            return _point_in(rng, any_of(screen.geoms[label])), _DESIGN_KINDS[label]
        if label == "land_use":  # an industrial plant on a residential block
            b = rng.choice(np.flatnonzero(blocks.urban & (self.block_family == "07")))
            return tuple(blocks.seeds[b]), _DESIGN_KINDS[label]
        # conflict-free and overlap sites: the heart of a town block, spread over the six districts
        district = self.plan.base.codes[k % len(self.plan.base.codes)]
        ok = blocks.urban & (blocks.district == district) & np.isin(blocks.code, list(_URBAN_KINDS))
        b = rng.choice(np.flatnonzero(ok))
        return tuple(blocks.seeds[b]), _URBAN_KINDS[blocks.code[b]]

    def _urban_kinds_at(self, point: shapely.Point) -> tuple[Kind, ...]:
        hit = np.flatnonzero(shapely.contains_xy(self.blocks.geometry, point.x, point.y))
        return _URBAN_KINDS.get(self.blocks.code[hit[0]], _ALL_URBAN) if len(hit) else _ALL_URBAN

    def site(self, centre: tuple[float, float], ha: tuple[float, float], multi: bool) -> shapely.Geometry:
        """A rectangle (or two, for a MultiPolygon site) of lo..hi ha around the centre."""
        rng = self.rng
        area = rng.uniform(*ha) * 1e4
        angle = rng.uniform(0, np.pi)
        if not multi:
            return rectangle(*centre, area, rng.uniform(1.0, 2.2), angle)
        # Two plots either side of a 40 m road, e.g. a park split by a street.
        side = np.sqrt(area / 2)
        dx, dy = np.cos(angle) * (side + 40) / 2, np.sin(angle) * (side + 40) / 2
        parts = [rectangle(centre[0] + s * dx, centre[1] + s * dy, area / 2, 1.0, angle) for s in (-1, 1)]
        return shapely.multipolygons(parts)

    def accepts(self, design: Design, states: dict[str, str] | None) -> bool:
        if states is None or any(s == "ambiguous" for s in states.values()):
            return False
        hits = {k for k, s in states.items() if s == "hit"}
        return design.must <= hits <= design.must | design.may

    def place(self, design: Design, k: int, multi: bool = False,
              overlapping: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Try candidates until one passes the screen; record and return its row (None if none did).
        With `overlapping`, candidates are that site's plot moved by half its width (same project kind)."""
        for _ in range(_TRIES):
            if overlapping is None:
                centre, kinds = self.centre(design.label, k)
                kind = kinds[self.rng.integers(len(kinds))]
                site = self.site(centre, design.ha, multi)
            else:
                kind = overlapping["kind"]
                step, angle = 0.5 * np.sqrt(overlapping["geometry"].area), self.rng.uniform(0, 2 * np.pi)
                site = shapely.affinity.translate(overlapping["geometry"], step * np.cos(angle),
                                                  step * np.sin(angle))
                centre = tuple(shapely.get_coordinates(site.centroid)[0])
                others = [g for g in self.screen.sites if g is not overlapping["geometry"]]
                if any(shapely.dwithin(g, site, CLEAR_M) for g in others):
                    continue  # the pair overlaps each other only
            states = self.screen.screen(site, kind.land_use)
            if self.accepts(design, states):
                row = self.record(site, kind, states, centre)
                row["design"] = design.label
                return row
        return None

    def record(self, site: shapely.Geometry, kind: Kind, states: dict[str, str],
               centre: tuple[float, float]) -> dict[str, Any]:
        base = self.plan.base
        district = max(base.codes, key=lambda c: shapely.area(shapely.intersection(base.districts[c], site)))
        place = street_of(district, *centre).removesuffix("街道").removesuffix("镇")
        name = kind.name.format(p=place)
        for suffix in ("二期", "三期", "四期", "五期"):
            if name not in self.names:
                break
            name = kind.name.format(p=place) + suffix
        self.names.add(name)
        wan = round(kind.wan_per_ha * site.area / 1e4 * self.rng.uniform(0.7, 1.4), -1)
        category = "financial" if kind.funding == "financial" else "small_social" if wan < 5000 else "general_social"
        if states[SITE_KIND] == "hit":  # overlap is mutual: the earlier site conflicts with this one too
            for row in self.rows:
                if shapely.area(shapely.intersection(row["geometry"], site)) > 0:
                    row["expected"] = sorted(set(row["expected"]) | {SITE_KIND})
        row = {
            "geometry": site, "kind": kind, "name": name,
            "applicant": f"厦门{self.rng.choice(_BRANDS)}{_TRADE[kind.industry]}有限公司",
            "credit_code": make_uscc(self.rng, district),
            "district_code": district, "industry": kind.industry, "project_type": kind.project_type,
            "investment_category": category, "total_investment_wan": int(wan), "land_use": kind.land_use,
            "expected": expected_kinds(states),
            "sample_state": "in_review",
        }
        self.rows.append(row)
        self.screen.sites.append(site)
        return row

    def forget_last(self) -> None:
        """Take back the last recorded site (its pair could not be completed)."""
        self.names.discard(self.rows.pop()["name"])
        self.screen.sites.pop()


_OVERLAP = Design("overlapping", frozenset({SITE_KIND}), frozenset(), (2.0, 12.0))
_PAIR_TRIES = 20


def build_proposals(seed: int, plan: Plan) -> Layer:
    """All sample proposals as a layer (EPSG:4548 geometry; `expected` is a list of layer kinds)."""
    designer = Designer(seed, plan)
    for design, count in _DESIGNS:
        for k in range(count):
            if design.label != "overlap":
                row = designer.place(design, k, multi=design.label == "conflict_free" and k == 0)
                if row is None:
                    raise RuntimeError(f"no site found for design {design.label!r}; try another seed")
                if design.label == "coded" or design.label == "conflict_free" and k % 2 == 0:
                    row["sample_state"] = "approved"  # the loader takes these clean ones to their code
                continue
            # A clear site, then one overlapping it; if no overlapping plot is clear of all else, start again.
            for _ in range(_PAIR_TRIES):
                first = designer.place(design, k)
                if first is None:
                    raise RuntimeError("no site found for an overlapping pair; try another seed")
                if designer.place(_OVERLAP, k, overlapping=first) is not None:
                    break
                designer.forget_last()
            else:
                raise RuntimeError("no overlapping pair of sites found; try another seed")
    rows = designer.rows
    # A coded sample is a further project of an earlier applicant of its trade, where there is one: firms
    # come back with their next project (and each applicant is a demo account the load must create).
    for i, row in enumerate(rows):
        if row["design"] == "coded":
            earlier = list({r["credit_code"]: r for r in rows[:i] if r["industry"] == row["industry"]}.values())
            if earlier:
                chosen = earlier[i % len(earlier)]
                row["applicant"], row["credit_code"] = chosen["applicant"], chosen["credit_code"]
    columns = {key: [r[key] for r in rows] for key in (
        "name", "applicant", "credit_code", "district_code", "industry", "project_type", "investment_category",
        "total_investment_wan", "land_use", "expected", "sample_state")}
    return Layer(PROPOSALS_KIND, np.array([r["geometry"] for r in rows], dtype=object), columns)
