"""Commissions (中介服务委托) of the intermediary hall: a project unit posts a commission for a service type
on its coded project, chooses a provider — directly, or by a seeded random draw among the eligible ones —, the
provider accepts and delivers within its time limit, and the unit rates the result (1–5 with a comment).

Rules: only the unit owning the coded project (项目单位) posts, chooses and rates; only the chosen provider's
account (same unified social credit code) accepts and delivers; each step happens once and in that order, on
the day it is recorded (Beijing time). A provider outside the service type, without a valid qualification for
it, or on the credit blacklist is refused (:class:`~projects.hall.providers.ProviderNotEligibleError`), by
direct choice and as a draw candidate alike.

The draw: the candidates are the ids of every provider eligible that day, ascending; the provider is
``random.Random(seed).choice(candidates)`` with the seed as a text string (CPython seeds a string through
SHA-512, the same on every platform and version since 3.2). Seed and candidates are stored and shown, so
anyone can draw again and get the same provider.

The clock: the provider's limit is in working days (工作日, :mod:`projects.supervision.workdays`) from the day
it is chosen (委托之日) to delivery, provisional when the due date falls in a year without holiday data. The
commission time of a project (中介服务用时) is the working days on which at least one of its commissions was
with a provider; it is reported beside, never inside, the departments' time (部门审批用时, the working days
with an approval item under way: :func:`projects.supervision.clocks.total_clock`). A day on which both run
counts in each.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.messages import Message, Text, phrases
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, require_role
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.hall.providers import eligible_ids, provider_of_account, require_eligible, service_type
from projects.hall.service_types import SERVICE_TYPES
from projects.supervision.clocks import ItemTimes, item_clock, total_clock
from projects.supervision.coded import code_start, coded_project, valid_code
from projects.supervision.errors import SupervisionConflictError, SupervisionInputError
from projects.supervision.items import item_rows, item_times
from projects.supervision.workdays import WorkingCalendar, load_calendar, provisional_fields

MAX_LIMIT_WORKING_DAYS = 250
DRAW_METHOD = "random.Random(seed).choice(sorted(candidate provider ids))"

phrases(
    "commission",
    own_project=Text("只有该项目的项目单位可以{action}", "only the project's own unit may do {action}"),
    limit=Text("请填写1至{most}个工作日的服务时限", "give a time limit of 1 to {most} working days"),
    no_commission=Text("没有编号为{id}的中介服务委托。", "There is no commission {id}."),
    choose_one=Text("请指定一家中介服务机构，或选择随机抽取（二者择一）",
                    "name one provider, or ask for a random draw (one of the two)"),
    no_candidates=Text("目前没有可承接“{type}”的中介服务机构（须具备有效资质且未列入信用黑名单）",
                       "no provider can be commissioned for {type} now (a valid qualification and no blacklisting "
                       "are needed)"),
    state=Text("委托{id}当前为“{status}”，不能{action}", "commission {id} is {status}, so {action} is not possible"),
    not_chosen_provider=Text("委托{id}选定的是其他中介服务机构", "commission {id} went to another provider"),
    no_provider_account=Text("该账号的统一社会信用代码未登记为中介服务机构",
                             "this account's credit code is registered as no service provider"),
    delivery_note=Text("请说明提交的成果，如报告名称与编号",
                       "say what is delivered, e.g. the report's title and number"),
    rating=Text("评分须为1至5的整数", "the rating is a whole number from 1 to 5"),
    rating_comment=Text("请填写评价意见", "give a comment with the rating"),
)

STATUS_NAMES: dict[str, Text] = {
    "posted": Text("待选取机构", "awaiting a provider"),
    "chosen": Text("待机构接受", "awaiting acceptance"),
    "accepted": Text("服务中", "in service"),
    "delivered": Text("待评价", "delivered, awaiting rating"),
    "rated": Text("已评价", "rated"),
}
"""A commission's steps, in order."""

_ACTIONS = {
    "choose": Text("选取中介服务机构", "choosing a provider"),
    "accept": Text("接受委托", "accepting the commission"),
    "deliver": Text("提交成果", "delivering"),
    "rate": Text("评价", "rating"),
    "post": Text("发布委托", "posting a commission"),
}

_COLUMNS = ("c.id, c.proposal_id, c.service_type, c.description, c.limit_working_days, c.posted_on, c.provider_id, "
            "c.chosen_how, c.seed, c.candidates, c.chosen_on, c.accepted_on, c.delivered_on, c.delivery_note, "
            "c.rating, c.rating_comment, c.rated_on, p.project_code, p.name AS project_name, p.owner_id, "
            "s.name AS provider_name, s.credit_code AS provider_credit_code, s.sample AS provider_sample")
_FROM = ("FROM commissions c JOIN proposals p ON p.id = c.proposal_id "
         "LEFT JOIN service_providers s ON s.id = c.provider_id")


def draw_provider(seed: str, candidates: Iterable[int]) -> int:
    """The provider a draw picks: the same seed and candidates always give the same one."""
    return random.Random(seed).choice(sorted(candidates))


def status_of(row: Row[Any]) -> str:
    """Which step a commission has reached (a key of :data:`STATUS_NAMES`)."""
    if row.rated_on is not None:
        return "rated"
    if row.delivered_on is not None:
        return "delivered"
    if row.accepted_on is not None:
        return "accepted"
    return "chosen" if row.provider_id is not None else "posted"


def _times(row: Row[Any]) -> ItemTimes:
    """What the provider's clock needs: from the day it was chosen to its delivery."""
    return ItemTimes(row.service_type, row.chosen_on, row.limit_working_days, row.delivered_on, None)


def post_commission(connection: Connection, actor: Account | None, *, project_code: str, service_type_key: str,
                    description: str | None = None, limit_working_days: int | None = None) -> dict[str, Any]:
    """Post a commission for a service type on the unit's own coded project (委托)."""
    require_role(actor, Role.APPLICANT, action=_ACTIONS["post"], admin_may=False)
    assert actor is not None
    kind = service_type(service_type_key)
    project = coded_project(connection, actor, project_code, lock=True)
    if project.owner_id != actor.id:
        raise AccessDeniedError(Message("commission.own_project", action=_ACTIONS["post"]))
    code = valid_code(project.project_code, what=Message("coded.project", id=project.id))
    today = beijing_today()
    if today < code_start(code):
        raise SupervisionInputError("project_code", Message("supervision.before_code", day=today.isoformat(),
                                                            code=code.text))
    limit = kind.default_limit_working_days if limit_working_days is None else limit_working_days
    if not 1 <= limit <= MAX_LIMIT_WORKING_DAYS:
        raise SupervisionInputError("limit_working_days", Message("commission.limit", most=MAX_LIMIT_WORKING_DAYS))
    commission_id = connection.execute(
        text("INSERT INTO commissions (proposal_id, service_type, description, limit_working_days, posted_on, "
             f"posted_by, created_at) VALUES (:p, :t, :d, :l, :on, :by, {NOW_SQL}) RETURNING id"),
        {"p": project.id, "t": kind.key, "d": (description or "").strip() or None, "l": limit,
         "on": today, "by": actor.id, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="commission_post", proposal_id=project.id,
                 after={"commission_id": commission_id, "service_type": kind.key, "limit_working_days": limit})
    return commission_detail(connection, actor, commission_id)


def _visible(connection: Connection, actor: Account | None, row: Row[Any]) -> bool:
    if actor is None:
        return False
    if actor.role in (Role.ADMIN, Role.NDRC, Role.DEPARTMENT):
        return True
    if actor.role is Role.APPLICANT:
        return row.owner_id == actor.id
    provider = provider_of_account(connection, actor) if actor.role is Role.PROVIDER else None
    return provider is not None and row.provider_id == provider.id


def _load(connection: Connection, actor: Account | None, commission_id: int, *, lock: bool = False) -> Row[Any]:
    row = connection.execute(
        text(f"SELECT {_COLUMNS} {_FROM} WHERE c.id = :id" + (" FOR UPDATE OF c" if lock else "")),
        {"id": commission_id}).one_or_none()
    if row is None or not _visible(connection, actor, row):
        raise NotFoundError(Message("commission.no_commission", id=commission_id))
    return row


def _require_state(row: Row[Any], expected: str, action: str) -> None:
    status = status_of(row)
    if status != expected:
        raise SupervisionConflictError(Message("commission.state", id=row.id, status=STATUS_NAMES[status],
                                               action=_ACTIONS[action]), commission_status=status)


def _require_owner(actor: Account | None, row: Row[Any], action: str) -> Account:
    require_role(actor, Role.APPLICANT, action=_ACTIONS[action], admin_may=False)
    assert actor is not None
    if row.owner_id != actor.id:
        raise AccessDeniedError(Message("commission.own_project", action=_ACTIONS[action]))
    return actor


def _require_chosen_provider(connection: Connection, actor: Account | None, row: Row[Any], action: str) -> Account:
    require_role(actor, Role.PROVIDER, action=_ACTIONS[action], admin_may=False)
    assert actor is not None
    provider = provider_of_account(connection, actor)
    if provider is None:
        raise AccessDeniedError(Message("commission.no_provider_account"))
    if provider.id != row.provider_id:
        raise AccessDeniedError(Message("commission.not_chosen_provider", id=row.id))
    return actor


def choose_provider(connection: Connection, actor: Account | None, commission_id: int, *,
                    provider_id: int | None = None, draw: bool = False, seed: str | None = None) -> dict[str, Any]:
    """Give the commission to ``provider_id`` (direct choice, 直接选取) or to the provider a seeded random
    draw picks among the eligible ones (随机抽取); the provider's clock starts today."""
    row = _load(connection, actor, commission_id, lock=True)
    _require_owner(actor, row, "choose")
    _require_state(row, "posted", "choose")
    if draw == (provider_id is not None):
        raise SupervisionInputError("provider_id", Message("commission.choose_one"))
    kind = SERVICE_TYPES[row.service_type]
    today = beijing_today()
    candidates: list[int] | None = None
    if draw:
        seed = seed.strip() if seed and seed.strip() else secrets.token_hex(8)
        if len(seed) > 200:
            raise SupervisionInputError("seed", Message("supervision.seed"))
        candidates = eligible_ids(connection, kind, today)
        if not candidates:
            raise SupervisionConflictError(Message("commission.no_candidates", type=Text(kind.name.zh, kind.name.en)))
        provider_id = draw_provider(seed, candidates)
    else:
        seed = None
    assert provider_id is not None
    require_eligible(connection, provider_id, kind, today)
    connection.execute(
        text("UPDATE commissions SET provider_id = :pr, chosen_how = :how, seed = :seed, candidates = :cand, "
             "chosen_on = :on WHERE id = :id"),
        {"pr": provider_id, "how": "draw" if draw else "direct", "seed": seed, "cand": candidates, "on": today,
         "id": commission_id})
    audit.record(connection, actor=actor, action="commission_choose", proposal_id=row.proposal_id,
                 after={"commission_id": commission_id, "provider_id": provider_id, "how": "draw" if draw else "direct",
                        "seed": seed, "candidates": candidates})
    return commission_detail(connection, actor, commission_id)


def accept_commission(connection: Connection, actor: Account | None, commission_id: int) -> dict[str, Any]:
    """The chosen provider accepts the commission (接受委托)."""
    row = _load(connection, actor, commission_id, lock=True)
    _require_chosen_provider(connection, actor, row, "accept")
    _require_state(row, "chosen", "accept")
    connection.execute(text("UPDATE commissions SET accepted_on = :on WHERE id = :id"),
                       {"on": beijing_today(), "id": commission_id})
    audit.record(connection, actor=actor, action="commission_accept", proposal_id=row.proposal_id,
                 after={"commission_id": commission_id})
    return commission_detail(connection, actor, commission_id)


def deliver_commission(connection: Connection, actor: Account | None, commission_id: int, note: str) -> dict[str, Any]:
    """The provider delivers its result (提交成果); its clock stops today."""
    row = _load(connection, actor, commission_id, lock=True)
    _require_chosen_provider(connection, actor, row, "deliver")
    _require_state(row, "accepted", "deliver")
    if not note or not note.strip():
        raise SupervisionInputError("note", Message("commission.delivery_note"))
    connection.execute(text("UPDATE commissions SET delivered_on = :on, delivery_note = :n WHERE id = :id"),
                       {"on": beijing_today(), "n": note.strip(), "id": commission_id})
    audit.record(connection, actor=actor, action="commission_deliver", proposal_id=row.proposal_id,
                 after={"commission_id": commission_id, "note": note.strip()})
    return commission_detail(connection, actor, commission_id)


def rate_commission(connection: Connection, actor: Account | None, commission_id: int, *, rating: int,
                    comment: str) -> dict[str, Any]:
    """The unit rates the delivered result, 1 (poor) to 5 (excellent), with a comment (服务评价)."""
    row = _load(connection, actor, commission_id, lock=True)
    _require_owner(actor, row, "rate")
    _require_state(row, "delivered", "rate")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise SupervisionInputError("rating", Message("commission.rating"))
    if not comment or not comment.strip():
        raise SupervisionInputError("comment", Message("commission.rating_comment"))
    connection.execute(text("UPDATE commissions SET rating = :r, rating_comment = :c, rated_on = :on WHERE id = :id"),
                       {"r": rating, "c": comment.strip(), "on": beijing_today(), "id": commission_id})
    audit.record(connection, actor=actor, action="commission_rate", proposal_id=row.proposal_id,
                 after={"commission_id": commission_id, "rating": rating, "comment": comment.strip()})
    return commission_detail(connection, actor, commission_id)


def _detail(connection: Connection, actor: Account | None, row: Row[Any], calendar: WorkingCalendar,
            as_of: dt.date, names: dict[int, str]) -> dict[str, Any]:
    kind = SERVICE_TYPES[row.service_type]
    status = status_of(row)
    own = actor is not None and actor.role is Role.APPLICANT and row.owner_id == actor.id
    provider_side = actor is not None and actor.role is Role.PROVIDER
    choice = None
    if row.chosen_how == "draw":
        choice = {"how": "draw", "seed": row.seed, "method": DRAW_METHOD,
                  "candidates": [{"id": i, "name": names.get(i, "")} for i in row.candidates],
                  "verified": draw_provider(row.seed, row.candidates) == row.provider_id}
    elif row.chosen_how == "direct":
        choice = {"how": "direct"}
    return {
        "id": row.id, "project_code": row.project_code, "project_name": row.project_name,
        "service_type": {"key": kind.key, "zh": kind.name.zh, "en": kind.name.en},
        "description": row.description, "limit_working_days": row.limit_working_days,
        "posted_on": row.posted_on.isoformat(), "status": status,
        "status_zh": STATUS_NAMES[status].zh, "status_en": STATUS_NAMES[status].en,
        "provider": ({"id": row.provider_id, "name": row.provider_name, "credit_code": row.provider_credit_code,
                      "sample": row.provider_sample} if row.provider_id else None),
        "choice": choice,
        "chosen_on": row.chosen_on.isoformat() if row.chosen_on else None,
        "accepted_on": row.accepted_on.isoformat() if row.accepted_on else None,
        "delivered_on": row.delivered_on.isoformat() if row.delivered_on else None,
        "delivery_note": row.delivery_note, "rating": row.rating, "rating_comment": row.rating_comment,
        "rated_on": row.rated_on.isoformat() if row.rated_on else None,
        "clock": item_clock(calendar, _times(row), as_of) if row.chosen_on else None,
        "may": {"choose": own and status == "posted", "rate": own and status == "delivered",
                "accept": provider_side and status == "chosen", "deliver": provider_side and status == "accepted"},
    }


def _names(connection: Connection, rows: list[Row[Any]]) -> dict[int, str]:
    ids = sorted({i for r in rows for i in (r.candidates or [])})
    rows = connection.execute(text("SELECT id, name FROM service_providers WHERE id = ANY(:ids)"), {"ids": ids}).all()
    return {row.id: row.name for row in rows}


def commission_detail(connection: Connection, actor: Account | None, commission_id: int,
                      as_of: dt.date | None = None) -> dict[str, Any]:
    """One commission with its provider, how it was chosen (the draw's seed and candidates) and its clock."""
    row = _load(connection, actor, commission_id)
    return _detail(connection, actor, row, load_calendar(connection), as_of or beijing_today(),
                   _names(connection, [row]))


def list_commissions(connection: Connection, actor: Account | None, *, project_code: str | None = None,
                     as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The commissions the caller may see, newest first: a unit its projects', a provider those it was chosen
    for, officials all; of one project when ``project_code`` is given."""
    require_role(actor, Role.APPLICANT, Role.PROVIDER, Role.NDRC, Role.DEPARTMENT,
                 action=Text("查看中介服务委托", "listing commissions"))
    assert actor is not None
    provider = provider_of_account(connection, actor) if actor.role is Role.PROVIDER else None
    if actor.role is Role.PROVIDER and provider is None:
        return []
    rows = connection.execute(
        text(f"SELECT {_COLUMNS} {_FROM} WHERE (CAST(:owner AS int) IS NULL OR p.owner_id = :owner) "
             "AND (CAST(:provider AS int) IS NULL OR c.provider_id = :provider) "
             "AND (CAST(:code AS text) IS NULL OR p.project_code = :code) ORDER BY c.posted_on DESC, c.id DESC"),
        {"owner": actor.id if actor.role is Role.APPLICANT else None, "provider": provider.id if provider else None,
         "code": project_code}).all()
    calendar, day, names = load_calendar(connection), as_of or beijing_today(), _names(connection, list(rows))
    return [_detail(connection, actor, row, calendar, day, names) for row in rows]


def _commission_days(calendar: WorkingCalendar, rows: Iterable[Row[Any]], as_of: dt.date) -> tuple[set[dt.date],
                                                                                                   set[int]]:
    """The working days up to ``as_of`` with a commission of ``rows`` at its provider, and years without data."""
    days: set[dt.date] = set()
    years: set[int] = set()
    for row in rows:
        if row.chosen_on is None or row.chosen_on > as_of:
            continue
        end = min(row.delivered_on or as_of, as_of)
        days.update(calendar.working_days_between(row.chosen_on, end))
        years.update(calendar.years_without_data(row.chosen_on, end))
    return days, years


def _split(connection: Connection, calendar: WorkingCalendar, project: Row[Any], rows: list[Row[Any]],
           as_of: dt.date) -> dict[str, Any]:
    """A project's working days with its departments and with its providers, side by side."""
    department = total_clock(calendar, list(item_times(connection, item_rows(connection, project.id)).values()),
                             project.investment_category, as_of)
    days, years = _commission_days(calendar, rows, as_of)
    clocks = [item_clock(calendar, _times(r), as_of) for r in rows if r.chosen_on and r.chosen_on <= as_of]
    years.update(department.get("years_without_data", []))
    return {"project_code": project.project_code, "name": project.name,
            "department_working_days": department["used_working_days"],
            "department_limit_working_days": department["limit_working_days"],
            "commission_working_days": len(days), "commissions": len(rows),
            "overdue_commissions": sum(1 for c in clocks if c["status"] in ("overdue", "late")),
            **provisional_fields(years)}


def project_times(connection: Connection, actor: Account | None, code_text: str,
                  as_of: dt.date | None = None) -> dict[str, Any]:
    """A coded project's commission time beside its departments' time, with its commissions (the project's
    supervision page)."""
    project = coded_project(connection, actor, code_text)
    as_of = as_of or beijing_today()
    rows = connection.execute(text(f"SELECT {_COLUMNS} {_FROM} WHERE c.proposal_id = :p ORDER BY c.posted_on, c.id"),
                              {"p": project.id}).all()
    calendar = load_calendar(connection)
    names = _names(connection, list(rows))
    return {"as_of": as_of.isoformat(), **_split(connection, calendar, project, list(rows), as_of),
            "items": [_detail(connection, actor, r, calendar, as_of, names) for r in rows]}


def dashboard_times(connection: Connection, actor: Account | None, as_of: dt.date | None = None) -> dict[str, Any]:
    """For the supervision dashboard (NDRC, departments): each project with commissions, its commission time
    beside its departments' time, and the commissions overdue or due soon at their providers."""
    require_role(actor, Role.NDRC, Role.DEPARTMENT, action=Text("查看中介服务用时", "reading the commission times"))
    as_of = as_of or beijing_today()
    rows = connection.execute(text(f"SELECT {_COLUMNS}, p.investment_category {_FROM} "
                                   "ORDER BY p.project_code, c.id")).all()
    calendar = load_calendar(connection)
    by_project: dict[int, list[Row[Any]]] = {}
    for row in rows:
        by_project.setdefault(row.proposal_id, []).append(row)
    projects = connection.execute(
        text("SELECT id, project_code, name, investment_category FROM proposals WHERE id = ANY(:ids) "
             "ORDER BY project_code"), {"ids": list(by_project)}).all()
    attention = []
    for row in rows:
        if row.chosen_on is None or row.delivered_on is not None or row.chosen_on > as_of:
            continue
        clock = item_clock(calendar, _times(row), as_of)
        if clock["status"] in ("overdue", "due_soon"):
            kind = SERVICE_TYPES[row.service_type]
            attention.append({"commission_id": row.id, "project_code": row.project_code,
                              "project_name": row.project_name, "provider_name": row.provider_name,
                              "service_type": kind.key, "zh": kind.name.zh, "en": kind.name.en,
                              "chosen_on": row.chosen_on.isoformat(), **clock})
    attention.sort(key=lambda c: (c["status"] != "overdue", c["due"]))
    return {"as_of": as_of.isoformat(),
            "projects": [_split(connection, calendar, p, by_project[p.id], as_of) for p in projects],
            "attention": attention}
