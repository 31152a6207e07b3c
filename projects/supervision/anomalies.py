"""Anomaly warnings (异常预警) on coded projects, each explained in words, and the NDRC's work list.

Rules (thresholds in :mod:`projects.supervision.settings`):

- ``late_completion``: not completed long after the planned completion date;
- ``no_report``: no monthly progress report for more than N months (counted from the month of the latest
  report, or of the code when there was never one);
- ``investment_over_total``: cumulative investment above the project's total investment;
- ``investment_jump``: cumulative investment rising by more than a share of the total between two reports,
  or falling (a cumulative figure cannot fall);
- ``site_drift``: the site reported on the ground differs from the coded site by more than a share and an
  area, measured in PostGIS as the symmetric difference on the ellipsoid (geography).

A scan records each anomaly once (by fingerprint), so a warning the NDRC has handled does not come back
unless the facts change (a new report, a new planned date). The NDRC inspects (现场核查), orders a
post-evaluation (后评价) or dismisses with a reason; every action is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.messages import Message, Text
from projects import audit
from projects.access import NotFoundError, require_role
from projects.accounts import Account, Role
from projects.clock import BEIJING
from projects.supervision.errors import SupervisionConflictError, SupervisionInputError
from projects.supervision.settings import supervision_settings


class WarningKind(StrEnum):
    LATE_COMPLETION = "late_completion"
    NO_REPORT = "no_report"
    INVESTMENT_OVER_TOTAL = "investment_over_total"
    INVESTMENT_JUMP = "investment_jump"
    SITE_DRIFT = "site_drift"

    @property
    def name_zh(self) -> str:
        return _KIND_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _KIND_NAMES[self][1]


_KIND_NAMES: dict[WarningKind, tuple[str, str]] = {
    WarningKind.LATE_COMPLETION: ("逾期未竣工", "not completed long after the plan"),
    WarningKind.NO_REPORT: ("长期未填报进度", "no progress report"),
    WarningKind.INVESTMENT_OVER_TOTAL: ("累计投资超总投资", "investment above the total"),
    WarningKind.INVESTMENT_JUMP: ("投资数据异常变化", "implausible investment change"),
    WarningKind.SITE_DRIFT: ("用地范围偏离赋码用地", "site drifting from the coded site"),
}


class WarningAction(StrEnum):
    INSPECT = "inspect"
    POST_EVALUATION = "post_evaluation"
    DISMISS = "dismiss"


_STATUS_AFTER = {WarningAction.INSPECT: "inspect", WarningAction.POST_EVALUATION: "post_evaluation",
                 WarningAction.DISMISS: "dismissed"}
_ALLOWED_FROM = {"open": set(WarningAction), "inspect": {WarningAction.POST_EVALUATION, WarningAction.DISMISS},
                 "post_evaluation": set(), "dismissed": set()}


@dataclass(frozen=True)
class Finding:
    """One anomaly: what, why in words (zh, en), the facts behind it, and its fingerprint."""

    proposal_id: int
    kind: WarningKind
    fingerprint: str
    zh: str
    en: str
    facts: dict[str, Any]


def _wan(value: float) -> str:
    return f"{value:,.2f}"


def _project_findings(project: Row[Any], reports: list[Row[Any]], drift: dict[int, Row[Any]],
                      as_of: dt.date) -> list[Finding]:
    settings = supervision_settings()
    found: list[Finding] = []
    total = float(project.total_investment_wan)
    completed = next((r.actual_completion for r in reports if r.actual_completion), None)
    latest = reports[-1] if reports else None
    pid = project.id

    if project.planned_completion and not completed:
        late_days = (as_of - project.planned_completion).days
        if late_days > settings.late_completion_days:
            pct = f"{float(latest.visual_progress_pct):.0f}" if latest else "—"
            found.append(Finding(
                pid, WarningKind.LATE_COMPLETION, f"late_completion:{pid}:{project.planned_completion}",
                f"计划于{project.planned_completion}竣工，至{as_of}已超过{late_days}天仍未报告竣工（形象进度{pct}%）。",
                f"Planned to complete on {project.planned_completion}; {late_days} days later ({as_of}) no completion "
                f"has been reported (visual progress {pct} %).",
                {"planned_completion": project.planned_completion.isoformat(), "days_late": late_days,
                 "threshold_days": settings.late_completion_days}))

    if not completed:
        # Reports are monthly: the months since the latest report's month (or since the code, if none).
        since = latest.period if latest else project.coded_at.astimezone(BEIJING).date().replace(day=1)
        months = (as_of.year - since.year) * 12 + as_of.month - since.month
        if months > settings.no_report_months:
            what_zh = f"最近一次填报为{since:%Y-%m}" if latest else f"赋码（{since:%Y-%m}）以来从未填报"
            what_en = f"the latest is for {since:%Y-%m}" if latest else f"none since the code ({since:%Y-%m})"
            found.append(Finding(
                pid, WarningKind.NO_REPORT, f"no_report:{pid}:{since:%Y-%m}",
                f"已{months}个月没有项目进度报告：{what_zh}。",
                f"No progress report for {months} months: {what_en}.",
                {"since": f"{since:%Y-%m}", "months": months, "threshold_months": settings.no_report_months}))

    over = next((r for r in reports if float(r.cumulative_wan) > total), None)
    if over is not None:
        excess = float(over.cumulative_wan) - total
        found.append(Finding(
            pid, WarningKind.INVESTMENT_OVER_TOTAL, f"investment_over_total:{pid}",
            f"{over.period:%Y-%m}填报的累计完成投资{_wan(float(over.cumulative_wan))}万元超过项目总投资"
            f"{_wan(total)}万元（超出{_wan(excess)}万元，{100 * excess / total:.1f}%）。",
            f"The cumulative investment reported for {over.period:%Y-%m}, {_wan(float(over.cumulative_wan))} 万元, "
            f"is above the total investment of {_wan(total)} 万元 (by {_wan(excess)} 万元, "
            f"{100 * excess / total:.1f} %).",
            {"report_id": over.id, "cumulative_wan": float(over.cumulative_wan), "total_investment_wan": total}))

    for before, after in zip(reports, reports[1:], strict=False):
        change = float(after.cumulative_wan) - float(before.cumulative_wan)
        share = change / total
        if change < 0:
            zh = (f"累计完成投资从{_wan(float(before.cumulative_wan))}万元（{before.period:%Y-%m}）降至"
                  f"{_wan(float(after.cumulative_wan))}万元（{after.period:%Y-%m}）：累计数不应减少。")
            en = (f"Cumulative investment fell from {_wan(float(before.cumulative_wan))} 万元 ({before.period:%Y-%m}) "
                  f"to {_wan(float(after.cumulative_wan))} 万元 ({after.period:%Y-%m}); a cumulative figure cannot "
                  "fall.")
        elif share > settings.investment_jump_share:
            zh = (f"累计完成投资从{_wan(float(before.cumulative_wan))}万元（{before.period:%Y-%m}）跃升至"
                  f"{_wan(float(after.cumulative_wan))}万元（{after.period:%Y-%m}），一次增加{_wan(change)}万元，"
                  f"占总投资的{100 * share:.0f}%（阈值{100 * settings.investment_jump_share:.0f}%）。")
            en = (f"Cumulative investment jumped from {_wan(float(before.cumulative_wan))} 万元 "
                  f"({before.period:%Y-%m}) to {_wan(float(after.cumulative_wan))} 万元 ({after.period:%Y-%m}): "
                  f"{_wan(change)} 万元 in one step, {100 * share:.0f} % of the total investment (threshold "
                  f"{100 * settings.investment_jump_share:.0f} %).")
        else:
            continue
        found.append(Finding(pid, WarningKind.INVESTMENT_JUMP, f"investment_jump:{pid}:{after.id}", zh, en,
                             {"from_report_id": before.id, "report_id": after.id, "change_wan": round(change, 2),
                              "share_of_total": round(share, 4)}))

    for report in reports:
        measured = drift.get(report.id)
        if measured is None or not measured.coded_m2:
            continue
        percent = 100 * measured.drift_m2 / measured.coded_m2
        if percent > settings.site_drift_percent and measured.drift_m2 > settings.site_drift_min_m2:
            found.append(Finding(
                pid, WarningKind.SITE_DRIFT, f"site_drift:{pid}:{report.id}",
                f"{report.period:%Y-%m}上报的用地范围与赋码时的用地范围相差{measured.drift_m2:,.0f}平方米（占赋码用地"
                f"{percent:.1f}%），其中{measured.outside_m2:,.0f}平方米在赋码用地之外。",
                f"The site reported for {report.period:%Y-%m} differs from the coded site by "
                f"{measured.drift_m2:,.0f} m² ({percent:.1f} % of the coded site); {measured.outside_m2:,.0f} m² of it "
                "lies outside the coded site.",
                {"report_id": report.id, "symmetric_difference_m2": round(measured.drift_m2, 1),
                 "outside_coded_site_m2": round(measured.outside_m2, 1), "coded_site_m2": round(measured.coded_m2, 1),
                 "percent_of_coded_site": round(percent, 2), "threshold_percent": settings.site_drift_percent,
                 "threshold_m2": settings.site_drift_min_m2}))
    return found


def site_drift(connection: Connection, proposal_id: int) -> dict[int, Row[Any]]:
    """Per report with a site: the coded site's area, the symmetric difference and the part outside (m²).

    The coded site is the site revision in force when the code was assigned.
    """
    rows = connection.execute(
        text("""
            WITH coded AS (
                SELECT r.geom FROM site_revisions r JOIN proposals p ON p.id = r.proposal_id
                WHERE r.proposal_id = :p ORDER BY (p.coded_at IS NULL OR r.created_at <= p.coded_at) DESC,
                         r.revision DESC LIMIT 1)
            SELECT x.id, ST_Area(coded.geom::geography) AS coded_m2,
                   ST_Area(ST_SymDifference(coded.geom, x.site)::geography) AS drift_m2,
                   ST_Area(ST_Difference(x.site, coded.geom)::geography) AS outside_m2
            FROM coded, progress_reports x WHERE x.proposal_id = :p AND x.site IS NOT NULL"""),
        {"p": proposal_id},
    ).all()
    return {r.id: r for r in rows}


def find_anomalies(connection: Connection, as_of: dt.date) -> list[Finding]:
    """Every anomaly of every coded project as of ``as_of``."""
    projects = connection.execute(
        text("SELECT p.id, p.project_code, p.total_investment_wan, p.coded_at, s.planned_completion "
             "FROM proposals p LEFT JOIN project_supervision s ON s.proposal_id = p.id "
             "WHERE p.project_code IS NOT NULL AND p.coded_at::date <= :d ORDER BY p.id"), {"d": as_of},
    ).all()
    reports: dict[int, list[Row[Any]]] = {}
    for row in connection.execute(
        text("SELECT id, proposal_id, period, reported_on, actual_completion, cumulative_wan, visual_progress_pct, "
             "site IS NOT NULL AS has_site FROM progress_reports WHERE reported_on <= :d ORDER BY period"),
        {"d": as_of},
    ).all():
        reports.setdefault(row.proposal_id, []).append(row)
    found = []
    for project in projects:
        own = reports.get(project.id, [])
        drift = site_drift(connection, project.id) if any(r.has_site for r in own) else {}
        found.extend(_project_findings(project, own, drift, as_of))
    return found


def scan(connection: Connection, actor: Account | None, as_of: dt.date) -> dict[str, Any]:
    """Record the anomalies not recorded yet; returns the new warnings."""
    require_role(actor, Role.NDRC, action=Text("扫描异常", "scanning for anomalies"))
    new_ids = []
    for finding in find_anomalies(connection, as_of):
        warning_id = connection.execute(
            text("INSERT INTO anomaly_warnings (proposal_id, kind, fingerprint, explanation, facts, detected_on) "
                 "VALUES (:p, :k, :f, CAST(:e AS jsonb), CAST(:facts AS jsonb), :d) "
                 "ON CONFLICT (fingerprint) DO NOTHING RETURNING id"),
            {"p": finding.proposal_id, "k": finding.kind.value, "f": finding.fingerprint,
             "e": json.dumps({"zh": finding.zh, "en": finding.en}, ensure_ascii=False),
             "facts": json.dumps(finding.facts, ensure_ascii=False), "d": as_of},
        ).scalar_one_or_none()
        if warning_id is not None:
            new_ids.append(warning_id)
    if new_ids:
        audit.record(connection, actor=actor, action="anomaly_scan", after={"as_of": as_of, "new": new_ids})
    return {"as_of": as_of.isoformat(), "new": _warnings(connection, ids=new_ids) if new_ids else []}


def _warnings(connection: Connection, *, ids: list[int] | None = None, status: str | None = None,
              project_code: str | None = None) -> list[dict[str, Any]]:
    rows = connection.execute(
        text("SELECT w.id, w.kind, w.explanation, w.facts, w.detected_on, w.status, w.status_reason, w.handled_at, "
             "a.username AS handled_by, p.project_code, p.name FROM anomaly_warnings w "
             "JOIN proposals p ON p.id = w.proposal_id LEFT JOIN accounts a ON a.id = w.handled_by "
             "WHERE (CAST(:ids AS integer[]) IS NULL OR w.id = ANY(:ids)) "
             "AND (CAST(:status AS text) IS NULL OR w.status = :status) "
             "AND (CAST(:code AS text) IS NULL OR p.project_code = :code) "
             "ORDER BY (w.status = 'open') DESC, w.detected_on DESC, w.id DESC"),
        {"ids": ids, "status": status, "code": project_code},
    ).all()
    return [{"id": r.id, "project_code": r.project_code, "project_name": r.name, "kind": r.kind,
             "explanation": r.explanation, "facts": r.facts, "detected_on": r.detected_on.isoformat(),
             "status": r.status, "status_reason": r.status_reason, "handled_by": r.handled_by,
             "handled_at": r.handled_at.isoformat() if r.handled_at else None,
             "actions": sorted(a.value for a in _ALLOWED_FROM[r.status])}
            for r in rows]


def list_warnings(connection: Connection, actor: Account | None, status: str | None = None,
                  project_code: str | None = None) -> list[dict[str, Any]]:
    """The NDRC's warning list, open ones first."""
    require_role(actor, Role.NDRC, action=Text("查看异常预警", "reading anomaly warnings"))
    if status is not None and status not in _ALLOWED_FROM:
        raise SupervisionInputError("status", Message("supervision.one_of", values=list(_ALLOWED_FROM)))
    return _warnings(connection, status=status, project_code=project_code)


def act_on_warning(connection: Connection, actor: Account | None, warning_id: int, action: str,
                   reason: str | None) -> dict[str, Any]:
    """Inspect (现场核查), order a post-evaluation (后评价) or dismiss with a reason; audited."""
    require_role(actor, Role.NDRC, action=Text("处理异常预警", "handling an anomaly warning"))
    row = connection.execute(
        text("SELECT id, proposal_id, status FROM anomaly_warnings WHERE id = :id FOR UPDATE"), {"id": warning_id}
    ).one_or_none()
    if row is None:
        raise NotFoundError(Message("supervision.no_warning", id=warning_id))
    try:
        chosen = WarningAction(action)
    except ValueError:
        raise SupervisionInputError("action", Message("supervision.one_of",
                                                      values=[a.value for a in WarningAction])) from None
    reason = (reason or "").strip() or None
    if chosen is WarningAction.DISMISS and reason is None:
        raise SupervisionInputError("reason", Message("supervision.dismiss_reason"))
    if chosen not in _ALLOWED_FROM[row.status]:
        allowed = sorted(a.value for a in _ALLOWED_FROM[row.status]) or Message("supervision.handled")
        raise SupervisionConflictError(Message("supervision.warning_state", id=warning_id, status=row.status,
                                               allowed=allowed), warning_status=row.status)
    new_status = _STATUS_AFTER[chosen]
    connection.execute(
        text("UPDATE anomaly_warnings SET status = :s, status_reason = :r, handled_by = :a, handled_at = now() "
             "WHERE id = :id"), {"s": new_status, "r": reason, "a": actor.id if actor else None, "id": warning_id},
    )
    audit.record(connection, actor=actor, action=f"warning_{chosen.value}", proposal_id=row.proposal_id,
                 before={"warning_id": warning_id, "status": row.status},
                 after={"warning_id": warning_id, "status": new_status, "reason": reason})
    return _warnings(connection, ids=[warning_id])[0]
