"""Building conditions (建设条件): what the departments settle on a proposal before the NDRC decides — the
land-use quota (用地指标) with its area, the investing entity (投资主体, checked against the credit lists), the
funding source (资金来源), and the environmental, soil-and-water, flood-control and acquisition conditions.

Which department records which condition is the responsibility table's (``layers/departments.toml``, category
``condition``), routed like a review by the district where the site lies. Each recording is kept (append-only
table of migration 0013); the newest one of a condition is in force. The NDRC sees every condition, and the ones
still missing, before it decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.area import M2_PER_MU
from gis.messages import Message, Text, phrases
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, require_role
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.credit import active_entries
from projects.credit_code import CreditCodeError, validate_credit_code
from projects.departments import LEVEL_NAMES, Directory, load_directory
from projects.districts import district_names
from projects.supervision.items import acts_for
from projects.workflow import IllegalTransitionError, State


@dataclass(frozen=True)
class ConditionKind:
    key: str
    name: Text
    fields: tuple[str, ...]
    """What a recording of it must carry besides its status (``note`` for the text conditions)."""


CONDITIONS: dict[str, ConditionKind] = {kind.key: kind for kind in (
    ConditionKind("land_quota", Text("用地指标", "land-use quota"), ("area_m2",)),
    ConditionKind("investing_entity", Text("投资主体", "investing entity"), ("entity_name", "entity_credit_code")),
    ConditionKind("funding_source", Text("资金来源", "funding source"), ("funding_source",)),
    ConditionKind("environment", Text("环境保护条件", "environmental conditions"), ("note",)),
    ConditionKind("soil_water", Text("水土保持条件", "soil and water conservation conditions"), ("note",)),
    ConditionKind("flood_control", Text("防洪条件", "flood-control conditions"), ("note",)),
    ConditionKind("acquisition", Text("征地拆迁条件", "land acquisition and demolition conditions"), ("note",)),
)}
STATUSES: dict[str, Text] = {"met": Text("已落实", "met"), "pending": Text("待落实", "pending"),
                             "not_met": Text("不具备", "not met")}
"""A condition's status: settled, still to be settled, or not given (the project cannot proceed on it)."""
OPEN_STATES = (State.SUBMITTED, State.UNDER_REVIEW)
"""Conditions are settled between submission and the NDRC's decision."""
MAX_AREA_M2 = Decimal("100000000")
"""100 km²: no land-use quota of one project is larger."""

phrases(
    "conditions",
    unknown=Text("建设条件须为以下之一：{values}", "the building condition is one of {values}"),
    status=Text("状态须为以下之一：{values}", "the status is one of {values}"),
    note=Text("请写明该条件的内容", "write what the condition is"),
    area=Text("请填写用地指标面积（平方米，大于0且不超过1亿）",
              "give the land-use quota's area in m² (more than 0, at most 100,000,000)"),
    entity_name=Text("请填写投资主体名称", "give the investing entity's name"),
    funding=Text("资金来源须为以下之一：{values}", "the funding source is one of {values}"),
    not_yours=Text("该项目位于{district}，“{condition}”由{routed}负责填写；{department}（{level}）不能代为填写",
                   "the site lies in {district}: {condition} is recorded by {routed}; {department} ({level}) "
                   "cannot record it"),
    blacklisted=Text("投资主体{entity}（{code}）自{since}起列入失信联合惩戒名单：{reason}（来源：{source}），不能作为投资主体",
                     "the investing entity {entity} ({code}) is blacklisted (联合惩戒) since {since}: {reason} "
                     "(source: {source}); it cannot invest in the project"),
    not_found=Text("没有编号为{id}的项目。", "There is no proposal {id}."),
)


class ConditionInputError(ValueError):
    """A field of a building condition is wrong (HTTP 422); ``field`` names it."""

    def __init__(self, field_name: str, message: Message) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


class BlacklistedEntityError(ValueError):
    """The investing entity is on the blacklist (HTTP 409); the message gives the list's reason."""


def _proposal(connection: Connection, proposal_id: int, *, lock: bool = False) -> Row[Any]:
    row = connection.execute(text("SELECT id, district_code, state, funding_source FROM proposals WHERE id = :id"
                                  + (" FOR UPDATE" if lock else "")), {"id": proposal_id}).one_or_none()
    if row is None:
        raise NotFoundError(Message("conditions.not_found", id=proposal_id))
    return row


def _figures(area_m2: Decimal | None) -> dict[str, float] | None:
    if area_m2 is None:
        return None
    m2 = float(area_m2)
    return {"m2": round(m2, 2), "mu": round(m2 / M2_PER_MU, 2), "ha": round(m2 / 10_000, 4)}


def building_conditions(connection: Connection, proposal: Row[Any],
                        directory: Directory | None = None) -> dict[str, Any]:
    """Every building condition of a proposal: its responsible department (routed by the site's district) and
    the recording in force, if any; ``missing`` names those with none yet."""
    directory = directory or load_directory(connection)
    rows = connection.execute(text(
        "SELECT DISTINCT ON (c.condition) c.id, c.condition, c.department, c.status, c.note, c.area_m2, "
        "c.entity_name, c.entity_credit_code, c.funding_source, c.created_at, a.username "
        "FROM building_conditions c JOIN accounts a ON a.id = c.author_id WHERE c.proposal_id = :p "
        "ORDER BY c.condition, c.id DESC"), {"p": proposal.id}).all()
    recorded = {row.condition: row for row in rows}
    conditions = []
    for kind in CONDITIONS.values():
        responsible = directory.route(kind.key, proposal.district_code)
        row = recorded.get(kind.key)
        conditions.append({
            "condition": kind.key, "zh": kind.name.zh, "en": kind.name.en,
            "responsible": directory.summary(responsible),
            "recorded": None if row is None else {
                "id": row.id, "department": directory.summary(row.department), "status": row.status,
                "status_zh": STATUSES[row.status].zh, "status_en": STATUSES[row.status].en, "note": row.note,
                "area": _figures(row.area_m2), "entity_name": row.entity_name,
                "entity_credit_code": row.entity_credit_code, "funding_source": row.funding_source,
                "author": row.username, "created_at": row.created_at.isoformat()},
        })
    return {"conditions": conditions,
            "missing": [c["condition"] for c in conditions if c["recorded"] is None],
            "missing_names": [{"condition": c["condition"], "zh": c["zh"], "en": c["en"],
                               **{f"responsible_{k}": c["responsible"][k] for k in ("zh", "en")}}
                              for c in conditions if c["recorded"] is None]}


def record_condition(connection: Connection, actor: Account | None, proposal_id: int, *, condition: str,
                     status: str, note: str | None = None, area_m2: Decimal | float | str | None = None,
                     entity_name: str | None = None, entity_credit_code: str | None = None,
                     funding_source: str | None = None) -> dict[str, Any]:
    """Record one building condition on a submitted proposal, as the department responsible for it in the
    site's district (the NDRC role records the investing entity, the NDRC's condition). Audited; a rejected
    recording writes nothing."""
    require_role(actor, Role.DEPARTMENT, Role.NDRC, action=Text("填写建设条件", "recording a building condition"))
    assert actor is not None
    kind = CONDITIONS.get(condition)
    if kind is None:
        raise ConditionInputError("condition", Message("conditions.unknown", values=list(CONDITIONS)))
    proposal = _proposal(connection, proposal_id, lock=True)
    directory = load_directory(connection)
    responsible = directory.route(kind.key, proposal.district_code)
    if not acts_for(actor, responsible):
        mine = directory.departments.get(actor.department or actor.role.value)
        raise AccessDeniedError(Message(
            "conditions.not_yours", condition=kind.name, routed=directory.name(responsible),
            district=district_names(connection).get(proposal.district_code, proposal.district_code),
            department=mine.name if mine else Text(actor.username, actor.username),
            level=LEVEL_NAMES[mine.level] if mine else Text("—", "—")))
    if State(proposal.state) not in OPEN_STATES:
        raise IllegalTransitionError(State(proposal.state), "record_condition")
    if status not in STATUSES:
        raise ConditionInputError("status", Message("conditions.status", values=list(STATUSES)))
    note = (note or "").strip() or None
    values = _checked_values(connection, kind, note, area_m2, entity_name, entity_credit_code, funding_source)
    condition_id = connection.execute(
        text("INSERT INTO building_conditions (proposal_id, condition, department, status, note, area_m2, "
             "entity_name, entity_credit_code, funding_source, author_id, created_at) VALUES (:p, :c, :d, :s, :n, "
             f":area, :entity, :code, :funding, :a, {NOW_SQL}) RETURNING id"),
        {"p": proposal.id, "c": kind.key, "d": responsible, "s": status, "n": note, "a": actor.id,
         **values, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="building_condition", proposal_id=proposal.id,
                 after={"condition_id": condition_id, "condition": kind.key, "department": responsible,
                        "status": status, "note": note, **{k: str(v) if isinstance(v, Decimal) else v
                                                           for k, v in values.items() if v is not None}})
    return building_conditions(connection, proposal, directory)


def _checked_values(connection: Connection, kind: ConditionKind, note: str | None,
                    area_m2: Decimal | float | str | None, entity_name: str | None, entity_credit_code: str | None,
                    funding_source: str | None) -> dict[str, Any]:
    """The columns of ``kind`` from what was given, each checked; the investing entity against the blacklist."""
    from projects.proposals import FUNDING_SOURCES  # here: projects.proposals imports this module

    values: dict[str, Any] = {"area": None, "entity": None, "code": None, "funding": None}
    if "note" in kind.fields and note is None:
        raise ConditionInputError("note", Message("conditions.note"))
    if "area_m2" in kind.fields:
        try:
            area = Decimal(str(area_m2)) if area_m2 is not None else None
        except InvalidOperation:
            area = None
        if area is None or not area.is_finite() or not 0 < area <= MAX_AREA_M2:
            raise ConditionInputError("area_m2", Message("conditions.area"))
        values["area"] = area.quantize(Decimal("0.01"))
    if "entity_name" in kind.fields:
        name = (entity_name or "").strip()
        if not name or len(name) > 200:
            raise ConditionInputError("entity_name", Message("conditions.entity_name"))
        try:
            code = validate_credit_code(entity_credit_code or "")
        except CreditCodeError as error:
            raise ConditionInputError("entity_credit_code", error.message) from None
        for entry in active_entries(connection, code, beijing_today(), "black"):
            raise BlacklistedEntityError(Message("conditions.blacklisted", entity=name, code=code,
                                                 since=entry["valid_from"], reason=entry["reason"],
                                                 source=entry["source"]))
        values["entity"], values["code"] = name, code
    if "funding_source" in kind.fields:
        if funding_source not in FUNDING_SOURCES:
            raise ConditionInputError("funding_source", Message("conditions.funding", values=list(FUNDING_SOURCES)))
        values["funding"] = funding_source
    return values
