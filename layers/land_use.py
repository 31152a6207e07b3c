"""Land-use classes and the compatibility matrix of the land-use plan layer.

Classes follow China's territorial spatial planning classification (国土空间调查、规划、用途管制用地用海分类指南,
2023): two-digit first-level codes, four-digit second-level codes where the data has them. What building a
project of one intended class on a zone planned for another means is policy: the compatibility pairs of the
rule set in force (:mod:`layers.rule_set`); :func:`compatibility` applies them.
"""

from __future__ import annotations

from enum import StrEnum


class Compatibility(StrEnum):
    ALLOWED = "allowed"
    NEEDS_REVIEW = "needs_review"
    BLOCKING = "blocking"


FIRST_LEVEL_CLASSES: dict[str, tuple[str, str]] = {
    "01": ("耕地", "farmland"),
    "02": ("园地", "orchard land"),
    "03": ("林地", "forest land"),
    "04": ("草地", "grassland"),
    "05": ("湿地", "wetland"),
    "06": ("农业设施建设用地", "agricultural facility land"),
    "07": ("居住用地", "residential"),
    "08": ("公共管理与公共服务用地", "public administration and services"),
    "09": ("商业服务业用地", "commercial and business services"),
    "10": ("工矿用地", "industrial and mining"),
    "11": ("仓储用地", "warehousing"),
    "12": ("交通运输用地", "transport"),
    "13": ("公用设施用地", "public utilities"),
    "14": ("绿地与开敞空间用地", "green space and open space"),
    "15": ("特殊用地", "special use"),
    "16": ("留白用地", "reserved land"),
    "17": ("陆地水域", "inland water"),
    "23": ("其他土地", "other land"),
}

SECOND_LEVEL_CLASSES: dict[str, tuple[str, str]] = {
    "0101": ("水田", "paddy field"),
    "0102": ("水浇地", "irrigated land"),
    "0103": ("旱地", "dry land"),
    "0301": ("乔木林地", "arbor forest"),
    "0701": ("城镇住宅用地", "urban housing"),
    "0702": ("城镇社区服务设施用地", "urban community services"),
    "0703": ("农村宅基地", "rural homestead"),
    "0704": ("农村社区服务设施用地", "rural community services"),
    "0801": ("机关团体用地", "government and organisations"),
    "0802": ("科研用地", "research"),
    "0803": ("文化用地", "culture"),
    "0804": ("教育用地", "education"),
    "0805": ("体育用地", "sports"),
    "0806": ("医疗卫生用地", "medical and health"),
    "0807": ("社会福利用地", "social welfare"),
    "0901": ("商业用地", "commercial"),
    "0902": ("商务金融用地", "business and finance"),
    "0903": ("娱乐用地", "entertainment"),
    "1001": ("工业用地", "industrial"),
    "1002": ("采矿用地", "mining"),
    "1101": ("物流仓储用地", "logistics and warehousing"),
    "1102": ("储备库用地", "reserve depots"),
    "1201": ("铁路用地", "railway"),
    "1202": ("公路用地", "highway"),
    "1203": ("机场用地", "airport"),
    "1204": ("港口码头用地", "port and wharf"),
    "1205": ("管道运输用地", "pipeline transport"),
    "1206": ("城市轨道交通用地", "urban rail transit"),
    "1207": ("城镇村道路用地", "urban and village roads"),
    "1208": ("交通场站用地", "transport stations"),
    "1301": ("供水用地", "water supply"),
    "1302": ("排水用地", "drainage"),
    "1303": ("供电用地", "power supply"),
    "1304": ("供燃气用地", "gas supply"),
    "1306": ("通信用地", "telecommunications"),
    "1311": ("干渠", "main canal"),
    "1312": ("水工设施用地", "hydraulic works"),
    "1401": ("公园绿地", "park"),
    "1402": ("防护绿地", "protective green belt"),
    "1403": ("广场用地", "public square"),
}


def first_level(code: str) -> str:
    """The two-digit first-level class of a land-use code such as ``"0701"`` or ``"07"``."""
    return code[:2]


def class_name(code: str, language: str = "zh") -> str:
    """The Chinese (``zh``) or English (``en``) name of a first- or second-level class."""
    names = SECOND_LEVEL_CLASSES.get(code) or FIRST_LEVEL_CLASSES.get(first_level(code))
    if names is None:
        return code
    return names[0] if language == "zh" else names[1]


def is_known_class(code: str) -> bool:
    """True for a first-level code in the classification, or a four-digit code under one."""
    return len(code) in (2, 4) and code.isdigit() and first_level(code) in FIRST_LEVEL_CLASSES


def compatibility(intended: str, planned: str, pairs: dict[str, dict[str, Compatibility]]) -> Compatibility:
    """What building an ``intended`` class project on a zone ``planned`` for another class means.

    Same second-level class, or same first-level class when either side has no second level: allowed.
    Same first level but different second level (e.g. urban housing 0701 on rural homestead 0703): review.
    Between first-level classes, the rule set's ``pairs`` (:mod:`layers.rule_set`) say; unlisted: blocking.
    """
    intended_first, planned_first = first_level(intended), first_level(planned)
    if intended_first == planned_first:
        if len(intended) == 4 and len(planned) == 4 and intended != planned:
            return Compatibility.NEEDS_REVIEW
        return Compatibility.ALLOWED
    return pairs.get(intended_first, {}).get(planned_first, Compatibility.BLOCKING)


URBAN_CONSTRUCTION_CLASSES: frozenset[str] = frozenset({"07", "08", "09", "10", "11", "12", "13", "15"})
"""First-level classes that are urban construction (城镇建设用地) and belong inside the development boundary."""


LINEAR_INFRASTRUCTURE_CLASSES: frozenset[str] = frozenset({"1201", "1202", "1205", "1206", "1207", "1311", "1312"})
"""Second-level classes of linear works (线性工程): railway, highway, pipeline, urban rail, road, main canal
(干渠) and hydraulic works (水工设施: embankments, levees). Airports, ports, stations and the utilities' plants
(substations, waterworks) are sites, not lines."""

LINEAR_INFRASTRUCTURE_INDUSTRIES: frozenset[str] = frozenset({"G53", "G54", "G57", "D44", "D45", "D46", "E48", "N76"})
"""GB/T 4754-2017 divisions whose works are laid as lines: rail, road and pipeline transport (铁路、道路、管道运输),
power, gas and water supply (电力、燃气、水的生产和供应: lines and mains), civil engineering (土木工程建筑: roads,
railways, water works, pipelines) and water management (水利管理)."""


def is_linear_infrastructure(land_use: str, industry: str) -> bool:
    """Whether a project is linear infrastructure (交通、能源、水利等线性基础设施).

    A second-level class says it by itself; a project given only the transport (12) or public utilities (13)
    first-level class is linear when its industry (GB/T 4754 division) builds lines.
    """
    if len(land_use) == 4:
        return land_use in LINEAR_INFRASTRUCTURE_CLASSES
    return first_level(land_use) in ("12", "13") and industry in LINEAR_INFRASTRUCTURE_INDUSTRIES
