"""The planning layer catalogue: every layer kind, its responsible department and its conflict rules.

A conflict rule belongs to the layer kind it governs and is plain data: which projects it applies to,
the spatial relation (the site overlaps a feature, or lies outside the layer), the severity, the
responsible department, the required follow-up and a message in Chinese and English. The land-use kind
has no fixed severity: its severity comes from the compatibility matrix in :mod:`layers.land_use`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from gis.messages import Message, Text, phrases
from layers.attributes import (
    ACQUISITION_STATUSES,
    AVAILABILITIES,
    DEMOLITION_ALIASES,
    DEMOLITION_STATUSES,
    FLOOD_RISK_ALIASES,
    FLOOD_RISK_LEVELS,
    RED_LINE_CATEGORIES,
    SOIL_WATER_ZONE_TYPES,
    STATUS_ALIASES,
    WATER_SOURCE_TIER_ALIASES,
    WATER_SOURCE_TIERS,
    Attribute,
    AttributeType,
)
from layers.departments import Department
from layers.land_use import URBAN_CONSTRUCTION_CLASSES, first_level, is_linear_infrastructure


class Severity(StrEnum):
    """How much a conflict matters for code assignment (赋码)."""

    BLOCKING = "blocking"
    NEEDS_REVIEW = "needs_review"
    INFO = "info"


class Relation(StrEnum):
    OVERLAPS = "overlaps"
    OUTSIDE = "outside"
    LAND_USE = "land_use"


POLLUTING_INDUSTRIES: frozenset[str] = frozenset({
    # The heavily polluting industries (重污染行业) of the Ministry of Environmental Protection: 火电、钢铁、
    # 水泥、电解铝、煤炭、冶金、化工、石化、建材、造纸、酿造、制药、发酵、纺织、制革和采矿业, as listed in
    # 《上市公司环保核查行业分类管理名录》(环办函〔2008〕373号, repealed in 2016 but still the reference list)
    # and 《上市公司环境信息披露指南》(征求意见稿, 环境保护部 2010). As GB/T 4754-2017 divisions (行业大类), the
    # finest level a proposal states, so a division stands for its polluting classes:
    "B06", "B07", "B08", "B09", "B10", "B11", "B12",  # 采矿业 mining (B06 also 煤炭 coal, B07 石化 oil and gas)
    "C14",  # 发酵 fermentation: C146 调味品、发酵制品制造 (MSG, yeast, vinegar, soy sauce)
    "C15",  # 酿造 brewing: C151 酒的制造 (liquor, beer, wine, alcohol)
    "C17",  # 纺织 textiles (dyeing and finishing)
    "C19",  # 制革 leather tanning (C191)
    "C22",  # 造纸 paper (pulp, paper)
    "C25",  # 石化 petroleum refining, 煤炭 coking (C252)
    "C26",  # 化工 chemicals
    "C27",  # 制药 pharmaceuticals
    "C28",  # 化工 chemical fibres
    "C30",  # 水泥、建材 cement (C3011) and building materials
    "C31",  # 钢铁、冶金 iron and steel
    "C32",  # 电解铝、冶金 aluminium electrolysis (C3216) and non-ferrous smelting
    "D44",  # 火电 thermal power (D4411)
})
"""GB/T 4754-2017 divisions barred from a tier 2 drinking-water source protection zone as polluting."""


@dataclass(frozen=True)
class ConflictRule:
    """One rule of one layer kind. ``None`` in an ``applies_to_*`` field means every value."""

    rule_id: str
    relation: Relation
    severity: Severity | None  # None: from the land-use compatibility matrix
    department: Department
    message: Text
    follow_up: Text | None = None
    applies_to_project_types: frozenset[str] | None = None
    applies_to_land_uses: frozenset[str] | None = None  # first-level classes
    applies_to_industries: frozenset[str] | None = None
    excludes_industries: frozenset[str] = frozenset()
    feature_filter: Mapping[str, frozenset[Any]] = field(default_factory=dict)
    protected: bool = False
    """Guards protected land (生态保护红线, 永久基本农田, 饮用水水源一级保护区, 河道管理范围): only the
    absolute sliver tolerance applies, so a large site cannot hide a real incursion behind its size."""
    linear_infrastructure: bool | None = None  # only linear infrastructure (True), none of it (False)

    def applies_to(self, *, project_type: str, land_use: str, industry: str) -> bool:
        """Whether this rule concerns a project of the given type, intended land use and industry."""
        return (
            (self.applies_to_project_types is None or project_type in self.applies_to_project_types)
            and (self.applies_to_land_uses is None or first_level(land_use) in self.applies_to_land_uses)
            and (self.applies_to_industries is None or industry in self.applies_to_industries)
            and industry not in self.excludes_industries
            and (self.linear_infrastructure is None
                 or self.linear_infrastructure == is_linear_infrastructure(land_use, industry))
        )

    def matches_feature(self, properties: Mapping[str, Any]) -> bool:
        """Whether a feature's attributes select this rule (e.g. water-source tier 1 only)."""
        return all(properties.get(key) in values for key, values in self.feature_filter.items())


@dataclass(frozen=True)
class LayerKind:
    """A kind of planning layer (e.g. 生态保护红线 ecological protection red line)."""

    slug: str
    name: Text
    department: Department
    rules: tuple[ConflictRule, ...] = ()
    colour: str = "#888888"
    covers_planning_area: bool = False
    """Wall-to-wall (全域覆盖): every point of the planning area lies on a feature, so a part of a site on
    none is missing data. Other kinds mark where a constraint exists: a site on none of their features is
    clear of them."""
    attributes: tuple[Attribute, ...] = ()  # what its rules and public pages read, checked at import
    public_attributes: tuple[str, ...] | None = None
    """The only stored properties that any output (API features, OGC items, tiles) carries; None: all of them.
    A whitelist holds whatever extra columns an import brings (a phone number in a parcel table)."""


def no_data_rule(slug: str, name: Text, department: Department) -> ConflictRule:
    """The rule for a site (or part of one) where a layer kind has no data: its department must look.

    "No data" is never read as "clear": a screening cannot clear a site of a layer that says nothing there.
    """
    return ConflictRule(
        f"{slug}.no_data",
        Relation.OUTSIDE,
        Severity.NEEDS_REVIEW,
        department,
        Text(f"选址范围内有部分没有{name.zh}数据，无法据此判断是否冲突",
             f"part of the site has no {name.en} data, so the screening cannot clear it there"),
        Text(f"{department.name_zh}核实该处{name.zh}情况", f"{department.name_en} checks the {name.en} there"),
    )


_NR = Department.NATURAL_RESOURCES

DISTRICT = LayerKind("district", Text("行政区划", "administrative districts"), _NR, colour="#555555",
                     covers_planning_area=True)

_LAND_USE_NAME = Text("国土空间规划用地", "land-use plan")
LAND_USE = LayerKind(
    "land_use",
    _LAND_USE_NAME,
    _NR,
    rules=(
        ConflictRule(
            "land_use.compatibility",
            Relation.LAND_USE,
            None,
            _NR,
            Text("项目拟用地性质与规划用地性质不符", "intended land use differs from the planned land use"),
            Text("规划调整或用地性质论证", "plan amendment or land-use justification"),
        ),
        no_data_rule("land_use", _LAND_USE_NAME, _NR),
    ),
    attributes=(
        Attribute("landuse_code", Text("规划用地代码", "land-use code"), AttributeType.LAND_USE_CODE, required=True),
    ),
    colour="#f4d03f",
    covers_planning_area=True,
)

ECOLOGICAL_RED_LINE = LayerKind(
    "ecological_red_line",
    Text("生态保护红线", "ecological protection red line"),
    _NR,
    rules=(
        ConflictRule(
            "ecological_red_line.overlap",
            Relation.OVERLAPS,
            Severity.BLOCKING,
            _NR,
            Text("选址占用生态保护红线，原则上禁止开发建设", "site enters the ecological protection red line, "
                 "where development is prohibited save the narrow exceptions the State allows"),
            Text("调整选址避让生态保护红线", "move the site out of the red line"),
            protected=True,
        ),
    ),
    attributes=(
        Attribute("category", Text("生态保护红线类型", "red-line type"), AttributeType.CODE, RED_LINE_CATEGORIES),
    ),
    colour="#c0392b",
)

BASIC_FARMLAND = LayerKind(
    "basic_farmland",
    Text("永久基本农田", "permanent basic farmland"),
    _NR,
    rules=(
        ConflictRule(
            "basic_farmland.overlap",
            Relation.OVERLAPS,
            Severity.BLOCKING,
            _NR,
            Text("选址占用永久基本农田，除国务院批准的国家重大项目外不得占用",
                 "site occupies permanent basic farmland, which only State Council approved national "
                 "major projects may occupy"),
            Text("调整选址避让永久基本农田", "move the site off the permanent basic farmland"),
            protected=True,
        ),
    ),
    attributes=(
        # 耕地质量等别: 15 grades, 1 the best (GB/T 28407-2012 农用地质量分等规程).
        Attribute("grade", Text("耕地质量等别", "farmland quality grade"), AttributeType.INTEGER, minimum=1,
                  maximum=15),
    ),
    colour="#27ae60",
)

URBAN_DEVELOPMENT_BOUNDARY = LayerKind(
    "urban_development_boundary",
    Text("城镇开发边界", "urban development boundary"),
    _NR,
    rules=(
        ConflictRule(
            "urban_development_boundary.outside",
            Relation.OUTSIDE,
            Severity.BLOCKING,
            _NR,
            Text("城镇建设项目选址位于城镇开发边界外", "urban construction site lies outside the urban "
                 "development boundary"),
            Text("调整选址至城镇开发边界内", "move the site inside the urban development boundary"),
            applies_to_land_uses=URBAN_CONSTRUCTION_CLASSES,
            linear_infrastructure=False,
        ),
        # 《关于做好城镇开发边界管理的通知（试行）》(自然资源部, 自然资发〔2023〕193号) allows linear
        # infrastructure (交通、能源、水利等线性基础设施) outside the boundary, within the plan's land-use
        # controls: a department's review, not a refusal.
        ConflictRule(
            "urban_development_boundary.outside_linear",
            Relation.OUTSIDE,
            Severity.NEEDS_REVIEW,
            _NR,
            Text("线性基础设施选址位于城镇开发边界外", "linear infrastructure lies outside the urban "
                 "development boundary"),
            Text("核实符合国土空间规划和用途管制要求（自然资发〔2023〕193号）", "confirm the route follows the "
                 "territorial spatial plan and its land-use controls (自然资发〔2023〕193号)"),
            applies_to_land_uses=URBAN_CONSTRUCTION_CLASSES,
            linear_infrastructure=True,
        ),
    ),
    colour="#8e44ad",
)

_WATER_SOURCE_TIER_2_MESSAGE = Text("选址位于饮用水水源二级保护区", "site lies in a tier 2 drinking-water "
                                    "source protection zone")
WATER_SOURCE_PROTECTION = LayerKind(
    "water_source_protection",
    Text("饮用水水源保护区", "drinking-water source protection zone"),
    Department.ECOLOGY_ENVIRONMENT,
    rules=(
        ConflictRule(
            "water_source_protection.tier_1",
            Relation.OVERLAPS,
            Severity.BLOCKING,
            Department.ECOLOGY_ENVIRONMENT,
            Text("选址位于饮用水水源一级保护区，禁止建设与供水设施和保护水源无关的项目",
                 "site lies in a tier 1 drinking-water source protection zone: no construction unrelated "
                 "to water supply"),
            Text("调整选址避让一级保护区", "move the site out of the tier 1 zone"),
            feature_filter={"tier": frozenset({1})},
            protected=True,
        ),
        ConflictRule(
            "water_source_protection.tier_2_polluting",
            Relation.OVERLAPS,
            Severity.BLOCKING,
            Department.ECOLOGY_ENVIRONMENT,
            Text(_WATER_SOURCE_TIER_2_MESSAGE.zh + "，禁止建设排放污染物的项目",
                 _WATER_SOURCE_TIER_2_MESSAGE.en + ": no polluting construction"),
            Text("调整选址避让二级保护区", "move the site out of the tier 2 zone"),
            applies_to_industries=POLLUTING_INDUSTRIES,
            feature_filter={"tier": frozenset({2})},
        ),
        ConflictRule(
            "water_source_protection.tier_2",
            Relation.OVERLAPS,
            Severity.NEEDS_REVIEW,
            Department.ECOLOGY_ENVIRONMENT,
            _WATER_SOURCE_TIER_2_MESSAGE,
            Text("环境影响评价及水源保护专项论证", "environmental impact assessment with a water-source "
                 "protection study"),
            excludes_industries=POLLUTING_INDUSTRIES,
            feature_filter={"tier": frozenset({2})},
        ),
    ),
    attributes=(
        Attribute("tier", Text("保护区级别", "protection tier"), AttributeType.CODE, WATER_SOURCE_TIERS,
                  WATER_SOURCE_TIER_ALIASES, required=True),
    ),
    colour="#2e86c1",
)

RIVER_MANAGEMENT_RANGE = LayerKind(
    "river_management_range",
    Text("河道管理范围（蓝线）", "river management range (blue line)"),
    Department.WATER,
    rules=(
        ConflictRule(
            "river_management_range.overlap",
            Relation.OVERLAPS,
            Severity.BLOCKING,
            Department.WATER,
            Text("选址占用河道管理范围（蓝线），禁止建设建筑物", "site enters a river management range "
                 "(blue line), where no building is allowed"),
            Text("调整选址退让蓝线，并开展防洪评价", "set the site back from the blue line and carry out a "
                 "flood impact assessment (防洪评价)"),
            protected=True,
        ),
    ),
    attributes=(
        Attribute("width_m", Text("管理范围宽度（米）", "management width (m)"), AttributeType.NUMBER, minimum=0),
    ),
    colour="#1abc9c",
)

FLOOD_RISK = LayerKind(
    "flood_risk",
    Text("洪涝风险区", "flood risk zone"),
    Department.WATER,
    rules=(
        ConflictRule(
            "flood_risk.overlap",
            Relation.OVERLAPS,
            Severity.NEEDS_REVIEW,
            Department.WATER,
            Text("选址位于洪涝风险区", "site lies in a flood risk zone"),
            Text("编制防洪评价报告", "flood impact assessment (防洪评价)"),
        ),
    ),
    attributes=(
        Attribute("risk_level", Text("风险等级", "risk level"), AttributeType.CODE, FLOOD_RISK_LEVELS,
                  FLOOD_RISK_ALIASES),
        Attribute("return_period_years", Text("重现期（年）", "return period (years)"), AttributeType.INTEGER,
                  minimum=1),
    ),
    colour="#5dade2",
)

SOIL_WATER_CONSERVATION = LayerKind(
    "soil_water_conservation",
    Text("水土保持区", "soil and water conservation zone"),
    Department.WATER,
    rules=(
        ConflictRule(
            "soil_water_conservation.overlap",
            Relation.OVERLAPS,
            Severity.NEEDS_REVIEW,
            Department.WATER,
            Text("选址位于水土保持重点区域", "site lies in a soil and water conservation zone"),
            Text("编制水土保持方案", "soil and water conservation plan (水土保持方案)"),
        ),
    ),
    attributes=(
        Attribute("zone_type", Text("水土流失重点区类型", "zone type"), AttributeType.CODE, SOIL_WATER_ZONE_TYPES),
    ),
    colour="#a04000",
)

_UNFINISHED = frozenset({"not_started", "in_progress"})
_ACQUISITION_STATUS = Text("征地状态", "land acquisition")
_DEMOLITION_STATUS = Text("拆迁状态", "demolition")
LAND_ACQUISITION = LayerKind(
    "land_acquisition",
    Text("征地拆迁地块", "land acquisition and demolition parcels"),
    Department.LAND_ACQUISITION,
    rules=(
        ConflictRule(
            "land_acquisition.unfinished",
            Relation.OVERLAPS,
            Severity.NEEDS_REVIEW,
            Department.LAND_ACQUISITION,
            Text("选址涉及未完成的征地", "site includes land whose acquisition is not finished"),
            Text("征收部门确认征地进度与补偿安置", "acquisition office confirms progress and compensation"),
            feature_filter={"acquisition_status": _UNFINISHED},
        ),
        ConflictRule(
            "land_acquisition.demolition_unfinished",
            Relation.OVERLAPS,
            Severity.NEEDS_REVIEW,
            Department.LAND_ACQUISITION,
            Text("选址涉及未完成的房屋拆迁", "site includes buildings whose demolition is not finished"),
            Text("征收部门确认拆迁进度与安置方案", "acquisition office confirms demolition and resettlement"),
            feature_filter={"acquisition_status": frozenset({"done"}), "demolition_status": _UNFINISHED},
        ),
        ConflictRule(
            "land_acquisition.done",
            Relation.OVERLAPS,
            Severity.INFO,
            Department.LAND_ACQUISITION,
            Text("选址涉及已完成征地拆迁的地块", "site includes a parcel whose acquisition and demolition are done"),
            feature_filter={
                "acquisition_status": frozenset({"done"}),
                "demolition_status": frozenset({"done", "not_needed"}),
            },
        ),
    ),
    attributes=(
        Attribute("acquisition_status", _ACQUISITION_STATUS, AttributeType.CODE, ACQUISITION_STATUSES,
                  STATUS_ALIASES, required=True),
        Attribute("demolition_status", _DEMOLITION_STATUS, AttributeType.CODE, DEMOLITION_STATUSES,
                  DEMOLITION_ALIASES, required=True),
        Attribute("acquisition_percent", Text("征地进度（%）", "acquisition progress (%)"), AttributeType.NUMBER,
                  minimum=0, maximum=100),
        Attribute("households_remaining", Text("待拆迁户数", "households remaining"), AttributeType.INTEGER,
                  minimum=0),
        Attribute("buildings_remaining", Text("待拆除房屋（栋）", "buildings remaining"), AttributeType.INTEGER,
                  minimum=0),
    ),
    colour="#e67e22",
)

@dataclass(frozen=True)
class ParcelField:
    """One public field of a parcel: its name, its label for people and how it is read.

    ``text``, ``number`` and ``integer`` fields are read from the feature property of the same name;
    ``derived`` fields are computed (areas from the geometry, names from the district layer and the
    land-use classification).
    """

    name: str
    label: Text
    kind: Literal["text", "number", "integer", "derived"] = "text"


PARCEL_FIELDS: tuple[ParcelField, ...] = (
    ParcelField("parcel_code", Text("地块编号", "parcel code")),
    ParcelField("district_code", Text("行政区代码", "district code")),
    ParcelField("district_name", Text("行政区", "district"), "derived"),
    ParcelField("location", Text("位置", "location")),
    ParcelField("landuse_code", Text("规划用地代码", "land-use code")),
    ParcelField("landuse_name", Text("规划用地性质", "planned land use")),
    ParcelField("landuse_name_en", Text("规划用地性质（英文）", "planned land use (English)"), "derived"),
    ParcelField("area_m2", Text("面积（平方米）", "area (m²)"), "derived"),
    ParcelField("area_mu", Text("面积（亩）", "area (mu)"), "derived"),
    ParcelField("area_ha", Text("面积（公顷）", "area (ha)"), "derived"),
    ParcelField("acquisition_status", Text("征地状态", "land acquisition")),
    ParcelField("acquisition_percent", Text("征地进度（%）", "acquisition progress (%)"), "number"),
    ParcelField("demolition_status", Text("拆迁状态", "demolition")),
    ParcelField("households_remaining", Text("待拆迁户数", "households remaining"), "integer"),
    ParcelField("buildings_remaining", Text("待拆除房屋（栋）", "buildings remaining"), "integer"),
    ParcelField("availability", Text("供应状态", "availability")),
    ParcelField("supply_method", Text("供地方式", "supply method")),
    ParcelField("far_min", Text("容积率下限", "floor-area ratio (min)"), "number"),
    ParcelField("far_max", Text("容积率上限", "floor-area ratio (max)"), "number"),
    ParcelField("contact_department", Text("联系部门", "contact department")),
)
"""The only fields the public ever sees, in display order."""


INVESTMENT_PARCEL = LayerKind(
    "investment_parcel",
    Text("招商地块", "parcels open for investment"),
    _NR,
    colour="#f39c12",
    # Investors filter by these; the parcel page reads the other columns leniently (see layers.parcels).
    attributes=(
        Attribute("acquisition_status", _ACQUISITION_STATUS, AttributeType.CODE, ACQUISITION_STATUSES,
                  STATUS_ALIASES),
        Attribute("demolition_status", _DEMOLITION_STATUS, AttributeType.CODE, DEMOLITION_STATUSES,
                  DEMOLITION_ALIASES),
        Attribute("availability", Text("供应状态", "availability"), AttributeType.CODE, AVAILABILITIES),
    ),
    public_attributes=tuple(source.name for source in PARCEL_FIELDS if source.kind != "derived"),
)

LAYER_KINDS: dict[str, LayerKind] = {
    kind.slug: kind
    for kind in (
        DISTRICT,
        LAND_USE,
        ECOLOGICAL_RED_LINE,
        BASIC_FARMLAND,
        URBAN_DEVELOPMENT_BOUNDARY,
        WATER_SOURCE_PROTECTION,
        RIVER_MANAGEMENT_RANGE,
        FLOOD_RISK,
        SOIL_WATER_CONSERVATION,
        LAND_ACQUISITION,
        INVESTMENT_PARCEL,
    )
}


phrases("kind", unknown=Text("未知的图层类型“{slug}”；可用类型：{known}",
                             "Unknown layer kind {slug!r}; known kinds: {known}"))


class UnknownLayerKindError(ValueError):
    def __init__(self, slug: str) -> None:
        super().__init__(Message("kind.unknown", slug=slug, known=list(LAYER_KINDS)))


def layer_kind(slug: str) -> LayerKind:
    """The layer kind with this slug, or :class:`UnknownLayerKindError`."""
    try:
        return LAYER_KINDS[slug]
    except KeyError:
        raise UnknownLayerKindError(slug) from None
