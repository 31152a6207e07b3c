"""The four stages of construction-project approval (工程建设项目审批四个阶段), their approval items (审批事项)
and the working-day limits (审批时限).

The stages follow the national reform of construction-project approval (国办发〔2019〕11号): 立项用地规划许可,
工程建设许可, 施工许可, 竣工验收. The total limit from project approval to completion acceptance is 50 working
days for small social investment projects, 70 for general social investment and 90 for financial-investment
projects (Xiamen's reference case, down from 246). Per-item limits are defaults an admin may change per item
type; an item keeps the limit in force when it was accepted.

Each item type names the earlier documents it reuses (批文引用, electronic licence reuse): a later item
references the issued document by its number and never gets it uploaded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Message, Text
from layers.departments import Department
from projects import audit
from projects.access import require_role
from projects.accounts import Account, Role
from projects.supervision.errors import SupervisionInputError

MAX_ITEM_LIMIT = 250
"""No single item may be given more working days than the old 246-day total it replaced (rounded up)."""


class Stage(StrEnum):
    LAND_USE_PLANNING = "land_use_planning"
    ENGINEERING_PERMIT = "engineering_permit"
    CONSTRUCTION_PERMIT = "construction_permit"
    COMPLETION_ACCEPTANCE = "completion_acceptance"

    @property
    def order(self) -> int:
        return list(Stage).index(self) + 1

    @property
    def name_zh(self) -> str:
        return _STAGE_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _STAGE_NAMES[self][1]


_STAGE_NAMES: dict[Stage, tuple[str, str]] = {
    Stage.LAND_USE_PLANNING: ("立项用地规划许可", "project approval and land-use planning permit"),
    Stage.ENGINEERING_PERMIT: ("工程建设许可", "construction engineering permit"),
    Stage.CONSTRUCTION_PERMIT: ("施工许可", "construction permit"),
    Stage.COMPLETION_ACCEPTANCE: ("竣工验收", "completion acceptance"),
}


class Result(StrEnum):
    """The decision of an item (办理结果)."""

    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REFUSED = "refused"

    @property
    def grants(self) -> bool:
        """Whether the decision grants the approval, so that its document can be reused later."""
        return self is not Result.REFUSED


@dataclass(frozen=True)
class ItemType:
    """An approval item (审批事项): its stage, responsible department, default limit and reused documents."""

    key: str
    stage: Stage
    name_zh: str
    name_en: str
    department: Department
    default_limit: int
    """Working days from acceptance (受理) to decision (办结)."""
    reuses: tuple[str, ...] = ()
    """Item types whose issued documents this item references (批文引用)."""


_TYPES = (
    ItemType("project_approval", Stage.LAND_USE_PLANNING, "项目审批（核准、备案）",
             "project approval (verification, filing)", Department.NDRC, 5),
    ItemType("site_selection_opinion", Stage.LAND_USE_PLANNING, "建设项目用地预审与选址意见书",
             "land pre-examination and site selection opinion", Department.NATURAL_RESOURCES, 10,
             ("project_approval",)),
    ItemType("land_use_planning_permit", Stage.LAND_USE_PLANNING, "建设用地规划许可证", "land-use planning permit",
             Department.NATURAL_RESOURCES, 5, ("project_approval", "site_selection_opinion")),
    ItemType("eia_approval", Stage.LAND_USE_PLANNING, "环境影响评价审批", "environmental impact assessment approval",
             Department.ECOLOGY_ENVIRONMENT, 15, ("project_approval",)),
    ItemType("soil_water_conservation_plan", Stage.LAND_USE_PLANNING, "水土保持方案审批",
             "soil and water conservation plan approval", Department.WATER, 10, ("project_approval",)),
    ItemType("flood_impact_assessment", Stage.ENGINEERING_PERMIT, "洪水影响评价审批",
             "flood impact assessment approval", Department.WATER, 10, ("project_approval",)),
    ItemType("engineering_planning_permit", Stage.ENGINEERING_PERMIT, "建设工程规划许可证",
             "construction engineering planning permit", Department.NATURAL_RESOURCES, 10,
             ("project_approval", "land_use_planning_permit")),
    ItemType("land_acquisition_clearance", Stage.ENGINEERING_PERMIT, "征收补偿完成确认",
             "confirmation of completed acquisition and compensation", Department.LAND_ACQUISITION, 10,
             ("land_use_planning_permit",)),
    ItemType("construction_drawing_review", Stage.CONSTRUCTION_PERMIT, "施工图设计文件审查",
             "construction drawing review", Department.CONSTRUCTION, 10, ("engineering_planning_permit",)),
    ItemType("construction_permit", Stage.CONSTRUCTION_PERMIT, "建筑工程施工许可证", "construction permit",
             Department.CONSTRUCTION, 5,
             ("land_use_planning_permit", "engineering_planning_permit", "construction_drawing_review")),
    ItemType("planning_verification", Stage.COMPLETION_ACCEPTANCE, "规划条件核实",
             "verification of planning conditions", Department.NATURAL_RESOURCES, 10, ("engineering_planning_permit",)),
    ItemType("completion_acceptance", Stage.COMPLETION_ACCEPTANCE, "联合竣工验收", "joint completion acceptance",
             Department.CONSTRUCTION, 10, ("construction_permit", "engineering_planning_permit",
                                            "planning_verification")),
    # Government-invested projects (审批类) are approved through their feasibility study, decided from the
    # joint review (可研联评联审, projects/supervision/feasibility.py), then their preliminary design and budget.
    ItemType("feasibility_study_approval", Stage.LAND_USE_PLANNING, "可行性研究报告审批",
             "feasibility study approval", Department.NDRC, 10),
    ItemType("preliminary_design_approval", Stage.ENGINEERING_PERMIT, "初步设计及概算审批",
             "preliminary design and budget approval", Department.NDRC, 10, ("feasibility_study_approval",)),
)
ITEM_TYPES: dict[str, ItemType] = {t.key: t for t in _TYPES}
FINAL_ITEM_TYPE = "completion_acceptance"
"""The item whose decision stops the project's total clock."""

TOTAL_LIMITS: dict[str, int] = {"small_social": 50, "general_social": 70, "financial": 90}
"""Working days from project approval to completion acceptance, by investment category."""


def item_type(key: str) -> ItemType:
    """The item type ``key``, or an input error listing the known ones."""
    try:
        return ITEM_TYPES[key]
    except KeyError:
        raise SupervisionInputError("item_type", Message("supervision.item_type", key=key,
                                                          known=list(ITEM_TYPES))) from None


def effective_limits(connection: Connection) -> dict[str, int]:
    """Working-day limit per item type: the admin's setting where there is one, else the default."""
    overrides = dict(connection.execute(text("SELECT item_type, working_days FROM item_limits")).all())
    return {key: overrides.get(key, t.default_limit) for key, t in ITEM_TYPES.items()}


def set_item_limit(connection: Connection, actor: Account | None, key: str, working_days: int) -> dict[str, Any]:
    """Change the limit of one item type; items already accepted keep the limit they were accepted under."""
    require_role(actor, Role.ADMIN, action=Text("修改审批事项时限", "changing an item limit"))
    kind = item_type(key)
    if not 1 <= working_days <= MAX_ITEM_LIMIT:
        raise SupervisionInputError("working_days", Message("supervision.working_days", most=MAX_ITEM_LIMIT))
    before = effective_limits(connection)[key]
    connection.execute(
        text("INSERT INTO item_limits (item_type, working_days, updated_by) VALUES (:k, :w, :a) "
             "ON CONFLICT (item_type) DO UPDATE SET working_days = :w, updated_by = :a, updated_at = now()"),
        {"k": key, "w": working_days, "a": actor.id if actor else None},
    )
    audit.record(connection, actor=actor, action="item_limit", before={"item_type": key, "working_days": before},
                 after={"item_type": key, "working_days": working_days})
    return _type_dict(kind, working_days)


def _type_dict(kind: ItemType, limit: int) -> dict[str, Any]:
    return {"item_type": kind.key, "zh": kind.name_zh, "en": kind.name_en, "department": kind.department.value,
            "department_zh": kind.department.name_zh, "limit_working_days": limit,
            "default_limit_working_days": kind.default_limit, "reuses": list(kind.reuses)}


def catalogue(connection: Connection) -> dict[str, Any]:
    """The stages in order with their item types and limits in force, and the total limits by category."""
    limits = effective_limits(connection)
    return {
        "stages": [{"stage": s.value, "order": s.order, "zh": s.name_zh, "en": s.name_en,
                    "item_types": [_type_dict(t, limits[t.key]) for t in _TYPES if t.stage is s]}
                   for s in Stage],
        "total_limits_working_days": TOTAL_LIMITS,
    }
