"""Proposals (项目策划生成): creation, site revisions with automatic screening, review opinions and map
markings, NDRC decisions, and project code assignment (赋码) on approval.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from random import Random
from typing import Any

import shapely
from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Row, text
from sqlalchemy.exc import IntegrityError

from gis.errors import SpatialInputError
from gis.geometry import parse_geojson_geometry, require_vertex_limit
from gis.messages import Clauses, Message, message_of, phrases
from gis.sql import geojson_sql
from layers.catalogue import LAYER_KINDS, Severity, Text
from layers.land_use import is_known_class
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, can_view_proposal, require_role, sees_other_projects
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.conditions import building_conditions
from projects.credit import active_entries
from projects.credit_code import validate_credit_code
from projects.departments import LEVEL_NAMES, Directory, load_directory
from projects.districts import district_names, site_districts
from projects.project_code import ProjectCode, generate_code, parse_code
from projects.review import Verdict, conflict_fingerprint, required_departments
from projects.screening import (
    PROJECT_TYPES,
    Screener,
    ScreeningReport,
    ScreeningRequest,
    report_for,
    store_screening,
)
from projects.settings import screening_settings
from projects.sites import Site
from projects.supervision.work_plan import issue_plan
from projects.workflow import (
    ACTION_NAMES,
    EDITABLE_STATES,
    TRANSITIONS,
    Action,
    IllegalTransitionError,
    State,
    next_state,
)

INVESTMENT_CATEGORIES: dict[str, tuple[str, str]] = {
    "financial": ("财政投融资", "financial investment"),
    "general_social": ("一般社会投资", "general social investment"),
    "small_social": ("小型社会投资", "small social investment"),
}
FUNDING_SOURCES: dict[str, tuple[str, str]] = {
    "fiscal": ("财政性资金", "government funds"),
    "special_bond": ("地方政府专项债券", "local government special bonds"),
    "self_raised": ("企业自筹资金", "the company's own funds"),
    "bank_loan": ("银行贷款", "bank loans"),
    "social_capital": ("社会资本（PPP）", "private capital (PPP)"),
    "foreign": ("外商投资", "foreign investment"),
    "mixed": ("多渠道筹措", "several sources"),
}
"""资金来源: where a project's money comes from, as the approval forms ask it (a department judges a fiscal
project otherwise than a self-funded one)."""
CENTRAL_DEPARTMENT_CODE = "89"
"""Central business-guidance department code used for locally coded projects (see project_code, assumption 5)."""
CONSTRUCTION_PROJECT_TYPE = "01"
"""National project type 基本建设 (new construction), the type of every project a site is planned for."""
MAX_CODE_ATTEMPTS = 20
UNSCREENED: dict[str, Any] = {"conflicts": [], "summary": {"missing_layer_kinds": []}}
"""The report of a site registered without screening (a legacy project coded before the platform)."""
APPROVAL_LOCK_NAMESPACE = 0x0B1E
"""First key of the transaction advisory locks that serialise approvals of overlapping sites."""
APPROVAL_LOCK_CELL_DEGREES = 0.05
"""Approvals lock the grid cells (0.05° WGS84, about 5 km) their site's bounding box touches: two sites
that overlap share a point, hence a cell."""
APPROVAL_LOCK_MAX_CELLS = 64
"""A site touching more cells than this locks the whole map instead."""
_WHOLE_MAP = 2**31 - 1
"""Second key of the whole-map lock: no cell has it (cell keys stay within ±15 million)."""


phrases(
    "proposal",
    name=Text("请填写2至200字的项目名称", "give a project name of 2 to 200 characters"),
    organisation=Text("请填写项目单位", "name the applicant organisation (项目单位)"),
    credit_code=Text("不是有效的统一社会信用代码：{reason}", "not a valid unified social credit code: {reason}"),
    district_code=Text("请填写所在区的6位行政区划代码（GB/T 2260），如350203",
                       "give the 6-digit GB/T 2260 code of the district, e.g. 350203"),
    industry=Text("请填写国民经济行业门类与大类代码（GB/T 4754），如C39、K70",
                  "give a GB/T 4754 division such as C39 or K70"),
    project_type=Text("项目类型须为01审批、02核准或03备案", "one of 01 审批, 02 核准, 03 备案"),
    one_of=Text("须为以下之一：{values}", "one of {values}"),
    investment_number=Text("请以数字填写总投资（万元）", "give the total investment in 万元 as a number"),
    investment_positive=Text("总投资（万元）须大于0", "the total investment (万元) must be positive"),
    land_use=Text("请填写用地分类，如07、0701或1001", "give a land-use class such as 07, 0701 or 1001"),
    reason_returned=Text("请说明退回的理由", "say why the proposal is returned"),
    reason_rejected=Text("请说明驳回的理由", "say why the proposal is rejected"),
    conditions=Text("请列出同意的条件", "list the conditions of the agreement"),
    reason_object=Text("请说明不同意的理由", "say why the department objects"),
    foreign_markings=Text("审查意见只能引用本部门在该项目上的标注；以下标注不属于本部门：{ids}",
                          "an opinion cites only its own department's markings on this proposal; not {ids}"),
    note=Text("标注须附说明，写明标注的内容", "a marking needs a note saying what it marks"),
    refused=Text("不能批准：{reasons}", "cannot approve: {reasons}"),
    legacy_only=Text("只登记2021年以前的旧版代码；新代码由平台赋码",
                     "only pre-2021 legacy codes are registered; new codes are assigned"),
    registered=Text("{code}已登记", "{code} is already registered"),
    not_found=Text("没有编号为{id}的项目。", "There is no proposal {id}."),
    no_code=Text("没有项目使用代码{code}。", "No project has the code {code}."),
    own_credit_code=Text("项目单位只能以本单位的统一社会信用代码申报项目",
                         "an applicant files proposals only under its own unified social credit code"),
    queue_department=Text("待审查清单属于部门：当前账号不属于任何部门",
                          "the review queue is a department's: this account belongs to no department"),
    department_only=Text("只有部门账号才能提出审查意见，且只代表本部门",
                         "only a department account gives opinions, for its own department"),
    district_not_on_site=Text("选址不在所填的所在区（{declared}）内，而位于{found}：请改填选址所在的区，或核对选址",
                              "the site does not lie in the district given ({declared}) but in {found}: give the "
                              "district the site lies in, or check the site"),
    district_share=Text("{name}（{code}，占{share:.1f}%）", "{name} ({code}, {share:.1f}%)"),
    no_district_on_site=Text("选址不在任何区内，无法确定所在区：请核对选址，或填写所在区",
                             "the site lies in no district, so its district cannot be found: check the site, or "
                             "give the district"),
    routed_elsewhere=Text("该项目位于{district}，本项审查已分派给{routed}；{department}（{level}）不负责此处的审查，"
                          "不能代为提出意见",
                          "the site lies in {district}: this review is routed to {routed}; {department} ({level}) "
                          "is not responsible there and cannot answer for it"),
    not_required=Text("{department}不在该项目需要审查的部门之列（{required}）",
                      "{department} is not among the departments this proposal needs ({required})"),
    none=Text("无", "none"),
    marking_type=Text("标注须为点、线或面，不能是{type}", "a marking is a point, line or polygon, not {type}"),
    marking_range=Text("标注坐标须为WGS84经度、纬度（x为经度）",
                       "marking coordinates must be WGS84 longitude, latitude (x = longitude)"),
    marking_invalid=Text("标注的几何无效", "the marking's geometry is not valid"),
)


class ProposalInputError(ValueError):
    """A proposal field is wrong; ``field`` names it, ``message`` says what to give instead."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class ApprovalRefusedError(Exception):
    """The NDRC may not approve yet; ``reasons`` lists every obstacle."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__(Message("proposal.refused", reasons=Clauses(
            Text(reason["text"]["zh"], reason["text"]["en"]) for reason in reasons)))
        self.reasons = reasons


@dataclass(frozen=True)
class ProposalInput:
    """The attributes of a proposal, validated on construction."""

    name: str
    applicant_organisation: str
    credit_code: str
    district_code: str | None
    """所在区, GB/T 2260; None: the district holding the largest part of the site."""
    industry: str
    project_type: str
    investment_category: str
    total_investment_wan: Decimal
    land_use: str
    funding_source: str | None = None
    """资金来源, a key of FUNDING_SOURCES; None for proposals filed before it was asked."""

    def __post_init__(self) -> None:
        if not 2 <= len(self.name.strip()) <= 200:
            raise ProposalInputError("name", Message("proposal.name"))
        if not self.applicant_organisation.strip():
            raise ProposalInputError("applicant_organisation", Message("proposal.organisation"))
        try:
            object.__setattr__(self, "credit_code", validate_credit_code(self.credit_code))
        except ValueError as error:
            raise ProposalInputError("credit_code", Message("proposal.credit_code", reason=message_of(error))) from None
        if self.district_code is not None and not re.fullmatch(r"\d{6}", self.district_code):
            raise ProposalInputError("district_code", Message("proposal.district_code"))
        if not re.fullmatch(r"[A-T]\d{2}", self.industry):
            raise ProposalInputError("industry", Message("proposal.industry"))
        if self.project_type not in PROJECT_TYPES:
            raise ProposalInputError("project_type", Message("proposal.project_type"))
        if self.investment_category not in INVESTMENT_CATEGORIES:
            raise ProposalInputError("investment_category",
                                     Message("proposal.one_of", values=list(INVESTMENT_CATEGORIES)))
        try:
            amount = Decimal(str(self.total_investment_wan))
        except InvalidOperation:
            raise ProposalInputError("total_investment_wan", Message("proposal.investment_number")) from None
        if not (Decimal(0) < amount < Decimal("1e11")) or not amount.is_finite():
            raise ProposalInputError("total_investment_wan", Message("proposal.investment_positive"))
        object.__setattr__(self, "total_investment_wan", amount)
        if not is_known_class(self.land_use):
            raise ProposalInputError("land_use", Message("proposal.land_use"))
        if self.funding_source is not None and self.funding_source not in FUNDING_SOURCES:
            raise ProposalInputError("funding_source", Message("proposal.one_of", values=list(FUNDING_SOURCES)))


_PROPOSAL_COLUMNS = (
    "id, name, applicant_organisation, credit_code, district_code, industry, project_type, investment_category, "
    "total_investment_wan, land_use, funding_source, state, owner_id, project_code, coded_at, created_at, updated_at"
)


def _load(connection: Connection, proposal_id: int, *, lock: bool = False) -> Row[Any]:
    row = connection.execute(
        text(f"SELECT {_PROPOSAL_COLUMNS} FROM proposals WHERE id = :id" + (" FOR UPDATE" if lock else "")),
        {"id": proposal_id},
    ).one_or_none()
    if row is None:
        raise NotFoundError(Message("proposal.not_found", id=proposal_id))
    return row


def _visible(connection: Connection, actor: Account | None, proposal_id: int, *, lock: bool = False) -> Row[Any]:
    """The proposal, if the actor may see it: a department only once it is routed to that department, until it
    is coded (a coded project is every department's to supervise: its approval items go to others than its
    review did)."""
    row = _load(connection, proposal_id, lock=lock)
    if not can_view_proposal(actor, row.owner_id, row.state) or (
            actor is not None and actor.role is Role.DEPARTMENT and row.state != State.APPROVED.value
            and actor.department not in routed_departments(connection, row, review_status(connection, row))):
        raise NotFoundError(Message("proposal.not_found", id=proposal_id))
    return row


def routed_departments(connection: Connection, proposal: Row[Any], status: dict[str, Any],
                       directory: Directory | None = None) -> set[str]:
    """The departments a proposal is routed to: those whose opinion it needs (``status`` from
    :func:`review_status`), those recording its building conditions in its district, and those that answered
    it before."""
    directory = directory or load_directory(connection)
    conditions = {directory.route(concern, proposal.district_code) for concern in directory.concerns("condition")}
    return set(status["required"]) | conditions | {o["department"] for o in status["opinions"]}


def _public_fields(row: Row[Any]) -> dict[str, Any]:
    fields = dict(row._mapping)
    fields["total_investment_wan"] = float(fields["total_investment_wan"])
    for key in ("coded_at", "created_at", "updated_at"):
        fields[key] = fields[key].isoformat() if fields[key] else None
    return fields


def district_for_site(connection: Connection, declared: str | None, site: Site) -> str:
    """所在区: the declared district if the site lies (at least partly) in it, else refused, naming the districts
    the site lies in; without a declared one, the district holding the largest part of the site (the newest
    district layer). The district decides who reviews and the code's region, so it is never taken on trust.
    Without a district layer the declared district stands (the screening reports the layer missing)."""
    found = site_districts(connection, site.wkb)
    if declared is None:
        if not found:
            raise ProposalInputError("district_code", Message("proposal.no_district_on_site"))
        return found[0].code
    if found and declared not in {district.code for district in found}:
        raise ProposalInputError("district_code", Message(
            "proposal.district_not_on_site", declared=district_names(connection).get(declared, declared),
            found=[Message("proposal.district_share", name=d.name, code=d.code,
                           share=100 * d.area_m2 / site.area_m2) for d in found]))
    return declared


def create_proposal(connection: Connection, actor: Account | None, data: ProposalInput, site: Site) -> dict[str, Any]:
    """A new draft proposal with its first site revision, screened at once."""
    require_role(actor, Role.APPLICANT, action=Text("新建项目申报", "creating a proposal"))
    assert actor is not None
    if actor.role is Role.APPLICANT and actor.credit_code != data.credit_code:
        raise AccessDeniedError(Message("proposal.own_credit_code"))
    data = replace(data, district_code=district_for_site(connection, data.district_code, site))
    proposal_id = connection.execute(
        text(
            "INSERT INTO proposals (name, applicant_organisation, credit_code, district_code, industry, project_type, "
            "investment_category, total_investment_wan, land_use, funding_source, state, owner_id, created_at, "
            "updated_at) VALUES (:name, :org, :credit, :district, :industry, :type, :category, :investment, "
            f":land_use, :funding, 'draft', :owner, {NOW_SQL}, {NOW_SQL}) RETURNING id"
        ),
        {"name": data.name.strip(), "org": data.applicant_organisation.strip(), "credit": data.credit_code,
         "district": data.district_code, "industry": data.industry, "type": data.project_type,
         "category": data.investment_category, "investment": data.total_investment_wan, "land_use": data.land_use,
         "funding": data.funding_source, "owner": actor.id, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="create", proposal_id=proposal_id,
                 after={**asdict(data), "total_investment_wan": str(data.total_investment_wan)})
    _add_revision(connection, actor, _load(connection, proposal_id), site)
    return proposal_detail(connection, actor, proposal_id)


def _add_revision(connection: Connection, actor: Account | None, proposal: Row[Any], site: Site) -> int:
    previous = connection.execute(
        text("SELECT coalesce(max(revision), 0) FROM site_revisions WHERE proposal_id = :p"), {"p": proposal.id}
    ).scalar_one()
    connection.execute(text("UPDATE site_revisions SET is_current = false WHERE proposal_id = :p"), {"p": proposal.id})
    revision_id = connection.execute(
        text(
            "INSERT INTO site_revisions (proposal_id, revision, is_current, source_crs, area_m2, geom, created_at) "
            f"VALUES (:p, :r, true, :crs, :area, ST_GeomFromWKB(:wkb, 4326), {NOW_SQL}) RETURNING id"
        ),
        {"p": proposal.id, "r": previous + 1, "crs": site.source_crs, "area": site.area_m2, "wkb": site.wkb,
         **now_parameter()},
    ).scalar_one()
    report = Screener(connection).screen(ScreeningRequest(
        site=site, project_type=proposal.project_type, land_use=proposal.land_use, industry=proposal.industry,
        proposal_id=proposal.id))
    screening_id = store_screening(connection, report, revision_id)
    audit.record(connection, actor=actor, action="revise_site", proposal_id=proposal.id,
                 after={"revision": previous + 1, "area_m2": round(site.area_m2, 2), "screening_id": screening_id,
                        "blocking_count": report.summary["blocking_count"]})
    return revision_id


def revise_site(connection: Connection, actor: Account | None, proposal_id: int, site: Site) -> dict[str, Any]:
    """A new site revision (the old ones are kept), screened at once; reopens changed departments' reviews."""
    proposal = _visible(connection, actor, proposal_id, lock=True)
    require_role(actor, Role.APPLICANT, action=Text("修改选址", "revising a site"))
    if State(proposal.state) not in EDITABLE_STATES:
        raise IllegalTransitionError(State(proposal.state), "revise_site")
    district_for_site(connection, proposal.district_code, site)
    _add_revision(connection, actor, proposal, site)
    return proposal_detail(connection, actor, proposal_id)


def _revisions(connection: Connection, proposal_id: int) -> list[Row[Any]]:
    return connection.execute(
        text(
            "SELECT r.id, r.revision, r.is_current, r.source_crs, r.area_m2, r.created_at, "
            f"{geojson_sql('r.geom', 7)} AS geometry, s.id AS screening_id, s.report "
            # the newest screening of each revision: the approval's own, once there is one
            "FROM site_revisions r LEFT JOIN LATERAL (SELECT id, report FROM screenings "
            "WHERE revision_id = r.id ORDER BY created_at DESC LIMIT 1) s ON true "
            "WHERE r.proposal_id = :p ORDER BY r.revision"
        ),
        {"p": proposal_id},
    ).all()


def review_status(connection: Connection, proposal: Row[Any], revisions: list[Row[Any]] | None = None,
                  directory: Directory | None = None) -> dict[str, Any]:
    """Required departments (routed by the site's district), the opinions that stand on the current revision,
    and who is outstanding.

    An opinion given on revision k stands on the current revision n when the department's conflicts are
    the same in the screenings of k and n; a department waits since the first revision of its current
    run of unchanged conflicts (or since submission, if later).
    """
    revisions = _revisions(connection, proposal.id) if revisions is None else revisions
    directory = directory or load_directory(connection)
    if not revisions:
        return {"required": [], "required_names": [], "opinions": [], "outstanding": [], "objections": []}
    current = revisions[-1]
    district = proposal.district_code
    required = sorted(required_departments(current.report or UNSCREENED, proposal.project_type, district,
                                           directory))
    opinions = connection.execute(
        text(
            "SELECT o.id, o.department, o.verdict, o.conditions, o.reason, o.created_at, r.revision, a.username, "
            "coalesce(l.after->'marking_ids', '[]'::jsonb) AS marking_ids "
            "FROM opinions o JOIN site_revisions r ON r.id = o.revision_id JOIN accounts a ON a.id = o.author_id "
            # the markings an opinion cites are kept in its audit entry
            "LEFT JOIN audit_log l ON l.proposal_id = o.proposal_id AND l.action = 'opinion' "
            "AND (l.after->>'opinion_id')::bigint = o.id "
            "WHERE o.proposal_id = :p ORDER BY o.id"
        ),
        {"p": proposal.id},
    ).all()
    report_by_revision = {r.revision: r.report or UNSCREENED for r in revisions}
    submitted_at = connection.execute(
        text("SELECT max(at) FROM audit_log WHERE proposal_id = :p AND action = 'submit'"), {"p": proposal.id}
    ).scalar_one()
    standing: dict[str, dict[str, Any]] = {}
    outstanding = []
    now = datetime.now(UTC)
    for department in required:
        fingerprint = conflict_fingerprint(report_by_revision[current.revision], department, district, directory)
        since = current
        for revision in reversed(revisions):
            if conflict_fingerprint(report_by_revision[revision.revision], department, district,
                                    directory) != fingerprint:
                break
            since = revision
        valid_revisions = {r.revision for r in revisions if r.revision >= since.revision}
        latest = next((o for o in reversed(opinions) if o.department == department and o.revision in valid_revisions),
                      None)
        if latest is not None:
            standing[department] = _opinion_dict(latest, directory)
        else:
            waiting_since = max(filter(None, [since.created_at, submitted_at]))
            outstanding.append({**directory.summary(department), "waiting_since": waiting_since.isoformat(),
                                "waiting_days": (now - waiting_since).days})
    return {
        "required": required,
        "required_names": [directory.summary(department) for department in required],
        "opinions": [_opinion_dict(o, directory) | {"stands": standing.get(o.department, {}).get("id") == o.id}
                     for o in opinions],
        "outstanding": outstanding,
        "objections": [o for o in standing.values() if o["verdict"] == Verdict.OBJECT],
        "current_report": current.report,
    }


def _opinion_dict(row: Row[Any], directory: Directory) -> dict[str, Any]:
    names = directory.summary(row.department)
    return {"id": row.id, "department": row.department, "department_zh": names["zh"],
            "department_en": names["en"], "verdict": row.verdict, "conditions": row.conditions,
            "reason": row.reason, "revision": row.revision, "author": row.username,
            "marking_ids": row.marking_ids, "created_at": row.created_at.isoformat()}


def proposal_detail(connection: Connection, actor: Account | None, proposal_id: int) -> dict[str, Any]:
    """Everything the review needs: fields, every site revision with its screening, opinions, status, and
    for an approved proposal the screening its code was assigned on. Other projects in the screening are
    named only for officials (:func:`projects.screening.report_for`)."""
    proposal = _visible(connection, actor, proposal_id)
    revisions = _revisions(connection, proposal_id)
    status = review_status(connection, proposal, revisions)
    current_report = status.pop("current_report", None)
    return {
        **_public_fields(proposal),
        "revisions": [_revision_dict(r) for r in revisions],
        "screening": report_for(actor, current_report) if current_report else None,
        "approval_screening_id": connection.execute(
            text("SELECT after->>'screening_id' FROM audit_log WHERE proposal_id = :p AND action = 'approve'"),
            {"p": proposal_id}).scalar_one_or_none(),
        "applicant_credit": {kind: active_entries(connection, proposal.credit_code, beijing_today(), kind)
                             for kind in ("black", "red")},
        "review": status,
        "building_conditions": building_conditions(connection, proposal),
        "decisions": decisions(connection, [proposal_id])[proposal_id],
        "legal_actions": [a.value for a in _legal_actions(proposal)],
        "site_editable": State(proposal.state) in EDITABLE_STATES,
    }


def _revision_dict(revision: Row[Any]) -> dict[str, Any]:
    """A site revision as callers see it: its geometry (GeoJSON, EPSG:4326), area in m² and screening summary."""
    return {"revision": revision.revision, "is_current": revision.is_current, "source_crs": revision.source_crs,
            "area_m2": round(revision.area_m2, 2), "created_at": revision.created_at.isoformat(),
            "geometry": revision.geometry,
            "screening_id": str(revision.screening_id) if revision.screening_id else None,
            "summary": revision.report["summary"] if revision.report else None}


def proposal_conditions(connection: Connection, actor: Account | None, proposal_id: int) -> dict[str, Any]:
    """The building conditions of a proposal the actor may see (:func:`projects.conditions.building_conditions`)."""
    return building_conditions(connection, _visible(connection, actor, proposal_id))


DECISION_ACTIONS = (Action.RETURN.value, Action.REJECT.value, Action.APPROVE.value)


def decisions(connection: Connection, proposal_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The NDRC's decisions on each of the proposals, oldest first: returned (退回) and rejected (驳回) with
    the reason given, approved (赋码) with the code; from the audit trail, which keeps every one. One query
    for all of them."""
    rows = connection.execute(
        text("SELECT proposal_id, action, actor, at, after->>'reason' AS reason, "
             "after->>'project_code' AS project_code "
             "FROM audit_log WHERE proposal_id = ANY(:p) AND action = ANY(:actions) ORDER BY id"),
        {"p": proposal_ids, "actions": list(DECISION_ACTIONS)},
    ).all()
    found: dict[int, list[dict[str, Any]]] = {proposal_id: [] for proposal_id in proposal_ids}
    for r in rows:
        found[r.proposal_id].append({"action": r.action, "actor": r.actor, "at": r.at.isoformat(),
                                     "reason": r.reason, "project_code": r.project_code})
    return found


def _legal_actions(proposal: Row[Any]) -> list[Action]:
    return list(TRANSITIONS[State(proposal.state)])


def list_proposals(connection: Connection, actor: Account | None) -> list[dict[str, Any]]:
    """The proposals this account may see, newest first, with their conflict and review status, the actions
    legal in their state, and the current site with its conflict overlaps, as the account may see them
    (:func:`projects.screening.report_for`)."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT, Role.APPLICANT,
                 action=Text("查看项目列表", "listing proposals"))
    rows = connection.execute(text(f"SELECT {_PROPOSAL_COLUMNS} FROM proposals ORDER BY id DESC")).all()
    rows = [row for row in rows if can_view_proposal(actor, row.owner_id, row.state)]
    districts = district_names(connection)
    directory = load_directory(connection)
    decided = decisions(connection, [row.id for row in rows])
    result = []
    for row in rows:
        revisions = _revisions(connection, row.id)
        status = review_status(connection, row, revisions, directory)
        if actor is not None and actor.role is Role.DEPARTMENT and actor.department not in routed_departments(
                connection, row, status, directory):
            continue
        current_report = status.get("current_report")
        summary = current_report["summary"] if current_report else {}
        blockers = approval_blockers(connection, row, status) if row.state == State.UNDER_REVIEW else None
        if blockers and not sees_other_projects(actor):  # which other project is in the way is for officials
            blockers = [{**b, "layer": None} if b.get("layer_kind") == "project_site" else b for b in blockers]
        result.append({
            **_public_fields(row),
            "district_name": districts.get(row.district_code),
            "conflicts": {k: summary.get(k) for k in ("blocking_count", "needs_review_count", "info_count")},
            "required_departments": status["required"],
            "required_names": status["required_names"],
            "outstanding": status["outstanding"],
            "objections": status["objections"],
            "opinion_count": len(status["opinions"]),
            "building_conditions": building_conditions(connection, row, directory),
            # 可赋码: under review with nothing in the way on the stored screening; the approval itself
            # screens again and may still refuse
            "eligible": blockers == [],
            "blockers": blockers or [],
            "decisions": decided[row.id],
            "legal_actions": [a.value for a in _legal_actions(row)],
            # what a page draws of it, so that a list of proposals is one request, not one per proposal
            "current_site": _revision_dict(revisions[-1]) if revisions else None,
            "current_conflicts": report_for(actor, current_report)["conflicts"] if current_report else [],
        })
    return result


def review_queue(connection: Connection, actor: Account | None) -> list[dict[str, Any]]:
    """待我审查: the proposals under review that wait for the caller's department's opinion, the one
    waiting longest first (``outstanding[].waiting_days`` says since when, in days)."""
    require_role(actor, Role.DEPARTMENT, action=Text("查看待审查项目", "reading the review queue"))
    assert actor is not None
    if actor.department is None:
        raise AccessDeniedError(Message("proposal.queue_department"))
    department = actor.department
    queue = []
    for item in list_proposals(connection, actor):
        waiting = next((w for w in item["outstanding"] if w["department"] == department), None)
        if item["state"] == State.UNDER_REVIEW and waiting is not None:
            queue.append({**item, "waiting_since": waiting["waiting_since"], "waiting_days": waiting["waiting_days"]})
    return sorted(queue, key=lambda item: item["waiting_since"])


def act(connection: Connection, actor: Account | None, proposal_id: int, action: str,
        reason: str | None = None, *, code_rng: Random | None = None) -> dict[str, Any]:
    """Apply a workflow action: submit (applicant), start_review, return, reject or approve (NDRC).

    ``code_rng`` draws the random part of the code an approval assigns: a seeded generator makes the samples
    reproducible; without one (every request of the API) it is the operating system's CSPRNG."""
    proposal = _visible(connection, actor, proposal_id, lock=True)
    try:
        chosen = Action(action)
    except ValueError:
        raise IllegalTransitionError(State(proposal.state), action) from None
    if chosen is Action.SUBMIT:
        require_role(actor, Role.APPLICANT, action=Text("提交项目申报", "submitting a proposal"))
    else:
        require_role(actor, Role.NDRC, action=ACTION_NAMES[chosen.value], admin_may=False)
    if chosen in (Action.RETURN, Action.REJECT) and not (reason and reason.strip()):
        done = "returned" if chosen is Action.RETURN else "rejected"
        raise ProposalInputError("reason", Message(f"proposal.reason_{done}"))
    new_state = next_state(State(proposal.state), chosen)
    code: ProjectCode | None = None
    decision: dict[str, Any] = {}
    if chosen is Action.APPROVE:
        decision["screening_id"] = _screen_for_approval(connection, proposal)
        blockers = approval_blockers(connection, proposal)
        if blockers:
            raise ApprovalRefusedError(blockers)  # the transaction rolls back: the screening is not kept
        code = _assign_code(connection, proposal, code_rng)
        decision["work_plan_id"] = issue_plan(connection, actor, proposal.id, proposal.project_type,
                                              proposal.investment_category)  # 下达前期工作计划 with the code
    else:
        connection.execute(text(f"UPDATE proposals SET state = :s, updated_at = {NOW_SQL} WHERE id = :id"),
                           {"s": new_state.value, "id": proposal_id, **now_parameter()})
    audit.record(connection, actor=actor, action=chosen.value, proposal_id=proposal_id,
                 before={"state": proposal.state},
                 after={"state": new_state.value, "reason": reason, "project_code": str(code) if code else None,
                        **decision})
    return proposal_detail(connection, actor, proposal_id)


def _current_site(connection: Connection, proposal: Row[Any]) -> tuple[int, Site]:
    """The id of the current site revision and its site."""
    revision = connection.execute(
        text("SELECT id, source_crs, area_m2, ST_AsBinary(geom) AS wkb FROM site_revisions "
             "WHERE proposal_id = :p AND is_current"), {"p": proposal.id}).one()
    return revision.id, Site(geometry=shapely.from_wkb(revision.wkb), source_crs=revision.source_crs,
                             area_m2=revision.area_m2)


def _screen_current_site(connection: Connection, proposal: Row[Any], site: Site, revision_id: int) -> ScreeningReport:
    """Screen the current site against the current layers and projects and keep it on its revision."""
    report = Screener(connection).screen(ScreeningRequest(
        site=site, project_type=proposal.project_type, land_use=proposal.land_use, industry=proposal.industry,
        proposal_id=proposal.id))
    store_screening(connection, report, revision_id)
    return report


def _screen_for_approval(connection: Connection, proposal: Row[Any]) -> str:
    """Screen the current site again, inside the approval's transaction, and keep that screening on the
    current revision; returns its id. The approval decides on this answer, never on an older one.

    Taken first, the approval lock waits for any approval of an overlapping site; under READ COMMITTED the
    screening's statements, which start after the lock, then see that approval's code and the current
    layer versions.
    """
    revision_id, site = _current_site(connection, proposal)
    _lock_approval_area(connection, site)
    report = _screen_current_site(connection, proposal, site, revision_id)
    assert report.screening_id is not None
    return report.screening_id


def rescreen(connection: Connection, actor: Account | None, proposal_id: int) -> dict[str, Any]:
    """Screen the current site again against today's layers and projects (重新检测), audited.

    The NDRC does this when layers changed after the site was screened (a refused approval names the
    departments a fresh screening now needs, and they can answer only once the proposal carries that
    screening); the applicant may too. Older screenings are kept as they were.
    """
    rescreen_current_site(connection, actor, proposal_id)
    return proposal_detail(connection, actor, proposal_id)


def rescreen_current_site(connection: Connection, actor: Account | None, proposal_id: int,
                          batch: str | None = None) -> dict[str, Any]:
    """:func:`rescreen` without the proposal's detail: what the audit entry records of the new screening
    (its id, blocking count, layer versions and rule set version; ``batch`` names the batch it was part of)."""
    proposal = _visible(connection, actor, proposal_id, lock=True)
    require_role(actor, Role.NDRC, Role.APPLICANT,
                 action=Text("重新检测项目选址", "re-screening a proposal"), admin_may=False)
    if State(proposal.state) not in EDITABLE_STATES:
        raise IllegalTransitionError(State(proposal.state), "rescreen")
    revision_id, site = _current_site(connection, proposal)
    report = _screen_current_site(connection, proposal, site, revision_id)
    done = {"screening_id": report.screening_id, "blocking_count": report.summary["blocking_count"],
            "layer_versions": [[v["layer_id"], v["version"]] for v in report.layer_versions],
            "rule_set_version": report.rule_set["version"], **({"batch": batch} if batch else {})}
    audit.record(connection, actor=actor, action="rescreen", proposal_id=proposal_id, after=done)
    return done


def _lock_approval_area(connection: Connection, site: Site) -> None:
    """Serialise approvals of overlapping sites until this transaction ends (not others: they run side by side).

    Each approval locks, in one order (so never a deadlock), the cells its site's bounding box touches,
    under a shared whole-map lock; a site touching too many cells takes the whole map exclusively instead.
    """
    west, south, east, north = site.geometry.bounds
    columns = range(math.floor(west / APPROVAL_LOCK_CELL_DEGREES), math.floor(east / APPROVAL_LOCK_CELL_DEGREES) + 1)
    rows = range(math.floor(south / APPROVAL_LOCK_CELL_DEGREES), math.floor(north / APPROVAL_LOCK_CELL_DEGREES) + 1)
    lock = text("SELECT pg_advisory_xact_lock(:namespace, :key)")
    if len(columns) * len(rows) > APPROVAL_LOCK_MAX_CELLS:
        connection.execute(lock, {"namespace": APPROVAL_LOCK_NAMESPACE, "key": _WHOLE_MAP})
        return
    connection.execute(text("SELECT pg_advisory_xact_lock_shared(:namespace, :key)"),
                       {"namespace": APPROVAL_LOCK_NAMESPACE, "key": _WHOLE_MAP})
    for key in sorted(column * 4000 + row for column in columns for row in rows):  # rows stay within ±1,800
        connection.execute(lock, {"namespace": APPROVAL_LOCK_NAMESPACE, "key": key})


def _refusal(kind: str, zh: str, en: str, **fields: Any) -> dict[str, Any]:
    """One reason the approval is refused: its ``kind``, its structured fields, and its sentence in both
    languages (``text``); ``message`` keeps the English sentence for older clients."""
    return {"kind": kind, **fields, "message": en, "text": {"zh": zh, "en": en}}


def approval_blockers(connection: Connection, proposal: Row[Any],
                      status: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every reason the NDRC may not approve now: blocking conflicts, objections, silence, blacklisting.

    Read from the newest screening of the current revision: in an approval, the one it has just made.
    Each reason's sentence is built here in Chinese and English from its own fields (areas in m²).
    ``status`` is the proposal's :func:`review_status` when the caller has it already."""
    status = review_status(connection, proposal) if status is None else status
    reasons: list[dict[str, Any]] = []
    report = status.get("current_report") or UNSCREENED
    for conflict in report["conflicts"]:
        if conflict["severity"] == Severity.BLOCKING.value:
            m2 = conflict["overlap"]["m2"]
            rule = conflict["message"]
            reasons.append(_refusal(
                "blocking_conflict",
                f"禁止类冲突：{rule['zh']}（重叠 {m2:,.0f} 平方米）",
                f"blocking conflict: {rule['en']} ({m2:,.0f} m²)",
                rule_id=conflict["rule_id"], layer=conflict["layer_name"], layer_kind=conflict["layer_kind"],
                feature_id=conflict["feature_id"], overlap_m2=m2))
    for kind in report["summary"].get("missing_layer_kinds", []):
        name = LAYER_KINDS[kind].name if kind in LAYER_KINDS else Text(kind, kind)
        reasons.append(_refusal(
            "missing_layer",
            f"未能检测“{name.zh}”图层：该类图层尚未导入",
            f"the screening could not check layer kind {kind} ({name.en}): it is not loaded",
            layer_kind=kind))
    for objection in status["objections"]:
        reasons.append(_refusal(
            "objection",
            f"{objection['department_zh']}不同意：{objection['reason']}",
            f"{objection['department_en']} objects: {objection['reason']}",
            department=objection["department"], reason=objection["reason"]))
    for waiting in status["outstanding"]:
        days = waiting["waiting_days"]
        reasons.append(_refusal(
            "outstanding_opinion",
            f"{waiting['zh']}尚未反馈意见（已等待 {days} 天）",
            f"{waiting['en']} has not given its opinion (waiting {days} days)",
            department=waiting["department"], waiting_days=days))
    for entry in active_entries(connection, proposal.credit_code, beijing_today(), "black"):
        reasons.append(_refusal(
            "blacklisted_applicant",
            f"项目单位 {proposal.credit_code} 自 {entry['valid_from']} 起列入失信联合惩戒名单：{entry['reason']}"
            f"（来源：{entry['source']}）",
            f"the applicant {proposal.credit_code} is blacklisted (联合惩戒) since {entry['valid_from']}: "
            f"{entry['reason']} (source: {entry['source']})",
            credit_code=proposal.credit_code, valid_from=str(entry["valid_from"]), source=entry["source"]))
    return reasons


def _assign_code(connection: Connection, proposal: Row[Any], rng: Random | None) -> ProjectCode:
    """Give the proposal its code in one statement; a random-code collision is retried, never surfaced."""
    for _ in range(MAX_CODE_ATTEMPTS):
        code = generate_code(assigned_on=beijing_today(), region_code=proposal.district_code,
                             department_code=CENTRAL_DEPARTMENT_CODE, project_type=CONSTRUCTION_PROJECT_TYPE,
                             rng=rng)
        savepoint = connection.begin_nested()
        try:
            connection.execute(
                text(f"UPDATE proposals SET state = 'approved', project_code = :code, coded_at = {NOW_SQL}, "
                     f"updated_at = {NOW_SQL} WHERE id = :id AND project_code IS NULL"),
                {"code": code.text, "id": proposal.id, **now_parameter()},
            )
            savepoint.commit()
            return code
        except IntegrityError as error:
            savepoint.rollback()
            if not isinstance(error.orig, UniqueViolation):
                raise
    raise RuntimeError(f"no free project code after {MAX_CODE_ATTEMPTS} attempts")


def post_opinion(connection: Connection, actor: Account | None, proposal_id: int, verdict: str,
                 conditions: list[str] | None = None, reason: str | None = None,
                 marking_ids: list[int] | None = None) -> dict[str, Any]:
    """A department's opinion on the current revision: agree, agree with conditions, or object; it may
    cite the department's own markings on the proposal (``marking_ids``)."""
    require_role(actor, Role.DEPARTMENT, action=Text("提出审查意见", "giving an opinion"))
    assert actor is not None
    # not _visible: a department of another district or level is told where the review went (403), not 404
    proposal = _load(connection, proposal_id, lock=True)
    if not can_view_proposal(actor, proposal.owner_id, proposal.state):
        raise NotFoundError(Message("proposal.not_found", id=proposal_id))
    if actor.department is None:
        raise AccessDeniedError(Message("proposal.department_only"))
    if proposal.state != State.UNDER_REVIEW:
        raise IllegalTransitionError(State(proposal.state), "give_opinion")
    if verdict not in Verdict.ALL:
        raise ProposalInputError("verdict", Message("proposal.one_of", values=list(Verdict.ALL)))
    conditions = [c.strip() for c in conditions or [] if c.strip()]
    if verdict == Verdict.AGREE_WITH_CONDITIONS and not conditions:
        raise ProposalInputError("conditions", Message("proposal.conditions"))
    if verdict == Verdict.OBJECT and not (reason and reason.strip()):
        raise ProposalInputError("reason", Message("proposal.reason_object"))
    status = review_status(connection, proposal)
    if actor.department not in status["required"]:
        directory = load_directory(connection)
        required = [directory.name(d) for d in status["required"]]
        mine = directory.departments[actor.department]
        same_line = [d for d in status["required"] if directory.departments[d].line == mine.line]
        if same_line:  # its line is asked, at another level or in another district
            raise AccessDeniedError(Message(
                "proposal.routed_elsewhere", department=mine.name, level=LEVEL_NAMES[mine.level],
                district=district_names(connection).get(proposal.district_code, proposal.district_code),
                routed=[directory.name(d) for d in same_line]))
        raise AccessDeniedError(Message("proposal.not_required", department=mine.name,
                                        required=required or Message("proposal.none")))
    cited = sorted(set(marking_ids or []))
    own = set(connection.execute(
        text("SELECT id FROM markings WHERE proposal_id = :p AND department = :d AND id = ANY(:ids)"),
        {"p": proposal_id, "d": actor.department, "ids": cited}).scalars())
    if set(cited) - own:
        raise ProposalInputError("marking_ids", Message("proposal.foreign_markings", ids=sorted(set(cited) - own)))
    revision_id = connection.execute(
        text("SELECT id FROM site_revisions WHERE proposal_id = :p AND is_current"), {"p": proposal_id}
    ).scalar_one()
    opinion_id = connection.execute(
        text("INSERT INTO opinions (proposal_id, revision_id, department, author_id, verdict, conditions, reason, "
             f"created_at) VALUES (:p, :r, :d, :a, :v, CAST(:c AS jsonb), :reason, {NOW_SQL}) RETURNING id"),
        {"p": proposal_id, "r": revision_id, "d": actor.department, "a": actor.id, "v": verdict,
         "c": json.dumps(conditions, ensure_ascii=False), "reason": reason, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="opinion", proposal_id=proposal_id,
                 after={"opinion_id": opinion_id, "department": actor.department, "verdict": verdict,
                        "conditions": conditions, "reason": reason, "marking_ids": cited})
    return proposal_detail(connection, actor, proposal_id)


def add_marking(connection: Connection, actor: Account | None, proposal_id: int, geometry: dict[str, Any],
                note: str) -> dict[str, Any]:
    """A department's marking on the map (WGS84 point, line or polygon with a note)."""
    require_role(actor, Role.DEPARTMENT, action=Text("在地图上标注", "marking the map"))
    assert actor is not None
    proposal = _visible(connection, actor, proposal_id)
    if proposal.state not in (State.SUBMITTED, State.UNDER_REVIEW):
        raise IllegalTransitionError(State(proposal.state), "mark")
    if not note or not note.strip():
        raise ProposalInputError("note", Message("proposal.note"))
    shape = parse_geojson_geometry(geometry)
    require_vertex_limit(shape, screening_settings().max_site_vertices, "marking")  # as many as a site
    if shape.is_empty or shape.geom_type not in ("Point", "LineString", "Polygon", "MultiPoint",
                                                  "MultiLineString", "MultiPolygon"):
        raise SpatialInputError("invalid-marking", Message("proposal.marking_type", type=shape.geom_type))
    minx, miny, maxx, maxy = shape.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise SpatialInputError("lat-lon-swapped", Message("proposal.marking_range"))
    if not shape.is_valid:
        raise SpatialInputError("invalid-marking", Message("proposal.marking_invalid"))
    department = actor.department if actor.department else actor.role.value
    marking_id = connection.execute(
        text("INSERT INTO markings (proposal_id, revision_id, department, author_id, note, geom) "
             "SELECT :p, r.id, :d, :a, :n, ST_GeomFromText(:wkt, 4326) FROM site_revisions r "
             "WHERE r.proposal_id = :p AND r.is_current RETURNING id"),
        {"p": proposal_id, "d": department, "a": actor.id, "n": note.strip(), "wkt": shape.wkt},
    ).scalar_one()
    audit.record(connection, actor=actor, action="marking", proposal_id=proposal_id,
                 after={"marking_id": marking_id, "note": note.strip(), "geometry_type": shape.geom_type})
    return {"id": marking_id, "department": department, "note": note.strip(), "geometry": geometry}


def list_markings(connection: Connection, actor: Account | None, proposal_id: int) -> dict[str, Any]:
    """Every marking on a proposal as a GeoJSON FeatureCollection (everyone on the review sees them)."""
    _visible(connection, actor, proposal_id)
    rows = connection.execute(
        text("SELECT m.id, m.department, m.note, m.created_at, a.username, r.revision, "
             f"{geojson_sql('m.geom', 7)} AS geometry FROM markings m JOIN accounts a ON a.id = m.author_id "
             "JOIN site_revisions r ON r.id = m.revision_id WHERE m.proposal_id = :p ORDER BY m.id"),
        {"p": proposal_id},
    ).all()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r.id, "geometry": r.geometry,
         "properties": {"department": r.department, "note": r.note, "author": r.username, "revision": r.revision,
                        "created_at": r.created_at.isoformat()}}
        for r in rows]}


def proposal_history(connection: Connection, actor: Account | None, proposal_id: int) -> list[dict[str, Any]]:
    _visible(connection, actor, proposal_id)
    return audit.history(connection, proposal_id)


def find_by_code(connection: Connection, actor: Account | None, code_text: str) -> dict[str, Any]:
    """A coded project by its code; a malformed code raises ProjectCodeError naming the wrong part."""
    code = parse_code(code_text)
    row = connection.execute(text(f"SELECT {_PROPOSAL_COLUMNS} FROM proposals WHERE project_code = :c"),
                             {"c": code.text}).one_or_none()
    if row is None:
        raise NotFoundError(Message("proposal.no_code", code=code.text))
    public = {"project_code": row.project_code, "code_layout": code.layout, "name": row.name,
              "district_code": row.district_code, "project_type": row.project_type,
              "coded_at": row.coded_at.isoformat() if row.coded_at else None}
    if can_view_proposal(actor, row.owner_id, row.state):
        return {**public, "proposal": proposal_detail(connection, actor, row.id)}
    return public


def register_legacy_project(connection: Connection, actor: Account | None, code_text: str, data: ProposalInput,
                            site: Site) -> dict[str, Any]:
    """Register a project coded before 2021 under its legacy code (YYYY-AAAAAA-II-TT-NNNNNN)."""
    require_role(actor, Role.NDRC,
                 action=Text("登记已赋码项目", "registering a coded project"), admin_may=False)
    code = parse_code(code_text)
    if code.layout != "legacy":
        raise ProposalInputError("project_code", Message("proposal.legacy_only"))
    data = replace(data, district_code=district_for_site(connection, data.district_code, site))
    proposal_id = connection.execute(
        text("INSERT INTO proposals (name, applicant_organisation, credit_code, district_code, industry, project_type, "
             "investment_category, total_investment_wan, land_use, state, project_code, coded_at) VALUES (:name, "
             ":org, :credit, :district, :industry, :type, :category, :investment, :land_use, 'approved', :code, now()) "
             "ON CONFLICT (project_code) DO NOTHING RETURNING id"),
        {"name": data.name, "org": data.applicant_organisation, "credit": data.credit_code,
         "district": data.district_code, "industry": data.industry, "type": data.project_type,
         "category": data.investment_category, "investment": data.total_investment_wan, "land_use": data.land_use,
         "code": code.text},
    ).scalar_one_or_none()
    if proposal_id is None:
        raise ProposalInputError("project_code", Message("proposal.registered", code=code.text))
    connection.execute(
        text("INSERT INTO site_revisions (proposal_id, revision, is_current, source_crs, area_m2, geom) "
             "VALUES (:p, 1, true, :crs, :area, ST_GeomFromWKB(:wkb, 4326))"),
        {"p": proposal_id, "crs": site.source_crs, "area": site.area_m2, "wkb": site.wkb})
    audit.record(connection, actor=actor, action="register_legacy", proposal_id=proposal_id,
                 after={"project_code": code.text, "name": data.name})
    return proposal_detail(connection, actor, proposal_id)
