"""Working-day clocks (审批时限): each item against its own limit, each project against its total limit
(50/70/90 working days), and the overdue and due-soon items of every department.

A project's total clock counts the working days on which at least one of its items was with a department
(accepted, not yet decided): approvals run in parallel, and days the applicant spends preparing the next
application are not the government's.

While an item is suspended (暂停计时: a special procedure such as a hearing, testing or an expert review, or
the applicant supplementing materials — 行政许可法 第四十五条), its working days do not count: they are left
out of the days used, its due date moves by as many working days, and the project's total clock leaves them
out too. A suspension from day *a* to day *b* stops the working days in (a, b], as every span here.
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
from projects.departments import load_directory
from projects.supervision.settings import supervision_settings
from projects.supervision.stages import FINAL_ITEM_TYPE, ITEM_TYPES, TOTAL_LIMITS, Result
from projects.supervision.workdays import Deadline, WorkingCalendar, load_calendar, provisional_fields

Spans = tuple[tuple[dt.date, dt.date | None], ...]
"""Suspensions of an item as (suspended_on, resumed_on), oldest first."""


@dataclass(frozen=True)
class ItemTimes:
    """What a clock needs of an item."""

    item_type: str
    accepted_on: dt.date
    limit_working_days: int
    decided_on: dt.date | None
    result: str | None
    suspensions: Spans = ()
    """(suspended_on, resumed_on) of each suspension, oldest first; resumed_on is None while it lasts."""


def stopped_days(calendar: WorkingCalendar, item: ItemTimes, as_of: dt.date) -> set[dt.date]:
    """The working days up to ``as_of`` on which the item's clock stood still (suspended)."""
    days: set[dt.date] = set()
    for start, resumed in item.suspensions:
        days.update(calendar.working_days_between(start, min(resumed or as_of, as_of)))
    return days


def _due(calendar: WorkingCalendar, item: ItemTimes, stopped: set[dt.date]) -> Deadline:
    """The limit's last working day, pushed back by every stopped working day that falls before it."""
    deadline = calendar.add_working_days(item.accepted_on, item.limit_working_days)
    years, moved = set(deadline.years_without_data), 0
    while (before := sum(1 for day in stopped if day <= deadline.due)) > moved:
        deadline = calendar.add_working_days(deadline.due, before - moved)
        years |= set(deadline.years_without_data)
        moved = before
    return Deadline(item.accepted_on, item.limit_working_days, deadline.due, tuple(sorted(years)))


def item_clock(calendar: WorkingCalendar, item: ItemTimes, as_of: dt.date) -> dict[str, Any]:
    """Due date, working days used, and status: running, due_soon, overdue, suspended (open) or on_time,
    late (decided). Suspended working days count neither as used nor towards the due date, so an item
    stopped over its original due date is not overdue; one that had used up its limit before it stopped is
    (with ``suspended_since``). The one computation behind every due date shown: the project page and its
    Gantt chart, the dashboard, the department lists and the central-platform feed."""
    stopped = stopped_days(calendar, item, as_of)
    deadline = _due(calendar, item, stopped)
    end = min(item.decided_on or as_of, as_of)
    used = calendar.elapsed(item.accepted_on, end)
    used_days = used.working_days - sum(1 for day in stopped if item.accepted_on < day <= end)
    clock: dict[str, Any] = {"limit_working_days": item.limit_working_days, "due": deadline.due.isoformat(),
                             "used_working_days": used_days, "suspended_working_days": len(stopped)}
    years = set(deadline.years_without_data) | set(used.years_without_data)
    lasting = next((start for start, resumed in item.suspensions
                    if start <= as_of and (resumed is None or resumed > as_of)), None)
    if item.decided_on is not None:
        clock["status"] = "on_time" if item.decided_on <= deadline.due else "late"
    elif lasting is not None and used_days > item.limit_working_days:
        # Overdue before the clock stopped: the stop does not make it timely again.
        clock |= {"status": "overdue", "suspended_since": lasting.isoformat(),
                  "overdue_working_days": used_days - item.limit_working_days}
    elif lasting is not None:
        clock |= {"status": "suspended", "suspended_since": lasting.isoformat(),
                  "remaining_working_days": item.limit_working_days - used_days}
    elif as_of > deadline.due:
        late = calendar.elapsed(deadline.due, as_of)
        years |= set(late.years_without_data)
        late_days = late.working_days - sum(1 for day in stopped if day > deadline.due)
        clock |= {"status": "overdue", "overdue_working_days": late_days}
    else:
        remaining = calendar.elapsed(as_of, deadline.due)
        due_soon = remaining.working_days <= supervision_settings().due_soon_working_days
        clock |= {"status": "due_soon" if due_soon else "running", "remaining_working_days": remaining.working_days}
    return clock | provisional_fields(years)


def total_clock(calendar: WorkingCalendar, items: Iterable[ItemTimes], category: str,
                as_of: dt.date, started_on: dt.date | None = None) -> dict[str, Any]:
    """The project's working days with an item under way against its total limit (50/70/90 by category).

    ``started_on`` is the day its preliminary work plan was issued (下达前期工作计划), which starts the clock;
    a project coded without one starts it with its first item."""
    limit = TOTAL_LIMITS[category]
    days: set[dt.date] = set()
    years: set[int] = set()
    started: dt.date | None = started_on if started_on is not None and started_on <= as_of else None
    finished: dt.date | None = None
    for item in items:
        if item.accepted_on > as_of:
            continue
        end = min(item.decided_on or as_of, as_of)
        days.update(set(calendar.working_days_between(item.accepted_on, end)) - stopped_days(calendar, item, end))
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


def suspensions_of(connection: Connection, item_ids: list[int]) -> dict[int, Spans]:
    """Each item's suspensions as (suspended_on, resumed_on), oldest first, for :class:`ItemTimes`."""
    found: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for row in connection.execute(
        text("SELECT item_id, suspended_on, resumed_on FROM item_suspensions WHERE item_id = ANY(:ids) "
             "ORDER BY item_id, suspended_on, id"), {"ids": item_ids},
    ).all():
        found.setdefault(row.item_id, []).append((row.suspended_on, row.resumed_on))
    return {item_id: tuple(spans) for item_id, spans in found.items()}


def department_deadlines(connection: Connection, actor: Account | None, as_of: dt.date) -> dict[str, Any]:
    """Open items that are overdue, due soon or suspended, per department (a department account sees its own)."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT, action=Text("查看审批时限", "listing approval deadlines"))
    assert actor is not None
    if actor.role is Role.DEPARTMENT and actor.department is None:
        raise AccessDeniedError(Message("supervision.no_department"))
    directory = load_directory(connection)
    departments = [actor.department] if actor.role is Role.DEPARTMENT and actor.department else list(Department)
    rows = connection.execute(
        text("SELECT i.id, i.item_type, i.department, i.accepted_on, i.limit_working_days, p.project_code, "
             "p.name FROM approval_items i JOIN proposals p ON p.id = i.proposal_id "
             "WHERE i.decided_on IS NULL AND i.accepted_on <= :as_of AND i.department = ANY(:departments) "
             "ORDER BY i.accepted_on, i.id"),
        {"as_of": as_of, "departments": list(departments)},
    ).all()
    calendar = load_calendar(connection)
    suspensions = suspensions_of(connection, [row.id for row in rows])
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {d: {"overdue": [], "due_soon": [], "suspended": []}
                                                           for d in departments}
    for row in rows:
        times = ItemTimes(row.item_type, row.accepted_on, row.limit_working_days, None, None,
                          suspensions.get(row.id, ()))
        clock = item_clock(calendar, times, as_of)
        if clock["status"] in ("overdue", "due_soon", "suspended"):
            kind = ITEM_TYPES[row.item_type]
            grouped[row.department][clock["status"]].append(
                {"item_id": row.id, "project_code": row.project_code, "project_name": row.name,
                 "item_type": row.item_type, "zh": kind.name_zh, "en": kind.name_en,
                 "accepted_on": row.accepted_on.isoformat(), **clock})
    return {
        "as_of": as_of.isoformat(),
        "due_soon_working_days": supervision_settings().due_soon_working_days,
        "departments": [{**directory.summary(d), "overdue_count": len(grouped[d]["overdue"]),
                         "due_soon_count": len(grouped[d]["due_soon"]),
                         "suspended_count": len(grouped[d]["suspended"]), **grouped[d]}
                        for d in departments],
    }
