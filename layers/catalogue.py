"""The planning layer catalogue: every layer kind, its responsible department and the attributes its rules read.

A conflict rule (:class:`ConflictRule`) belongs to the layer kind it governs and is plain data: which projects
it applies to, the spatial relation (the site overlaps a feature, or lies outside the layer), the severity,
the responsible department, the required follow-up and a message in Chinese and English. The rules are not
code: they come from a versioned rules file (:mod:`layers.rule_set`, shipped as ``layers/rules.toml``), where
each rule names its kind. The land-use rule has no fixed severity: its severity comes from the compatibility
matrix of the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
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
from layers.land_use import first_level, is_linear_infrastructure


class Severity(StrEnum):
    """How much a conflict matters for code assignment (赋码)."""

    BLOCKING = "blocking"
    NEEDS_REVIEW = "needs_review"
    INFO = "info"


class Relation(StrEnum):
    OVERLAPS = "overlaps"
    OUTSIDE = "outside"
    LAND_USE = "land_use"


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
    kind: str = ""
    """The layer kind it governs (its id starts with it)."""

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

    @cached_property
    def conflict_texts(self) -> dict[str, Any]:
        """What every conflict under this rule reports alike, as JSON-ready data built once per rule: its
        relation, department, department's name, follow-up and message. Shared by those conflicts; a
        conflict that says more gets a new message, never a changed one."""
        return {
            "relation": self.relation.value,
            "department": self.department.value,
            "department_name": {"zh": self.department.name_zh, "en": self.department.name_en},
            "follow_up": {"zh": self.follow_up.zh, "en": self.follow_up.en} if self.follow_up else None,
            "message": {"zh": self.message.zh, "en": self.message.en},
        }

    def matches_feature(self, properties: Mapping[str, Any]) -> bool:
        """Whether a feature's attributes select this rule (e.g. water-source tier 1 only)."""
        return all(properties.get(key) in values for key, values in self.feature_filter.items())


@dataclass(frozen=True)
class LayerKind:
    """A kind of planning layer (e.g. 生态保护红线 ecological protection red line)."""

    slug: str
    name: Text
    department: Department
    colour: str = "#888888"
    covers_planning_area: bool = False
    """Wall-to-wall (全域覆盖): every point of the planning area lies on a feature, so a part of a site on
    none is missing data. Other kinds mark where a constraint exists: a site on none of their features is
    clear of them."""
    attributes: tuple[Attribute, ...] = ()  # what its rules and public pages read, checked at import
    public_attributes: tuple[str, ...] | None = None
    """The only stored properties that any output (API features, OGC items, tiles) carries; None: all of them.
    A whitelist holds whatever extra columns an import brings (a phone number in a parcel table)."""


_NR = Department.NATURAL_RESOURCES

DISTRICT = LayerKind("district", Text("行政区划", "administrative districts"), _NR, colour="#555555",
                     covers_planning_area=True)

LAND_USE = LayerKind(
    "land_use",
    Text("国土空间规划用地", "land-use plan"),
    _NR,
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
    attributes=(
        Attribute("category", Text("生态保护红线类型", "red-line type"), AttributeType.CODE, RED_LINE_CATEGORIES),
    ),
    colour="#c0392b",
)

BASIC_FARMLAND = LayerKind(
    "basic_farmland",
    Text("永久基本农田", "permanent basic farmland"),
    _NR,
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
    colour="#8e44ad",
)

WATER_SOURCE_PROTECTION = LayerKind(
    "water_source_protection",
    Text("饮用水水源保护区", "drinking-water source protection zone"),
    Department.ECOLOGY_ENVIRONMENT,
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
    attributes=(
        Attribute("width_m", Text("管理范围宽度（米）", "management width (m)"), AttributeType.NUMBER, minimum=0),
    ),
    colour="#1abc9c",
)

FLOOD_RISK = LayerKind(
    "flood_risk",
    Text("洪涝风险区", "flood risk zone"),
    Department.WATER,
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
    attributes=(
        Attribute("zone_type", Text("水土流失重点区类型", "zone type"), AttributeType.CODE, SOIL_WATER_ZONE_TYPES),
    ),
    colour="#a04000",
)

_ACQUISITION_STATUS = Text("征地状态", "land acquisition")
_DEMOLITION_STATUS = Text("拆迁状态", "demolition")
LAND_ACQUISITION = LayerKind(
    "land_acquisition",
    Text("征地拆迁地块", "land acquisition and demolition parcels"),
    Department.LAND_ACQUISITION,
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
