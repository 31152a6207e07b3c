"""Reporting to the central platform (全国投资项目在线审批监管平台): a versioned JSON feed of each coded
project's approval items, validated before export, and the data-quality list of what fails validation.

The fields follow the approval-data items the central platform collects (项目代码, 事项, 部门, 受理时间,
办结时间, 办理结果, 批文文号); the platform's interface specification is not public, so the field names here
are our own and the feed says so through its ``feed`` and ``schema_version``. A project's export gets a new
version only when its content changed; every version is kept.

Validation (each problem goes to the data-quality list): an item of a project with a missing or invalid
code; an item decided before it was accepted; a decided item whose document has no number. The service
refuses such input, so these come from records migrated or synchronised from other systems — which is
exactly why the check runs before every export.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Clauses, Message, Text, phrases
from projects import audit
from projects.access import NotFoundError, require_role
from projects.accounts import Account, Role
from projects.clock import beijing_today
from projects.project_code import ProjectCodeError, parse_code
from projects.supervision.clocks import item_clock
from projects.supervision.coded import coded_project
from projects.supervision.errors import SupervisionError
from projects.supervision.items import item_rows, item_times
from projects.supervision.stages import ITEM_TYPES, Stage
from projects.supervision.workdays import load_calendar

FEED_NAME = "one-blueprint/central-approval-feed"
SCHEMA_VERSION = "1.1"
"""1.1 added each item's due date (with ``due_provisional``) and its suspensions (暂停计时, with their ground)."""


class FeedValidationError(SupervisionError):
    """The project's data fails validation; nothing is exported until the problems are fixed."""

    status = 409
    slug = "feed-validation-failed"


phrases(
    "feed",
    failed=Text("{code}无法报送：有{count}个数据质量问题：{problems}",
                "{code} cannot be exported: {count} data-quality problem(s): {problems}"),
    any_version=Text("任何版本", "any version"),
    version=Text("第{version}版", "version {version}"),
    not_exported=Text("{code}尚未向国家平台报送{which}。",
                      "{code} has not exported {which} to the central platform yet."),
)


def _problem(kind: str, project_code: str | None, proposal_id: int, item_id: int | None, zh: str,
             en: str) -> dict[str, Any]:
    return {"kind": kind, "project_code": project_code, "proposal_id": proposal_id, "item_id": item_id,
            "message": {"zh": zh, "en": en}}


def quality_problems(connection: Connection, proposal_id: int | None = None) -> list[dict[str, Any]]:
    """Every data-quality problem (of one project, or of all), oldest record first."""
    only = {"p": proposal_id}
    scope = "(CAST(:p AS integer) IS NULL OR p.id = :p)"
    problems: list[dict[str, Any]] = []
    for row in connection.execute(
        text("SELECT p.id, p.name, p.project_code, p.state, array_agg(i.id ORDER BY i.id) "
             "FILTER (WHERE i.id IS NOT NULL) AS items FROM proposals p "
             "LEFT JOIN approval_items i ON i.proposal_id = p.id "
             f"WHERE {scope} AND (p.state = 'approved' OR i.id IS NOT NULL) GROUP BY p.id ORDER BY p.id"), only,
    ).all():
        if row.project_code is None:
            for item_id in row.items or [None]:
                problems.append(_problem(
                    "missing_code", None, row.id, item_id,
                    f"项目“{row.name}”（{row.id}）没有项目代码" + (f"，但有审批事项{item_id}" if item_id else ""),
                    f"project {row.id} ({row.name}) has no project code"
                    + (f" but has approval item {item_id}" if item_id else "")))
            continue
        try:
            parse_code(row.project_code)
        except ProjectCodeError as error:
            problems.append(_problem(
                "invalid_code", row.project_code, row.id, None,
                f"项目代码{row.project_code}无效：{error.message.render('zh')}",
                f"project code {row.project_code} is invalid: {error.part} part is wrong: {error.message}"))
    for row in connection.execute(
        text("SELECT i.id, i.item_type, i.accepted_on, i.decided_on, p.id AS proposal_id, p.project_code "
             f"FROM approval_items i JOIN proposals p ON p.id = i.proposal_id WHERE {scope} "
             "AND i.decided_on < i.accepted_on ORDER BY i.id"), only,
    ).all():
        name = ITEM_TYPES[row.item_type]
        problems.append(_problem(
            "decided_before_accepted", row.project_code, row.proposal_id, row.id,
            f"事项{row.id}（{name.name_zh}）办结日期{row.decided_on}早于受理日期{row.accepted_on}",
            f"item {row.id} ({name.name_en}) was decided on {row.decided_on}, before it was accepted on "
            f"{row.accepted_on}"))
    for row in connection.execute(
        text("SELECT i.id, i.item_type, d.id AS document_id, d.filename, p.id AS proposal_id, p.project_code "
             "FROM approval_documents d JOIN approval_items i ON i.id = d.item_id "
             f"JOIN proposals p ON p.id = d.proposal_id WHERE {scope} AND d.document_number IS NULL ORDER BY i.id"),
        only,
    ).all():
        name = ITEM_TYPES[row.item_type]
        file_zh = f"（文件{row.filename}）" if row.filename else ""
        file_en = f" (file {row.filename})" if row.filename else ""
        problems.append(_problem(
            "document_without_number", row.project_code, row.proposal_id, row.id,
            f"事项{row.id}（{name.name_zh}）的批文{file_zh}没有文号",
            f"the document of item {row.id} ({name.name_en}){file_en} has no document number"))
    return problems


def data_quality(connection: Connection, actor: Account | None) -> dict[str, Any]:
    """The data-quality list: every problem that would stop an export, with counts per kind."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT,
                 action=Text("查看数据质量清单", "reading the data-quality list"))
    problems = quality_problems(connection)
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem["kind"]] = counts.get(problem["kind"], 0) + 1
    return {"count": len(problems), "by_kind": counts, "problems": problems}


def _content(connection: Connection, project: Any) -> dict[str, Any]:
    references = connection.execute(
        text("SELECT r.item_id, d.document_number FROM item_references r "
             "JOIN approval_documents d ON d.id = r.document_id WHERE d.proposal_id = :p ORDER BY d.document_number"),
        {"p": project.id},
    ).all()
    numbers = dict(connection.execute(
        text("SELECT item_id, document_number FROM approval_documents WHERE proposal_id = :p"), {"p": project.id}
    ).all())
    spans = connection.execute(
        text("SELECT s.item_id, s.kind, s.suspended_on, s.resumed_on FROM item_suspensions s "
             "JOIN approval_items i ON i.id = s.item_id WHERE i.proposal_id = :p ORDER BY s.suspended_on, s.id"),
        {"p": project.id}).all()
    rows = item_rows(connection, project.id)
    times = item_times(connection, rows)
    calendar, today = load_calendar(connection), beijing_today()
    items = []
    for row in rows:
        kind = ITEM_TYPES[row.item_type]
        clock = item_clock(calendar, times[row.id], today)
        items.append({
            "item_code": kind.key, "item_name": kind.name_zh, "stage": row.stage,
            "stage_name": Stage(row.stage).name_zh, "department": row.department,
            "accepted_on": row.accepted_on.isoformat(),
            "decided_on": row.decided_on.isoformat() if row.decided_on else None, "result": row.result,
            "limit_working_days": row.limit_working_days, "document_number": numbers.get(row.id),
            "reused_document_numbers": [r.document_number for r in references if r.item_id == row.id],
            "due_on": clock["due"], "due_provisional": clock["provisional"],
            "suspensions": [{"ground": s.kind, "suspended_on": s.suspended_on.isoformat(),
                             "resumed_on": s.resumed_on.isoformat() if s.resumed_on else None}
                            for s in spans if s.item_id == row.id],
        })
    return {
        "project": {"project_code": project.project_code, "name": project.name,
                    "applicant_organisation": project.applicant_organisation, "credit_code": project.credit_code,
                    "district_code": project.district_code, "industry": project.industry,
                    "project_type": project.project_type, "investment_category": project.investment_category,
                    "total_investment_wan": float(project.total_investment_wan)},
        "items": items,
    }


def export(connection: Connection, actor: Account | None, code_text: str) -> dict[str, Any]:
    """Validate and export a project's feed; a new version only when the content changed."""
    require_role(actor, Role.NDRC, action=Text("向国家平台报送", "exporting to the central platform"))
    project = coded_project(connection, actor, code_text, lock=True)
    problems = quality_problems(connection, project.id)
    if problems:
        raise FeedValidationError(Message(
            "feed.failed", code=project.project_code, count=len(problems),
            problems=Clauses(Text(p["message"]["zh"], p["message"]["en"]) for p in problems)), problems=problems)
    content = _content(connection, project)
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    latest = connection.execute(
        text("SELECT version, sha256 FROM feed_exports WHERE project_code = :c ORDER BY version DESC LIMIT 1"),
        {"c": project.project_code},
    ).one_or_none()
    if latest is not None and latest.sha256 == digest:
        return feed_version(connection, actor, project.project_code, latest.version) | {"unchanged": True}
    version = (latest.version if latest else 0) + 1
    exported_at = connection.execute(text("SELECT now()")).scalar_one()
    payload = {"feed": FEED_NAME, "schema_version": SCHEMA_VERSION, "project_code": project.project_code,
               "version": version, "exported_at": exported_at.isoformat(), **content}
    connection.execute(
        text("INSERT INTO feed_exports (proposal_id, project_code, version, payload, sha256, exported_by, exported_at) "
             "VALUES (:p, :c, :v, CAST(:j AS jsonb), :h, :a, :t)"),
        {"p": project.id, "c": project.project_code, "v": version, "j": json.dumps(payload, ensure_ascii=False),
         "h": digest, "a": actor.id if actor else None, "t": exported_at},
    )
    audit.record(connection, actor=actor, action="feed_export", proposal_id=project.id,
                 after={"version": version, "sha256": digest, "items": len(content["items"])})
    return payload | {"unchanged": False}


def feed_version(connection: Connection, actor: Account | None, code_text: str,
                 version: int | None = None) -> dict[str, Any]:
    """An exported version of a project's feed (the latest when ``version`` is None)."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT,
                 action=Text("查看国家平台报送数据", "reading the central-platform feed"))
    project = coded_project(connection, actor, code_text)
    row = connection.execute(
        text("SELECT payload FROM feed_exports WHERE project_code = :c "
             "AND (CAST(:v AS integer) IS NULL OR version = :v) ORDER BY version DESC LIMIT 1"),
        {"c": project.project_code, "v": version},
    ).one_or_none()
    if row is None:
        which = Message("feed.version", version=version) if version else Message("feed.any_version")
        raise NotFoundError(Message("feed.not_exported", code=project.project_code, which=which))
    return row.payload
