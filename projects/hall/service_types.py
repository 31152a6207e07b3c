"""Service types of the intermediary hall (中介服务事项) and the qualification (资质) each needs: the one
declarative table the hall checks a provider against.

A provider may be commissioned for a service type only if it offers that type and holds, on the day it is
chosen, an unexpired qualification of one of the kinds the type accepts.

What reality says and this table assumes: several former qualifications were abolished in the State
Council's reforms (环评机构资质 in 2018, now a registration on the environmental impact assessment credit
platform, 环境影响评价信用平台; 水土保持方案编制资质 in 2017, now the preparer rating of the China Soil and
Water Conservation Society, 水平评价; 工程造价咨询企业资质 in 2021). The hall still records them as a
"qualification" with its number and validity, as the reference platform does, so the check is the same for
every type. Which kinds a flood impact assessment (防洪评价) accepts is this platform's assumption (a
water-conservancy design or a hydrology and water-resources qualification), to be confirmed by the water
bureau. The limits are defaults in working days (工作日); the project unit may set its own when it posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from gis.messages import Text

QUALIFICATION_KINDS: MappingProxyType[str, Text] = MappingProxyType({
    "engineering_survey": Text("工程勘察资质", "engineering survey qualification"),
    "engineering_design": Text("工程设计资质", "engineering design qualification"),
    "eia_credit_record": Text("环境影响评价信用平台备案", "registration on the EIA credit platform"),
    "water_design": Text("水利行业工程设计资质", "water-conservancy engineering design qualification"),
    "hydrology": Text("水文水资源调查评价资质", "hydrology and water-resources survey qualification"),
    "soil_water_rating": Text("水土保持方案编制单位水平评价", "soil-and-water plan preparer rating"),
    "cost_consulting": Text("工程造价咨询登记", "cost consulting registration"),
    "surveying_mapping": Text("测绘资质", "surveying and mapping qualification"),
})
"""Qualification kinds (资质类别) by key."""


@dataclass(frozen=True)
class ServiceType:
    """A service a project unit commissions (中介服务事项)."""

    key: str
    name: Text
    accepts: tuple[str, ...]
    """Qualification kinds (keys of :data:`QUALIFICATION_KINDS`), any one of which qualifies a provider."""
    default_limit_working_days: int
    """The provider's default time limit, in working days from the day it is chosen."""

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "zh": self.name.zh, "en": self.name.en,
                "default_limit_working_days": self.default_limit_working_days,
                "qualifications": [{"kind": kind, "zh": QUALIFICATION_KINDS[kind].zh,
                                    "en": QUALIFICATION_KINDS[kind].en} for kind in self.accepts]}


SERVICE_TYPES: MappingProxyType[str, ServiceType] = MappingProxyType({t.key: t for t in (
    ServiceType("survey", Text("勘察", "survey"), ("engineering_survey",), 20),
    ServiceType("design", Text("设计", "design"), ("engineering_design",), 30),
    ServiceType("environmental_assessment", Text("环境影响评价", "environmental impact assessment"),
                ("eia_credit_record",), 30),
    ServiceType("flood_assessment", Text("防洪评价", "flood impact assessment"), ("water_design", "hydrology"), 20),
    ServiceType("soil_water_plan", Text("水土保持方案编制", "soil and water conservation plan"),
                ("soil_water_rating",), 20),
    ServiceType("cost_consulting", Text("造价咨询", "cost consulting"), ("cost_consulting",), 15),
    ServiceType("surveying_mapping", Text("测绘", "surveying and mapping"), ("surveying_mapping",), 10),
)})
"""Every service type of the hall, by key."""
