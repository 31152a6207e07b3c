"""The figures behind the supervision pictures: investment by district and category (万元), approval time
against the limit (working days), overdue items per department, warnings, and one project's timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Text
from projects.access import require_role
from projects.accounts import Account, Role
from projects.districts import district_names
from projects.proposals import INVESTMENT_CATEGORIES
from projects.supervision.clocks import department_deadlines, total_clock
from projects.supervision.coded import coded_sites
from projects.supervision.items import coded_projects, item_rows, item_times, project_approvals
from projects.supervision.progress import project_progress
from projects.supervision.work_plan import plan_issue_days
from projects.supervision.workdays import load_calendar


def investment_by_district(connection: Connection) -> dict[str, Any]:
    """Coded projects' total and cumulative investment (万元) per district and investment category."""
    rows = connection.execute(
        text("SELECT p.district_code, p.investment_category, count(*) AS projects, "
             "sum(p.total_investment_wan) AS total_wan, sum(coalesce(r.cumulative_wan, 0)) AS cumulative_wan "
             "FROM proposals p LEFT JOIN LATERAL (SELECT cumulative_wan FROM progress_reports x "
             "  WHERE x.proposal_id = p.id ORDER BY x.period DESC LIMIT 1) r ON true "
             "WHERE p.project_code IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"),
    ).all()
    names = district_names(connection)
    districts: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = districts.setdefault(row.district_code, {
            "district_code": row.district_code, "name": names.get(row.district_code, row.district_code),
            "by_category": {k: {"projects": 0, "total_wan": 0.0, "cumulative_wan": 0.0} for k in INVESTMENT_CATEGORIES},
        })
        entry["by_category"][row.investment_category] = {
            "projects": row.projects, "total_wan": float(row.total_wan), "cumulative_wan": float(row.cumulative_wan)}
    for entry in districts.values():
        entry["total_wan"] = round(sum(c["total_wan"] for c in entry["by_category"].values()), 2)
    return {"unit": "万元",
            "categories": [{"key": k, "zh": zh, "en": en} for k, (zh, en) in INVESTMENT_CATEGORIES.items()],
            "districts": list(districts.values())}


def approval_times(connection: Connection, as_of: dt.date) -> list[dict[str, Any]]:
    """Each coded project with approval items or a work plan: working days used against its 50/70/90 limit."""
    calendar = load_calendar(connection)
    projects = coded_projects(connection)
    issued = plan_issue_days(connection, [p.id for p in projects])
    result = []
    for project in projects:
        rows = item_rows(connection, project.id)
        if not rows and project.id not in issued:
            continue
        times = list(item_times(connection, rows).values())
        result.append({"project_code": project.project_code, "name": project.name,
                       **total_clock(calendar, times, project.investment_category, as_of, issued.get(project.id))})
    return result


def _site_features(connection: Connection, times: list[dict[str, Any]]) -> dict[str, Any]:
    """The coded projects' sites as a GeoJSON FeatureCollection, each with its total clock's status."""
    status = {t["project_code"]: t["status"] for t in times}
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "geometry": site["geometry"],
         "properties": {"project_code": code, "name": site["name"], "district_code": site["district_code"],
                        "status": status.get(code, "not_started")}}
        for code, site in coded_sites(connection).items()]}


def dashboard(connection: Connection, actor: Account | None, as_of: dt.date) -> dict[str, Any]:
    """Everything the supervision dashboard draws: the charts' figures, the open items that are overdue,
    due soon or suspended (暂停计时), and the coded sites for the map."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT, action=Text("查看监管看板", "reading the supervision dashboard"))
    deadlines = department_deadlines(connection, actor, as_of)
    warnings = connection.execute(
        text("SELECT kind, status, count(*) AS n FROM anomaly_warnings GROUP BY kind, status ORDER BY kind, status")
    ).all()
    times = approval_times(connection, as_of)
    return {
        "as_of": as_of.isoformat(),
        "investment": investment_by_district(connection),
        "approval_times": times,
        "attention_items": sorted(
            ({**item, "department": d["department"]} for d in deadlines["departments"]
             for group in ("overdue", "suspended", "due_soon") for item in d[group]),
            key=lambda item: (("overdue", "suspended", "due_soon").index(item["status"]), item["accepted_on"])),
        "sites": _site_features(connection, times),
        "overdue_by_department": [{k: d[k] for k in ("department", "zh", "en", "overdue_count", "due_soon_count",
                                                      "suspended_count")}
                                  for d in deadlines["departments"]],
        "warnings": [{"kind": w.kind, "status": w.status, "count": w.n} for w in warnings],
    }


def project_timeline(connection: Connection, actor: Account | None, code_text: str,
                     as_of: dt.date) -> dict[str, Any]:
    """A project's approvals and progress on one time axis (the Gantt chart of the project page)."""
    approvals = project_approvals(connection, actor, code_text, as_of)
    progress = project_progress(connection, actor, code_text)
    return {"approvals": approvals, "progress": progress}
