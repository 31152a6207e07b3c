"""Progress supervision (项目进度监管): monthly progress reports, key-project flags (省/市重点项目), planned
dates, and the annual investment plan (年度投资计划) compiled by investment category. Amounts are in 万元.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.messages import Message, Text
from gis.sql import geojson_sql
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, can_view_proposal, require_role
from projects.accounts import Account, Role
from projects.clock import beijing_today
from projects.project_code import ProjectCodeError, parse_code
from projects.proposals import INVESTMENT_CATEGORIES
from projects.sites import Site
from projects.supervision.coded import code_start, coded_project, valid_code
from projects.supervision.errors import SupervisionConflictError, SupervisionInputError
from projects.supervision.files import PHOTO_TYPES, check_file
from projects.supervision.settings import supervision_settings

KEY_LEVELS: dict[str, tuple[str, str]] = {
    "provincial": ("省重点项目", "provincial key project"),
    "municipal": ("市重点项目", "municipal key project"),
}
_MAX_WAN = Decimal("1e11")


def parse_period(value: str) -> dt.date:
    """A report period ``YYYY-MM`` as the first day of that month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise SupervisionInputError("period", Message("supervision.period", value=value))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _amount(field: str, value: Decimal | float | str | None, *, required: bool = False) -> Decimal | None:
    if value is None:
        if required:
            raise SupervisionInputError(field, Message("supervision.amount"))
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise SupervisionInputError(field, Message("supervision.amount_number")) from None
    if not amount.is_finite() or not Decimal(0) <= amount < _MAX_WAN:
        raise SupervisionInputError(field, Message("supervision.amount_positive"))
    return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ReportInput:
    """One progress report (进度填报); amounts in 万元, visual progress (形象进度) in %."""

    period: str
    cumulative_wan: Decimal | float | str
    visual_progress_pct: Decimal | float | str
    actual_start: dt.date | None = None
    actual_completion: dt.date | None = None
    annual_planned_wan: Decimal | float | str | None = None
    annual_actual_wan: Decimal | float | str | None = None
    note: str | None = None
    site: Site | None = None
    """The site as surveyed on the ground, compared with the coded site by the drift warning."""


def _validated(data: ReportInput, today: dt.date) -> dict[str, Any]:
    period = parse_period(data.period)
    if period > today.replace(day=1):
        raise SupervisionInputError("period", Message("supervision.not_begun", period=data.period))
    cumulative = _amount("cumulative_wan", data.cumulative_wan, required=True)
    planned = _amount("annual_planned_wan", data.annual_planned_wan)
    actual = _amount("annual_actual_wan", data.annual_actual_wan)
    try:
        pct = Decimal(str(data.visual_progress_pct))
    except InvalidOperation:
        pct = Decimal("NaN")
    if not pct.is_finite() or not Decimal(0) <= pct <= Decimal(100):
        raise SupervisionInputError("visual_progress_pct", Message("supervision.progress_pct"))
    for field, day in (("actual_start", data.actual_start), ("actual_completion", data.actual_completion)):
        if day is not None and day > today:
            raise SupervisionInputError(field, Message("supervision.in_future", day=day.isoformat()))
    if data.actual_completion is not None:
        if data.actual_start is None:
            raise SupervisionInputError("actual_start", Message("supervision.completed_start"))
        if data.actual_completion < data.actual_start:
            raise SupervisionInputError("actual_completion", Message("supervision.completion_order"))
        if pct != 100:
            raise SupervisionInputError("visual_progress_pct", Message("supervision.completed_pct"))
    if actual is not None and cumulative is not None and actual > cumulative:
        raise SupervisionInputError("annual_actual_wan", Message("supervision.annual_actual", actual=actual,
                                                                 cumulative=cumulative))
    return {"period": period, "cumulative": cumulative, "planned": planned, "actual": actual, "pct": pct}


def _require_reporter(actor: Account | None, project: Row[Any]) -> Account:
    """The project unit (项目单位) that owns the project, or the NDRC/admin for projects without an owner."""
    require_role(actor, Role.APPLICANT, Role.NDRC, action=Text("填报项目进度", "reporting progress"))
    assert actor is not None
    if actor.role is Role.APPLICANT and project.owner_id != actor.id:
        raise AccessDeniedError(Message("supervision.own_projects"))
    return actor


def submit_report(connection: Connection, actor: Account | None, code_text: str, data: ReportInput) -> dict[str, Any]:
    """Record a month's progress report; one per month, never rewritten."""
    project = coded_project(connection, actor, code_text, lock=True)
    actor = _require_reporter(actor, project)
    today = beijing_today()
    values = _validated(data, today)
    first = code_start(valid_code(project.project_code, what=Message("coded.project", id=project.id)))
    if values["period"] < first:
        raise SupervisionInputError("period", Message("supervision.before_code_period", period=data.period,
                                                      code=project.project_code, first=f"{first:%Y-%m}"))
    exists = connection.execute(text("SELECT id FROM progress_reports WHERE proposal_id = :p AND period = :m"),
                                {"p": project.id, "m": values["period"]}).scalar_one_or_none()
    if exists is not None:
        raise SupervisionConflictError(Message("supervision.reported", code=project.project_code,
                                               period=f"{values['period']:%Y-%m}", report=exists), report_id=exists)
    report_id = connection.execute(
        text("INSERT INTO progress_reports (proposal_id, period, reported_on, actual_start, actual_completion, "
             "annual_planned_wan, annual_actual_wan, cumulative_wan, visual_progress_pct, note, site, site_area_m2, "
             "reported_by) VALUES (:p, :m, :today, :start, :done, :planned, :actual, :cum, :pct, :note, "
             "CASE WHEN CAST(:wkb AS bytea) IS NULL THEN NULL ELSE ST_GeomFromWKB(:wkb, 4326) END, :area, :by) "
             "RETURNING id"),
        {"p": project.id, "m": values["period"], "today": today, "start": data.actual_start,
         "done": data.actual_completion, "planned": values["planned"], "actual": values["actual"],
         "cum": values["cumulative"], "pct": values["pct"], "note": (data.note or "").strip() or None,
         "wkb": data.site.wkb if data.site else None, "area": data.site.area_m2 if data.site else None,
         "by": actor.id},
    ).scalar_one()
    audit.record(connection, actor=actor, action="progress_report", proposal_id=project.id,
                 after={"report_id": report_id, "period": f"{values['period']:%Y-%m}",
                        "cumulative_wan": values["cumulative"], "visual_progress_pct": values["pct"],
                        "site_area_m2": round(data.site.area_m2, 1) if data.site else None})
    return _report_dict(_report_rows(connection, project.id, report_id)[0], project.project_code)


def attach_photo(connection: Connection, actor: Account | None, report_id: int, *, filename: str | None,
                 content_type: str | None, content: bytes) -> dict[str, Any]:
    """The optional photo of a report's visual progress, once."""
    row = connection.execute(
        text("SELECT r.id, r.proposal_id, r.photo_sha256, p.project_code FROM progress_reports r "
             "JOIN proposals p ON p.id = r.proposal_id WHERE r.id = :id FOR UPDATE OF r"), {"id": report_id},
    ).one_or_none()
    if row is None:
        raise NotFoundError(Message("supervision.no_report", id=report_id))
    project = coded_project(connection, actor, row.project_code)
    actor = _require_reporter(actor, project)
    if row.photo_sha256 is not None:
        raise SupervisionConflictError(Message("supervision.has_photo", id=report_id))
    checked = check_file(content, content_type, filename, allowed=PHOTO_TYPES,
                         max_bytes=supervision_settings().max_photo_bytes, field="photo")
    connection.execute(
        text("UPDATE progress_reports SET photo = :c, photo_content_type = :t, photo_sha256 = :h WHERE id = :id"),
        {"c": checked.content, "t": checked.content_type, "h": checked.sha256, "id": report_id},
    )
    audit.record(connection, actor=actor, action="progress_photo", proposal_id=row.proposal_id,
                 after={"report_id": report_id, "sha256": checked.sha256, "size_bytes": len(checked.content)})
    return _report_dict(_report_rows(connection, row.proposal_id, report_id)[0], row.project_code)


def report_photo(connection: Connection, actor: Account | None, report_id: int) -> tuple[str, bytes]:
    """(content type, bytes) of a report's photo."""
    row = connection.execute(
        text("SELECT r.photo, r.photo_content_type, p.owner_id, p.state FROM progress_reports r "
             "JOIN proposals p ON p.id = r.proposal_id WHERE r.id = :id"), {"id": report_id},
    ).one_or_none()
    if row is None or row.photo is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(Message("supervision.no_photo", id=report_id))
    return row.photo_content_type, bytes(row.photo)


def _report_rows(connection: Connection, proposal_id: int, report_id: int | None = None) -> list[Row[Any]]:
    return connection.execute(
        text("SELECT id, period, reported_on, actual_start, actual_completion, annual_planned_wan, annual_actual_wan, "
             "cumulative_wan, visual_progress_pct, note, site_area_m2, photo_sha256 IS NOT NULL AS has_photo, "
             f"CASE WHEN site IS NULL THEN NULL ELSE {geojson_sql('site', 7)} END AS site "
             "FROM progress_reports WHERE proposal_id = :p AND (CAST(:r AS integer) IS NULL OR id = :r) "
             "ORDER BY period"),
        {"p": proposal_id, "r": report_id},
    ).all()


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _report_dict(row: Row[Any], project_code: str) -> dict[str, Any]:
    return {
        "id": row.id, "project_code": project_code, "period": f"{row.period:%Y-%m}",
        "reported_on": row.reported_on.isoformat(),
        "actual_start": row.actual_start.isoformat() if row.actual_start else None,
        "actual_completion": row.actual_completion.isoformat() if row.actual_completion else None,
        "annual_planned_wan": _float(row.annual_planned_wan), "annual_actual_wan": _float(row.annual_actual_wan),
        "cumulative_wan": float(row.cumulative_wan), "visual_progress_pct": float(row.visual_progress_pct),
        "note": row.note, "site": row.site,
        "site_area_m2": round(row.site_area_m2, 1) if row.site_area_m2 is not None else None,
        "photo_url": f"/api/v1/supervision/reports/{row.id}/photo" if row.has_photo else None,
    }


def plan_of(connection: Connection, proposal_id: int) -> dict[str, Any]:
    """Key-project level and planned dates of one project (all None when the NDRC has set none)."""
    row = connection.execute(
        text("SELECT key_level, planned_start, planned_completion FROM project_supervision WHERE proposal_id = :p"),
        {"p": proposal_id},
    ).one_or_none()
    level = row.key_level if row else None
    return {"key_level": level, "key_level_zh": KEY_LEVELS[level][0] if level else None,
            "planned_start": row.planned_start.isoformat() if row and row.planned_start else None,
            "planned_completion": row.planned_completion.isoformat() if row and row.planned_completion else None}


def project_progress(connection: Connection, actor: Account | None, code_text: str) -> dict[str, Any]:
    """A coded project's plan, key-project level and every report, oldest first."""
    project = coded_project(connection, actor, code_text)
    return {"project_code": project.project_code, "name": project.name,
            "total_investment_wan": float(project.total_investment_wan), **plan_of(connection, project.id),
            "reports": [_report_dict(r, project.project_code) for r in _report_rows(connection, project.id)]}


def set_plan(connection: Connection, actor: Account | None, code_text: str, *, key_level: str | None,
             planned_start: dt.date | None, planned_completion: dt.date | None) -> dict[str, Any]:
    """The NDRC flags a key project (省/市重点项目) and sets its planned start and completion."""
    require_role(actor, Role.NDRC,
                 action=Text("设置项目计划与重点项目级别", "setting a project's plan and key-project level"))
    project = coded_project(connection, actor, code_text, lock=True)
    if key_level is not None and key_level not in KEY_LEVELS:
        raise SupervisionInputError("key_level", Message("supervision.key_level"))
    if planned_start and planned_completion and planned_completion < planned_start:
        raise SupervisionInputError("planned_completion", Message("supervision.planned_order"))
    before = plan_of(connection, project.id)
    connection.execute(
        text("INSERT INTO project_supervision (proposal_id, key_level, planned_start, planned_completion, updated_by) "
             "VALUES (:p, :k, :s, :c, :a) ON CONFLICT (proposal_id) DO UPDATE SET key_level = :k, "
             "planned_start = :s, planned_completion = :c, updated_by = :a, updated_at = now()"),
        {"p": project.id, "k": key_level, "s": planned_start, "c": planned_completion,
         "a": actor.id if actor else None},
    )
    after = plan_of(connection, project.id)
    audit.record(connection, actor=actor, action="project_plan", proposal_id=project.id, before=before, after=after)
    return {"project_code": project.project_code, **after}


def annual_plan(connection: Connection, actor: Account | None, year: int) -> dict[str, Any]:
    """The annual investment plan of ``year``, compiled by investment category (万元).

    A project's planned and actual figures are those of its latest report of the year; projects whose
    code existed in that year, with no report that year and not completed before it, are listed as missing.
    """
    require_role(actor, Role.NDRC, Role.DEPARTMENT,
                 action=Text("查看年度投资计划", "reading the annual investment plan"))
    rows = connection.execute(
        text("SELECT p.id, p.project_code, p.name, p.investment_category, p.district_code, p.total_investment_wan, "
             "s.key_level, r.period, r.annual_planned_wan, r.annual_actual_wan, r.cumulative_wan, "
             "r.visual_progress_pct, done.actual_completion AS completed_on "
             "FROM proposals p LEFT JOIN project_supervision s ON s.proposal_id = p.id "
             "LEFT JOIN LATERAL (SELECT * FROM progress_reports x WHERE x.proposal_id = p.id "
             "  AND extract(year FROM x.period) = :y ORDER BY x.period DESC LIMIT 1) r ON true "
             "LEFT JOIN LATERAL (SELECT min(x.actual_completion) AS actual_completion FROM progress_reports x "
             "  WHERE x.proposal_id = p.id AND x.actual_completion IS NOT NULL) done ON true "
             "WHERE p.project_code IS NOT NULL ORDER BY p.investment_category, p.project_code"),
        {"y": year},
    ).all()
    categories = {key: {"investment_category": key, "zh": zh, "en": en, "project_count": 0, "provincial_key": 0,
                        "municipal_key": 0, "planned_wan": 0.0, "actual_wan": 0.0}
                  for key, (zh, en) in INVESTMENT_CATEGORIES.items()}
    projects, missing = [], []
    for row in rows:
        try:
            first = code_start(parse_code(row.project_code))
        except ProjectCodeError:
            continue  # no valid code: on the data-quality list, not in a plan
        if row.period is None:
            if first.year <= year and (row.completed_on is None or row.completed_on.year >= year):
                missing.append({"project_code": row.project_code, "name": row.name, "key_level": row.key_level})
            continue
        entry = categories[row.investment_category]
        entry["project_count"] += 1
        if row.key_level:
            entry[f"{row.key_level}_key"] += 1
        entry["planned_wan"] += float(row.annual_planned_wan or 0)
        entry["actual_wan"] += float(row.annual_actual_wan or 0)
        projects.append({"project_code": row.project_code, "name": row.name,
                         "investment_category": row.investment_category, "district_code": row.district_code,
                         "key_level": row.key_level, "latest_period": f"{row.period:%Y-%m}",
                         "annual_planned_wan": _float(row.annual_planned_wan),
                         "annual_actual_wan": _float(row.annual_actual_wan),
                         "cumulative_wan": float(row.cumulative_wan),
                         "total_investment_wan": float(row.total_investment_wan),
                         "visual_progress_pct": float(row.visual_progress_pct)})
    for entry in categories.values():
        entry["planned_wan"] = round(entry["planned_wan"], 2)
        entry["actual_wan"] = round(entry["actual_wan"], 2)
        entry["completion_pct"] = (round(100 * entry["actual_wan"] / entry["planned_wan"], 1)
                                   if entry["planned_wan"] else None)
    total_planned = round(sum(e["planned_wan"] for e in categories.values()), 2)
    total_actual = round(sum(e["actual_wan"] for e in categories.values()), 2)
    return {"year": year, "unit": "万元", "categories": list(categories.values()),
            "total": {"project_count": len(projects), "planned_wan": total_planned, "actual_wan": total_actual},
            "projects": projects, "missing_reports": missing}
