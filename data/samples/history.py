"""A year of history for the sample projects (样例项目的一年历程): codes, approvals, progress, warnings, a draw.

The sample proposals marked ``approved`` are taken to their code on days spread over the past year, and
what follows the code is replayed day by day through the platform's own functions
(:func:`projects.clock.replaying`), so every rule checks each date as it would have on the day: approval
items (审批事项) accepted, suspended (暂停计时), resumed and decided along the four stages, monthly progress
reports (进度填报) with their annual investment, the NDRC's plans and key-project levels. Then the NDRC scans
for anomalies (异常预警) and publishes a double-random inspection draw (双随机抽查), and investors register
interest (意向登记) in open parcels, and project units commission service providers in the intermediary hall
(:mod:`data.samples.hall`).

Reproducible: every date and figure comes from the sample seed and the day of the load (the history ends
the day before it), with :class:`random.Random` seeded by text, so two loads on one day plan the same
history; a load finds what an earlier one made and adds nothing. The plan (:func:`plan_history`) is pure;
:func:`replay_project` and :func:`replay_city` carry it out.

What is invented, because no real data can give it: the timing of every step, document numbers in the
form Xiamen's departments use (厦…〔年〕号, serials made up), investment figures drawn around each sample's
total, inspectors' and investors' names (common Chinese names, no one we know of), and e-mail addresses
under ``example.com`` (RFC 2606), so no contact reaches anyone. Roles are assigned so that every situation
a supervisor meets is there: overdue and suspended items, a completed project, a project far past its
planned completion, one that stopped reporting, an implausible investment jump, a cumulative investment
above the total, and a site drifting from the coded one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from random import Random
from typing import Any

import shapely
import shapely.affinity
import shapely.geometry
from sqlalchemy import Connection, text

from data.samples.hall import replay_hall
from layers.departments import Department
from projects.accounts import Account
from projects.clock import BEIJING, replaying
from projects.parcels import InterestInput, register_interest
from projects.sites import Site, prepare_site
from projects.supervision.anomalies import act_on_warning, list_warnings, scan
from projects.supervision.inspections import add_inspector, draw
from projects.supervision.items import decide_item, open_item, resume_item, suspend_item
from projects.supervision.progress import ReportInput, set_plan, submit_report
from projects.supervision.stages import ITEM_TYPES
from projects.supervision.workdays import WorkingCalendar, load_calendar

from .windows import window_history

HISTORY_DAYS = 350
"""The oldest sample code is about this many days before the load."""
NEWEST_DAYS = 20
"""The newest sample code is about this many days before the load."""
DRAW_SEED_PREFIX = "samples-"
"""The published seed of the sample draw starts so; a load that finds such a draw has made the city's part."""

# The approval path of a construction project, in order: item type, working days the applicant takes
# before applying (from the decision of the item it follows), and the item it follows (None: the code).
_PATH: tuple[tuple[str, tuple[int, int], str | None], ...] = (
    ("project_approval", (1, 3), None),
    ("site_selection_opinion", (2, 6), "project_approval"),
    ("eia_approval", (2, 6), "project_approval"),
    ("land_use_planning_permit", (2, 5), "site_selection_opinion"),
    ("engineering_planning_permit", (8, 20), "land_use_planning_permit"),
    ("construction_drawing_review", (10, 25), "engineering_planning_permit"),
    ("construction_permit", (2, 5), "construction_drawing_review"),
)
_AFTER_COMPLETION: tuple[tuple[str, tuple[int, int]], ...] = (
    ("planning_verification", (3, 8)), ("completion_acceptance", (2, 6)))

_NUMBER_FORMS = {
    "project_approval": "厦发改审批〔{y}〕{n}号", "site_selection_opinion": "厦资源规划选〔{y}〕{n}号",
    "eia_approval": "厦环审〔{y}〕{n}号", "land_use_planning_permit": "厦资源规划地〔{y}〕{n}号",
    "engineering_planning_permit": "厦资源规划建〔{y}〕{n}号", "construction_drawing_review": "厦建审〔{y}〕{n}号",
    "construction_permit": "厦建施许〔{y}〕{n}号", "planning_verification": "厦资源规划核〔{y}〕{n}号",
    "completion_acceptance": "厦建竣备〔{y}〕{n}号",
}
"""Document numbers (文号) by item type: the department's abbreviation, the year and a serial."""

_SUSPENSIONS = {
    "eia_approval": ("expert_review", "组织专家技术评审"),
    "site_selection_opinion": ("supplement", "补正用地红线图及勘测定界报告"),
    "land_use_planning_permit": ("supplement", "补正土地出让合同"),
    "engineering_planning_permit": ("public_notice", "规划方案批前公示"),
    "construction_drawing_review": ("supplement", "按审查意见修改施工图"),
    "construction_permit": ("supplement", "补正施工合同及监理合同"),
    "project_approval": ("expert_review", "组织专家评审可行性研究报告"),
}
"""The legal ground (projects.supervision.grounds) and reason each kind of item stops its clock on, when it does."""

_CONDITIONS = {
    "eia_approval": "施工期落实扬尘和噪声防治措施",
    "engineering_planning_permit": "建筑退让道路红线不少于8米",
    "construction_drawing_review": "按审查意见补充消防设计专篇",
}
"""The condition of an approval granted with conditions (有条件通过), by item type."""

# Roles by age rank (0 = oldest code): which situation each project shows. Items are held overdue or
# suspended on projects still on their approval path (coded in the last half year).
_OVERDUE = {7, 10, 12}
_SUSPENDED = {9, 11, 13}
_OVER_TOTAL = 0  # the completed one: its final account above the budget (决算超概算)
_LATE_COMPLETION = 1
_INVESTMENT_JUMP = 2
_NO_REPORT = 4
_SITE_DRIFT = 8
_NO_REPORT_MONTHS = 5
_KEY_LEVELS = ("provincial", "municipal", "municipal")
"""Key-project levels of the three largest projects, largest first."""

_INSPECTORS: tuple[tuple[str, Department | None, str | None], ...] = (
    ("陈志明", Department.NATURAL_RESOURCES, None), ("林海燕", Department.NATURAL_RESOURCES, None),
    ("黄建国", Department.ECOLOGY_ENVIRONMENT, None), ("吴晓峰", Department.ECOLOGY_ENVIRONMENT, None),
    ("郑丽娟", Department.WATER, None), ("王振华", Department.LAND_ACQUISITION, None),
    ("李静怡", Department.CONSTRUCTION, None), ("张伟强", Department.CONSTRUCTION, None),
    ("刘晨曦", Department.NDRC, None), ("许文博", None, "厦门市统计局"), ("高秀英", None, "厦门市应急管理局"),
    ("方立新", None, "厦门市市场监督管理局"), ("蔡雅琴", None, "厦门市投资项目评审中心"),
)
"""The inspector pool (执法检查人员库): names are common ones, made up. Inspectors of a department with an
item of a project are barred from it, so bodies with no approval items are in the pool too; the last
declares a link to one sample applicant (a conflict of interest)."""

_INVESTORS = ("鹭澜", "海晟", "筼川", "同瑞", "翔锐", "集鑫", "沧恒", "禾润", "岚屿", "凤屿", "榕泽", "星澜")
_CONTACTS = (("陈", "chen"), ("林", "lin"), ("黄", "huang"), ("张", "zhang"), ("吴", "wu"), ("郑", "zheng"))
_USES = {"07": "人才公寓及配套商业", "08": "民办学校及社区服务设施", "09": "商业办公综合体", "10": "智能制造生产基地",
         "11": "冷链仓储物流中心", "12": "公交首末站及停车设施", "13": "分布式能源站", "14": "城市公园及运动场地"}
"""What an investor says it would build, by the parcel's first-level land-use class."""


@dataclass(frozen=True)
class Suspension:
    """A stopped clock: from ``start`` (a working day) to ``end`` (None while it lasts)."""

    start: dt.date
    end: dt.date | None
    ground: str
    reason: str


@dataclass(frozen=True)
class ItemPlan:
    """One approval item: accepted, decided (None: still open) with its result and document number."""

    item_type: str
    accepted_on: dt.date
    decided_on: dt.date | None
    result: str = "approved"
    suspensions: tuple[Suspension, ...] = ()


@dataclass(frozen=True)
class ReportPlan:
    """One monthly progress report (万元, %)."""

    period: dt.date
    reported_on: dt.date
    cumulative_wan: float
    visual_progress_pct: float
    annual_planned_wan: float
    annual_actual_wan: float
    actual_start: dt.date | None = None
    actual_completion: dt.date | None = None
    note: str | None = None
    site_shift_m: float | None = None
    """The reported site is the coded site moved this far east (m): surveyed otherwise than coded."""


@dataclass(frozen=True)
class ProjectPlan:
    """What happens to one sample project: submitted, coded, its plan, its items and its reports."""

    name: str
    rank: int
    submitted_on: dt.date
    coded_on: dt.date
    planned_start: dt.date
    planned_completion: dt.date
    key_level: str | None
    items: tuple[ItemPlan, ...]
    reports: tuple[ReportPlan, ...]


def document_number(item_type: str, day: dt.date, rank: int) -> str:
    """The number of the document an item issues: the serial is unique per project (its age rank)."""
    return _NUMBER_FORMS[item_type].format(y=day.year, n=101 + 10 * rank + list(ITEM_TYPES).index(item_type))


def moment(day: dt.date, minutes: int = 0) -> dt.datetime:
    """The moment an action of ``day`` is replayed at: office hours in Beijing time."""
    return dt.datetime.combine(day, dt.time(9, 30), BEIJING) + dt.timedelta(minutes=minutes)


def _working_day_on_or_after(calendar: WorkingCalendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _add(calendar: WorkingCalendar, day: dt.date, working_days: int) -> dt.date:
    return calendar.add_working_days(day, working_days).due


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from ``first``'s to ``last``'s."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _decision(rng: Random, calendar: WorkingCalendar, item_type: str, accepted: dt.date,
              suspended: bool) -> tuple[dt.date, tuple[Suspension, ...]]:
    """When an item is decided: mostly within its limit, now and then late; some stop their clock a while."""
    limit = ITEM_TYPES[item_type].default_limit
    share = rng.uniform(1.1, 1.6) if rng.random() < 0.15 else rng.uniform(0.3, 0.95)
    working = max(1, round(limit * share))
    if not suspended:
        return _add(calendar, accepted, working), ()
    before = rng.randint(1, max(1, working - 1))
    start = _add(calendar, accepted, before)
    end = _add(calendar, start, rng.randint(4, 12))
    ground, reason = _SUSPENSIONS[item_type]
    return _add(calendar, end, working - before), (Suspension(start, end, ground, reason),)


def _natural_items(rng: Random, calendar: WorkingCalendar, coded_on: dt.date,
                   build_months: int) -> tuple[list[ItemPlan], dt.date, dt.date]:
    """The path as it would run unhindered: items, the actual start and the actual completion."""
    items: dict[str, ItemPlan] = {}
    for item_type, (lo, hi), follows in _PATH:
        ready = coded_on if follows is None else items[follows].decided_on
        assert ready is not None
        accepted = _add(calendar, ready, rng.randint(lo, hi))
        decided, suspensions = _decision(rng, calendar, item_type, accepted, rng.random() < 0.2)
        result = "approved_with_conditions" if item_type in _CONDITIONS and rng.random() < 0.3 else "approved"
        items[item_type] = ItemPlan(item_type, accepted, decided, result, suspensions)
    permit = items["construction_permit"].decided_on
    assert permit is not None
    start = _working_day_on_or_after(calendar, permit + dt.timedelta(days=rng.randint(5, 15)))
    done = _working_day_on_or_after(calendar, start + dt.timedelta(days=round(30.4 * build_months)))
    ready = done
    for item_type, (lo, hi) in _AFTER_COMPLETION:
        accepted = _add(calendar, ready, rng.randint(lo, hi))
        decided, _ = _decision(rng, calendar, item_type, accepted, False)
        items[item_type] = ItemPlan(item_type, accepted, decided)
        ready = decided
    return list(items.values()), start, done


def _as_of(items: list[ItemPlan], last: dt.date) -> list[ItemPlan]:
    """The items as they stand at the end of ``last``: later ones left out, later decisions still open."""
    kept = []
    for item in items:
        if item.accepted_on > last:
            continue
        suspensions = tuple(s if s.end is None or s.end <= last else replace(s, end=None)
                            for s in item.suspensions if s.start <= last)
        if item.decided_on is not None and item.decided_on > last:
            item = replace(item, decided_on=None, result="")
        kept.append(replace(item, suspensions=suspensions))
    return kept


def _hold(items: list[ItemPlan], held: ItemPlan, suspension: Suspension | None) -> list[ItemPlan]:
    """``held`` stays open (suspended if given) and the path stops there: nothing is accepted after it."""
    return [replace(held, decided_on=None, result="", suspensions=(suspension,) if suspension else ())
            if item is held else item
            for item in items if item is held or item.accepted_on <= held.accepted_on]


def _with_role(rng: Random, calendar: WorkingCalendar, items: list[ItemPlan], rank: int,
               last: dt.date) -> list[ItemPlan]:
    """Make the project's latest fitting item overdue or suspended when its role asks for it."""
    if rank in _OVERDUE:
        late = [i for i in items if _add(calendar, i.accepted_on, ITEM_TYPES[i.item_type].default_limit + 2) <= last]
        if late:
            return _hold(items, late[-1], None)
    if rank in _SUSPENDED:
        fits = [i for i in items if _add(calendar, i.accepted_on, 4) <= last]
        if fits:
            held = fits[-1]
            start = _add(calendar, held.accepted_on, rng.randint(1, 3))
            ground, reason = _SUSPENSIONS.get(held.item_type, ("supplement", "补正申请材料"))
            return _hold(items, held, Suspension(start, None, ground, reason))
    return items


def _reports(rng: Random, rank: int, total: float, coded_on: dt.date, start: dt.date | None, end: dt.date,
             last: dt.date) -> list[ReportPlan]:
    """Monthly reports from the code's month: preparation costs (前期费用), then construction from ``start``
    (None: not started) to ``end`` along a smooth curve; the last is the month completed by ``end``."""
    prep_share = rng.uniform(0.03, 0.08)
    finish_share = rng.uniform(0.96, 1.0)

    def planned_share(day: dt.date) -> float:
        """Share of the total invested by ``day``."""
        if start is None or day < start:
            return prep_share * min(1.0, max((day - coded_on).days, 0) / 120)
        if day >= end:
            return finish_share
        x = (day - start).days / max((end - start).days, 1)
        return prep_share + (finish_share - prep_share) * (3 * x * x - 2 * x ** 3)

    months = [m for m in _months(coded_on, last) if (m + dt.timedelta(days=40)).replace(day=8) <= last]
    if rank == _NO_REPORT:
        months = months[:max(1, len(months) - _NO_REPORT_MONTHS)]
    jump = months[-3] if rank == _INVESTMENT_JUMP and len(months) >= 3 else None
    reports: list[ReportPlan] = []
    year_start: dict[int, float] = {}
    cumulative = 0.0
    for period in months:
        month_end = (period + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        year_start.setdefault(period.year, cumulative)
        target = total * planned_share(month_end) * rng.uniform(0.97, 1.02)
        note = None
        if jump is not None and period >= jump:
            target += 0.55 * total  # the land premium paid at once: a jump the scan should question
            note = "本月一次性缴清土地出让价款" if period == jump else None
        cumulative = max(cumulative, round(min(target, total), -1))
        started = start is not None and start <= month_end
        completed = started and end <= month_end
        if completed:
            pct = 100.0
        elif started:
            assert start is not None
            pct = float(round(100 * (month_end - start).days / max((end - start).days, 1)))
        else:
            pct = 0.0
        year_plan = total * (planned_share(dt.date(period.year, 12, 31)) - planned_share(dt.date(period.year, 1, 1)))
        reports.append(ReportPlan(
            period, month_end + dt.timedelta(days=rng.randint(3, 8)), cumulative, min(pct, 100.0),
            round(year_plan, -1), round(cumulative - year_start[period.year], -1),
            actual_start=start if started else None, actual_completion=end if completed else None, note=note))
        if completed:
            break
    if rank == _OVER_TOTAL and reports:  # a design change the budget (概算) has not caught up with
        over = round(total * 1.04, -1)
        latest = reports[-1]
        reports[-1] = replace(latest, cumulative_wan=over, note="竣工结算超出批复概算，概算调整待批",
                              annual_actual_wan=round(over - year_start[latest.period.year], -1))
    if rank == _SITE_DRIFT and reports:
        reports[-1] = replace(reports[-1], site_shift_m=40.0, note="现场测量用地范围")
    return reports


def plan_history(seed: int, today: dt.date, projects: list[Mapping[str, Any]],
                 calendar: WorkingCalendar) -> list[ProjectPlan]:
    """The history of each sample project to code (``name``, ``total_investment_wan``), ending yesterday.

    Codes are spread from about :data:`HISTORY_DAYS` to :data:`NEWEST_DAYS` days ago, the smallest project
    oldest (so that it can be completed within the year); roles go by age (see the module docstring).
    """
    if not projects:
        return []
    last = today - dt.timedelta(days=1)
    order = sorted(projects, key=lambda p: Random(f"{seed}:order:{p['name']}").random())
    smallest = min(order, key=lambda p: float(p["total_investment_wan"]))
    order.remove(smallest)
    order.insert(0, smallest)
    largest = sorted(order, key=lambda p: -float(p["total_investment_wan"]))[:len(_KEY_LEVELS)]
    plans = []
    for rank, project in enumerate(order):
        rng = Random(f"{seed}:history:{project['name']}")
        total = float(project["total_investment_wan"])
        spread = (HISTORY_DAYS - NEWEST_DAYS) * (len(order) - 1 - rank) / max(len(order) - 1, 1)
        coded_on = _working_day_on_or_after(
            calendar, last - dt.timedelta(days=round(NEWEST_DAYS + spread) + rng.randint(-4, 4)))
        coded_on = min(coded_on, last)
        submitted_on = _working_day_on_or_after(calendar, coded_on - dt.timedelta(days=rng.randint(15, 30)))
        # The oldest, smallest project is built within four months, so that the year sees one completed.
        build_months = 4 if rank == 0 else max(5, min(30, round(total / 2500)))
        if rank == _LATE_COMPLETION:
            build_months = max(build_months, 18)
        items, start, done = _natural_items(rng, calendar, coded_on, build_months)
        items = _with_role(rng, calendar, _as_of(items, last), rank, last)
        permit = next((i for i in items if i.item_type == "construction_permit" and i.decided_on), None)
        started = start if permit is not None and start <= last else None
        planned_start = coded_on + dt.timedelta(days=rng.randint(90, 150))
        planned_completion = planned_start + dt.timedelta(days=round(30.4 * build_months) + rng.randint(0, 60))
        if rank == _LATE_COMPLETION:  # planned as a quick job, still not finished half a year after the plan
            planned_start = coded_on + dt.timedelta(days=30)
            planned_completion = min(planned_start + dt.timedelta(days=90), last - dt.timedelta(days=190))
        plans.append(ProjectPlan(
            name=project["name"], rank=rank, submitted_on=submitted_on, coded_on=coded_on,
            planned_start=planned_start, planned_completion=max(planned_completion, planned_start),
            key_level=_KEY_LEVELS[largest.index(project)] if project in largest else None,
            items=tuple(items), reports=tuple(_reports(rng, rank, total, coded_on, started, done, last))))
    return plans


# --- carrying the plan out through the platform's functions ------------------------------------------------

def _department_account(accounts: Mapping[str, Account], item_type: str) -> Account:
    department = ITEM_TYPES[item_type].department
    return accounts["ndrc"] if department is Department.NDRC else accounts[f"dept-{department.value}"]


def _shifted_site(geometry: Mapping[str, Any], metres: float) -> Site:
    """The site moved ``metres`` east (at its latitude), as a surveyed site that is not the coded one."""
    shape = shapely.geometry.shape(geometry)
    dx = metres / (111_320 * math.cos(math.radians(shape.centroid.y)))
    return prepare_site(shapely.geometry.mapping(shapely.affinity.translate(shape, xoff=dx)), "EPSG:4326")


def replay_project(connection: Connection, plan: ProjectPlan, code: str, owner: Account,
                   accounts: Mapping[str, Account], geometry: Mapping[str, Any]) -> None:
    """Everything after the code of one project, each step on its own day."""
    with replaying(moment(plan.coded_on, 30)):
        set_plan(connection, accounts["ndrc"], code, key_level=plan.key_level, planned_start=plan.planned_start,
                 planned_completion=plan.planned_completion)
    for item in plan.items:
        actor = _department_account(accounts, item.item_type)
        with replaying(moment(item.accepted_on, 10)):
            opened = open_item(connection, actor, item_type_key=item.item_type, accepted_on=item.accepted_on,
                               project_code=code)
        for suspension in item.suspensions:
            with replaying(moment(suspension.start, 60)):
                suspend_item(connection, actor, opened["id"], suspended_on=suspension.start,
                             ground=suspension.ground, reason=suspension.reason)
            if suspension.end is not None:
                with replaying(moment(suspension.end, 60)):
                    resume_item(connection, actor, opened["id"], resumed_on=suspension.end)
        if item.decided_on is not None:
            with replaying(moment(item.decided_on, 300)):
                decide_item(connection, actor, opened["id"], decided_on=item.decided_on, result=item.result,
                            document_number=document_number(item.item_type, item.decided_on, plan.rank))
    for report in plan.reports:
        with replaying(moment(report.reported_on, 90)):
            submit_report(connection, owner, code, ReportInput(
                period=f"{report.period:%Y-%m}", cumulative_wan=Decimal(str(report.cumulative_wan)),
                visual_progress_pct=Decimal(str(report.visual_progress_pct)),
                actual_start=report.actual_start, actual_completion=report.actual_completion,
                annual_planned_wan=Decimal(str(report.annual_planned_wan)),
                annual_actual_wan=Decimal(str(report.annual_actual_wan)), note=report.note,
                site=_shifted_site(geometry, report.site_shift_m) if report.site_shift_m else None))


def city_done(connection: Connection) -> bool:
    """Whether an earlier load made the city's part of the history (the sample draw is published)."""
    return connection.execute(
        text("SELECT EXISTS (SELECT 1 FROM inspection_draws WHERE seed LIKE :p)"), {"p": f"{DRAW_SEED_PREFIX}%"}
    ).scalar_one()


def replay_city(connection: Connection, seed: int, today: dt.date, accounts: Mapping[str, Account],
                parcels: list[Mapping[str, Any]], linked_credit_code: str | None) -> dict[str, int]:
    """The NDRC's part after the projects' histories, and the investors': the joint feasibility reviews
    (:mod:`.feasibility_history`), interests registered over the year, the inspector pool, an anomaly scan
    as of today with one warning sent for inspection, this quarter's published draw, and a few applications
    accepted at district windows. Returns counts for the load's report."""
    # Imported here: the reviews' history replays its days with this module's moment().
    from .feasibility_history import replay_feasibility_reviews

    ndrc = accounts["ndrc"]
    rng = Random(f"{seed}:city")
    reviews = replay_feasibility_reviews(connection, accounts, load_calendar(connection),
                                         today - dt.timedelta(days=1))
    on_offer = [p for p in parcels if p["availability"] != "transferred"]
    interests = 0
    for day_back in sorted(rng.sample(range(5, HISTORY_DAYS), 14), reverse=True):
        parcel = on_offer[rng.randrange(len(on_offer))]
        family, spelling = _CONTACTS[rng.randrange(len(_CONTACTS))]
        with replaying(moment(today - dt.timedelta(days=day_back), rng.randint(0, 400))):
            register_interest(connection, parcel["parcel_code"], InterestInput(
                organisation=f"厦门{rng.choice(_INVESTORS)}投资发展有限公司", contact_name=f"{family}先生",
                intended_use=_USES.get(str(parcel["landuse_code"])[:2], "产业项目"),
                email=f"{spelling}.{rng.randint(10, 99)}@example.com"))
        interests += 1
    known = set(connection.execute(text("SELECT name FROM inspectors")).scalars())
    for name, department, organisation in _INSPECTORS:
        if name not in known:
            linked = name == _INSPECTORS[-1][0] and linked_credit_code
            add_inspector(connection, ndrc, name=name, department=department.value if department else None,
                          organisation=organisation or (f"厦门市{department.name_zh}" if department else None),
                          linked_credit_codes=[linked_credit_code] if linked and linked_credit_code else [])
    new = scan(connection, ndrc, today)["new"]
    stalled = next((w for w in list_warnings(connection, ndrc, status="open") if w["kind"] == "no_report"), None)
    if stalled is not None:
        act_on_warning(connection, ndrc, stalled["id"], "inspect", "长期未填报进度，安排现场核查")
    quarter = (today.month - 1) // 3 + 1
    # written in both languages, as layer names are: each page shows its half
    published = draw(connection, ndrc, title=f"{today.year}年第{quarter}季度投资项目“双随机、一公开”抽查 "
                                             f"Random inspection of investment projects, {today.year} Q{quarter}",
                     target_count=5, inspectors_per_target=2,
                     seed=f"{DRAW_SEED_PREFIX}{seed}-{today.year}Q{quarter}")
    window_history(connection, seed, today, accounts)
    hall = replay_hall(connection, seed, today, accounts)
    return {"interests": interests, "warnings": len(new), "draw_targets": len(published["result"]),
            "feasibility_reviews": reviews, "hall_providers": hall["providers"],
            "hall_commissions": hall["commissions"]}
