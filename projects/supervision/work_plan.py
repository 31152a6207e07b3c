"""The preliminary work plan (下达项目前期工作计划): the early-stage work a project must do after its code.

In the reference case the NDRC, once no department objects, generates the project, assigns its code and
issues the plan in one step; for projects generated on the platform (策划生成) the plan stands in for the
project proposal (项目建议书), so a government-invested project goes on to its feasibility study. Here the
approval (:func:`projects.proposals.act`) issues it in the transaction that assigns the code, and its issue
day starts the project's supervision clock (:func:`projects.supervision.clocks.total_clock`).

What the plan requires depends on the project type of the code (GB/T 40058-2021 审批 / 核准 / 备案), as the
table :data:`WORK_PLAN_RULES` says: each task is prepared by the project unit (项目单位) and decided by a
department, and is due a number of working days (工作日, :mod:`projects.supervision.workdays`) after the
issue day. The reference case gives only the totals, from project approval to completion acceptance: 50
working days for small social investment, 70 for general social investment and 90 for government-funded
projects (:data:`projects.supervision.stages.TOTAL_LIMITS`); the plan names the total of the project's
investment category with its due day. The tasks' working days are this platform's defaults, chosen so that
no task takes more than half of the smallest total, 50 (checked below).

A plan keeps the rules in force on its issue day; its due days are computed from the calendar when read,
so they are provisional while they fall in a year without holiday data and move once an admin enters that
year's State Council notice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.messages import Message, Text, phrases
from layers.departments import Department
from projects import audit
from projects.access import NotFoundError
from projects.accounts import Account
from projects.clock import beijing_today
from projects.screening import PROJECT_TYPES
from projects.supervision.coded import coded_project
from projects.supervision.stages import ITEM_TYPES, TOTAL_LIMITS
from projects.supervision.workdays import WorkingCalendar, load_calendar, provisional_fields

phrases(
    "work_plan",
    none=Text("项目{code}没有前期工作计划：其代码早于平台随赋码下达前期工作计划",
              "project {code} has no preliminary work plan: it was coded before the platform issued plans with "
              "the code"),
)


@dataclass(frozen=True)
class PlanTask:
    """One piece of early-stage work: what the project unit prepares, who decides it, and by when."""

    key: str
    name_zh: str
    name_en: str
    department: Department
    """The department that decides it (the project unit prepares it)."""
    working_days: int
    """Due this many working days after the plan's issue day."""
    item_type: str | None
    """The approval item (审批事项) that decides it, whose state the plan shows."""


WORK_PLAN_RULES: dict[str, tuple[PlanTask, ...]] = {
    # 审批: government-invested projects; the plan stands in for the project proposal (项目建议书).
    "01": (
        PlanTask("feasibility_study", "编制并报批可行性研究报告", "feasibility study prepared and approved",
                 Department.NDRC, 20, "feasibility_study_approval"),
        PlanTask("preliminary_design", "编制并报批初步设计及概算",
                 "preliminary design and budget prepared and approved", Department.NDRC, 25,
                 "preliminary_design_approval"),
    ),
    # 核准: enterprise projects on the verification list.
    "02": (
        PlanTask("application_report", "编制并报送项目申请报告（核准）",
                 "project application report submitted for verification", Department.NDRC, 15, "project_approval"),
    ),
    # 备案: every other enterprise project: filing only.
    "03": (
        PlanTask("filing", "办理项目备案", "project filing", Department.NDRC, 3, "project_approval"),
    ),
}
"""The early-stage work by project type (01 审批, 02 核准, 03 备案), in the order it is done."""

assert set(WORK_PLAN_RULES) == set(PROJECT_TYPES)
assert all(t.item_type is None or t.item_type in ITEM_TYPES for tasks in WORK_PLAN_RULES.values() for t in tasks)
assert all(2 * t.working_days <= min(TOTAL_LIMITS.values()) for tasks in WORK_PLAN_RULES.values() for t in tasks)


def issue_plan(connection: Connection, actor: Account | None, proposal_id: int, project_type: str,
               investment_category: str) -> int:
    """Issue the plan of the proposal today, by its project type and investment category, in the caller's
    transaction (the approval that assigns its code); audited. Returns the plan's id."""
    issued_on = beijing_today()
    tasks = WORK_PLAN_RULES[project_type]
    limit = TOTAL_LIMITS[investment_category]
    plan_id = connection.execute(
        text("INSERT INTO work_plans (proposal_id, issued_on, project_type, investment_category, "
             "total_limit_working_days, issued_by) VALUES (:p, :d, :t, :c, :l, :by) RETURNING id"),
        {"p": proposal_id, "d": issued_on, "t": project_type, "c": investment_category,
         "l": limit, "by": actor.id if actor else None},
    ).scalar_one()
    connection.execute(
        text("INSERT INTO work_plan_tasks (plan_id, position, task, item_type, department, working_days) "
             "VALUES (:plan, :n, :task, :item, :department, :days)"),
        [{"plan": plan_id, "n": n, "task": t.key, "item": t.item_type, "department": t.department.value,
          "days": t.working_days} for n, t in enumerate(tasks, 1)],
    )
    audit.record(connection, actor=actor, action="issue_work_plan", proposal_id=proposal_id,
                 after={"plan_id": plan_id, "issued_on": issued_on, "project_type": project_type,
                        "total_limit_working_days": limit,
                        "tasks": [[t.key, t.department.value, t.working_days] for t in tasks]})
    return plan_id


def plan_issue_days(connection: Connection, proposal_ids: list[int]) -> dict[int, dt.date]:
    """The day each project's plan was issued (its supervision clock's start), for those that have one."""
    rows = connection.execute(text("SELECT proposal_id, issued_on FROM work_plans WHERE proposal_id = ANY(:ids)"),
                              {"ids": proposal_ids}).all()
    return {r.proposal_id: r.issued_on for r in rows}


_TASK_NAMES = {t.key: t for tasks in WORK_PLAN_RULES.values() for t in tasks}


def _task_state(item: Row[Any] | None, due: dt.date, today: dt.date) -> str:
    """``decided`` / ``refused`` / ``under_way`` from its item, else ``overdue`` or ``not_started``."""
    if item is not None and item.decided_on is not None:
        return "refused" if item.result == "refused" else "decided"
    if item is not None:
        return "under_way"
    return "overdue" if today > due else "not_started"


def _task_dict(row: Row[Any], issued_on: dt.date, organisation: str, item: Row[Any] | None,
               calendar: WorkingCalendar, today: dt.date) -> dict[str, Any]:
    deadline = calendar.add_working_days(issued_on, row.working_days)
    names = _TASK_NAMES.get(row.task)
    department = Department(row.department)
    return {"task": row.task, "zh": names.name_zh if names else row.task, "en": names.name_en if names else row.task,
            "project_unit": organisation, "department": department.value, "department_zh": department.name_zh,
            "department_en": department.name_en, "working_days": row.working_days, "due": deadline.due.isoformat(),
            **provisional_fields(deadline.years_without_data), "item_type": row.item_type,
            "item": ({"id": item.id, "accepted_on": item.accepted_on.isoformat(),
                      "decided_on": item.decided_on.isoformat() if item.decided_on else None, "result": item.result}
                     if item is not None else None),
            "state": _task_state(item, deadline.due, today)}


def work_plan(connection: Connection, actor: Account | None, code_text: str) -> dict[str, Any]:
    """The plan of the coded project ``code_text`` (for those who may see the project): each task with its
    units and due day, the total limit of its category with its due day; 404 for a project without one."""
    project = coded_project(connection, actor, code_text)
    plan = connection.execute(
        text("SELECT w.id, w.issued_on, w.project_type, w.investment_category, w.total_limit_working_days, "
             "w.created_at, a.username AS issued_by FROM work_plans w LEFT JOIN accounts a ON a.id = w.issued_by "
             "WHERE w.proposal_id = :p"), {"p": project.id},
    ).one_or_none()
    if plan is None:
        raise NotFoundError(Message("work_plan.none", code=project.project_code))
    tasks = connection.execute(
        text("SELECT position, task, item_type, department, working_days FROM work_plan_tasks "
             "WHERE plan_id = :plan ORDER BY position"), {"plan": plan.id}).all()
    # The newest item of each type: a study refused and applied for again shows its new item.
    items = {r.item_type: r for r in connection.execute(
        text("SELECT DISTINCT ON (item_type) id, item_type, accepted_on, decided_on, result FROM approval_items "
             "WHERE proposal_id = :p ORDER BY item_type, accepted_on DESC, id DESC"), {"p": project.id}).all()}
    calendar, today = load_calendar(connection), beijing_today()
    total = calendar.add_working_days(plan.issued_on, plan.total_limit_working_days)
    type_zh, type_en = PROJECT_TYPES[plan.project_type]
    return {
        "project_code": project.project_code, "name": project.name, "issued_on": plan.issued_on.isoformat(),
        "issued_by": plan.issued_by, "project_type": plan.project_type, "project_type_zh": type_zh,
        "project_type_en": type_en, "project_unit": project.applicant_organisation,
        "clock_started_on": plan.issued_on.isoformat(),
        "total": {"investment_category": plan.investment_category,
                  "limit_working_days": plan.total_limit_working_days, "due": total.due.isoformat(),
                  **provisional_fields(total.years_without_data)},
        "tasks": [_task_dict(t, plan.issued_on, project.applicant_organisation, items.get(t.item_type), calendar,
                             today) for t in tasks],
    }
