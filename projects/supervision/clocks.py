"""Working-day clocks (审批时限): each item against its own limit, each project against its total limit
(50/70/90 working days), and the overdue and due-soon items of every department.

A project's total clock counts the working days on which at least one of its items was with a department
(accepted, not yet decided): approvals run in parallel, and days the applicant spends preparing the next
application are not the government's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Message, Text
from layers.departments import Department
from projects.access import AccessDeniedError, require_role
from projects.accounts import Account, Role
from projects.supervision.settings import supervision_settings
from projects.supervision.stages import FINAL_ITEM_TYPE, ITEM_TYPES, TOTAL_LIMITS, Result
from projects.supervision.workdays import WorkingCalendar, load_calendar, provisional_fields


@dataclass(frozen=True)
class ItemTimes:
    """What a clock needs of an item."""

    item_type: str
    accepted_on: dt.date
    limit_working_days: int
    decided_on: dt.date | None
    result: str | None


def item_clock(calendar: WorkingCalendar, item: ItemTimes, as_of: dt.date) -> dict[str, Any]:
    """Due date, working days used, and status: running, due_soon, overdue (open) or on_time, late (decided)."""
    deadline = calendar.add_working_days(item.accepted_on, item.limit_working_days)
    end = min(item.decided_on or as_of, as_of)
    used = calendar.elapsed(item.accepted_on, end)
    clock: dict[str, Any] = {"limit_working_days": item.limit_working_days, "due": deadline.due.isoformat(),
                             "used_working_days": used.working_days}
    years = set(deadline.years_without_data) | set(used.years_without_data)
    if item.decided_on is not None:
        clock["status"] = "on_time" if item.decided_on <= deadline.due else "late"
    elif as_of > deadline.due:
        late = calendar.elapsed(deadline.due, as_of)
        years |= set(late.years_without_data)
        clock |= {"status": "overdue", "overdue_working_days": late.working_days}
    else:
        remaining = calendar.elapsed(as_of, deadline.due)
        due_soon = remaining.working_days <= supervision_settings().due_soon_working_days
        clock |= {"status": "due_soon" if due_soon else "running", "remaining_working_days": remaining.working_days}
    return clock | provisional_fields(years)


def total_clock(calendar: WorkingCalendar, items: Iterable[ItemTimes], category: str,
                as_of: dt.date) -> dict[str, Any]:
    """The project's working days with an item under way against its total limit (50/70/90 by category)."""
    limit = TOTAL_LIMITS[category]
    days: set[dt.date] = set()
    years: set[int] = set()
    started: dt.date | None = None
    finished: dt.date | None = None
    for item in items:
        if item.accepted_on > as_of:
            continue
        end = min(item.decided_on or as_of, as_of)
        days.update(calendar.working_days_between(item.accepted_on, end))
        years.update(calendar.years_without_data(item.accepted_on, end))
        started = min(filter(None, (started, item.accepted_on)))
        if item.item_type == FINAL_ITEM_TYPE and item.result and Result(item.result).grants:
            finished = item.decided_on
    used = len(days)
    if started is None:
        status = "not_started"
    elif finished is not None:
        status = "completed_within_limit" if used <= limit else "completed_over_limit"
    else:
        status = "over_limit" if used > limit else "running"
    return {"investment_category": category, "limit_working_days": limit, "used_working_days": used,
            "remaining_working_days": max(limit - used, 0), "started_on": started.isoformat() if started else None,
            "completed_on": finished.isoformat() if finished else None, "status": status,
            **provisional_fields(years)}


def department_deadlines(connection: Connection, actor: Account | None, as_of: dt.date) -> dict[str, Any]:
    """Open items that are overdue or due soon, per department (a department account sees its own)."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT, action=Text("查看审批时限", "listing approval deadlines"))
    assert actor is not None
    if actor.role is Role.DEPARTMENT and actor.department is None:
        raise AccessDeniedError(Message("supervision.no_department"))
    departments = [actor.department] if actor.role is Role.DEPARTMENT else list(Department)
    rows = connection.execute(
        text("SELECT i.id, i.item_type, i.department, i.accepted_on, i.limit_working_days, p.project_code, "
             "p.name FROM approval_items i JOIN proposals p ON p.id = i.proposal_id "
             "WHERE i.decided_on IS NULL AND i.accepted_on <= :as_of AND i.department = ANY(:departments) "
             "ORDER BY i.accepted_on, i.id"),
        {"as_of": as_of, "departments": [d.value for d in departments]},
    ).all()
    calendar = load_calendar(connection)
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {d.value: {"overdue": [], "due_soon": []}
                                                           for d in departments}
    for row in rows:
        clock = item_clock(calendar, ItemTimes(row.item_type, row.accepted_on, row.limit_working_days, None, None),
                           as_of)
        if clock["status"] in ("overdue", "due_soon"):
            kind = ITEM_TYPES[row.item_type]
            grouped[row.department][clock["status"]].append(
                {"item_id": row.id, "project_code": row.project_code, "project_name": row.name,
                 "item_type": row.item_type, "zh": kind.name_zh, "en": kind.name_en,
                 "accepted_on": row.accepted_on.isoformat(), **clock})
    return {
        "as_of": as_of.isoformat(),
        "due_soon_working_days": supervision_settings().due_soon_working_days,
        "departments": [{"department": d.value, "zh": d.name_zh, "en": d.name_en,
                         "overdue_count": len(grouped[d.value]["overdue"]),
                         "due_soon_count": len(grouped[d.value]["due_soon"]), **grouped[d.value]}
                        for d in departments],
    }
