"""The intermediary hall's part of the sample history (网上中介大厅示例数据): six service providers and the
commissions of four sample projects, replayed through the platform's own functions on past days.

Everything about the providers is invented, because no real data can give it, and marked so: each name ends
in （示例）, each row is ``sample``, the credit codes are made up (valid in form only, GB 32100-2015) and the
one blacklisting names 示例数据 as its source. Only the districts are real: each provider's is one of
Xiamen's six GB/T 2260 district codes. Every provider has a demo login (its account speaks for it by credit
code), made with the other demo accounts. One provider's survey qualification has expired and one is on the
blacklist, so the hall shows both refusals.

Reproducible and idempotent: the commissions follow from the sample seed and the coded projects (oldest and
newest first), the draws' seeds from the sample seed; a load that finds the sample providers adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from random import Random
from typing import Any

from sqlalchemy import Connection, text

from projects.accounts import Account, Role
from projects.clock import BEIJING, replaying
from projects.credit import add_entry
from projects.credit_code import make_credit_code, organization_code_check_character
from projects.hall.commissions import (
    accept_commission,
    choose_provider,
    deliver_commission,
    post_commission,
    rate_commission,
)
from projects.hall.providers import QualificationInput, register_provider
from projects.supervision.workdays import load_calendar


def _credit_code(district: str, serial: int) -> str:
    body = f"6600{serial:04d}"
    return make_credit_code(f"91{district}{body}{organization_code_check_character(body)}")


# name, district code, address, service types, qualifications (kind, grade, number, days valid after the load)
_PROVIDERS: list[tuple[str, str, str, tuple[str, ...], tuple[tuple[str, str, str, int], ...]]] = [
    ("鹭岛勘察设计院有限公司（示例）", "350203", "思明区示例路1号",
     ("survey", "design", "surveying_mapping"),
     (("engineering_survey", "甲级", "B135000001", 700), ("engineering_design", "甲级", "A135000001", 900),
      ("surveying_mapping", "乙级", "乙测资字35500001", 500))),
    ("海沧环境咨询有限公司（示例）", "350205", "海沧区示例路2号", ("environmental_assessment", "soil_water_plan"),
     (("eia_credit_record", "", "HP35020500001", 800), ("soil_water_rating", "三星", "水保方案（闽）字第0001号", 600))),
    ("湖里水利工程咨询有限公司（示例）", "350206", "湖里区示例路3号", ("flood_assessment", "soil_water_plan"),
     (("water_design", "乙级", "A235000002", 650), ("soil_water_rating", "四星", "水保方案（闽）字第0002号", 600))),
    ("集美工程造价咨询有限公司（示例）", "350211", "集美区示例路4号", ("cost_consulting",),
     (("cost_consulting", "", "闽造价登字0004", 700),)),
    ("同安测绘有限公司（示例）", "350212", "同安区示例路5号", ("surveying_mapping", "survey"),
     (("surveying_mapping", "甲级", "甲测资字35500005", 800), ("engineering_survey", "乙级", "B235000005", -40))),
    ("翔安环评技术有限公司（示例）", "350213", "翔安区示例路6号", ("environmental_assessment", "flood_assessment"),
     (("eia_credit_record", "", "HP35021300006", 700), ("hydrology", "乙级", "水文证乙字0006", 700))),
]
_BLACKLISTED = 5
"""The index of the provider put on the blacklist 60 days before the load (a sample entry)."""

SAMPLE_PROVIDER_ACCOUNTS: list[dict[str, Any]] = [
    {"username": f"provider-{_credit_code(district, n + 1)[-8:].lower()}", "role": Role.PROVIDER,
     "organisation": name, "credit_code": _credit_code(district, n + 1)}
    for n, (name, district, _, _, _) in enumerate(_PROVIDERS)
]
"""A demo login for every sample provider (made by the samples load with the other demo accounts)."""

# per project (oldest coded first, then the newest): service type, how chosen, the outcome
_PLAN: list[list[tuple[str, str, str]]] = [
    [("survey", "draw", "rated"), ("design", "direct:0", "rated"), ("environmental_assessment", "draw", "rated")],
    [("flood_assessment", "draw", "late"), ("cost_consulting", "direct:3", "rated")],
    [("soil_water_plan", "draw", "overdue")],
    [("surveying_mapping", "direct:4", "chosen"), ("design", "", "posted")],
]
_COMMENTS = {5: "成果质量好，按时提交", 4: "成果符合要求", 3: "基本满足要求，修改了一次", 2: "超时提交，需督促"}


def _at(day: dt.date, minutes: int = 0) -> dt.datetime:
    """Office hours in Beijing on ``day``, the moment a sample step is replayed at."""
    return dt.datetime.combine(day, dt.time(10, 0), BEIJING) + dt.timedelta(minutes=minutes)


def hall_done(connection: Connection) -> bool:
    """Whether an earlier load registered the sample providers."""
    return connection.execute(text("SELECT EXISTS (SELECT 1 FROM service_providers WHERE sample)")).scalar_one()


def replay_hall(connection: Connection, seed: int, today: dt.date, accounts: Mapping[str, Account]) -> dict[str, int]:
    """Register the sample providers a year back, blacklist one, and replay the sample commissions on the
    oldest and the newest coded projects. Returns counts for the load's report (nothing when already done)."""
    if hall_done(connection):
        return {"providers": 0, "commissions": 0}
    admin = accounts["admin"]
    provider_ids = []
    with replaying(_at(today - dt.timedelta(days=360))):
        for name, district, address, types, qualifications in _PROVIDERS:
            made = register_provider(
                connection, admin, name=name, credit_code=_credit_code(district, len(provider_ids) + 1),
                district_code=district, address=address, phone=None, service_types=list(types),
                qualifications=[QualificationInput(kind, grade, number, today + dt.timedelta(days=days))
                                for kind, grade, number, days in qualifications], sample=True)
            provider_ids.append(made["id"])
    blacklisted = SAMPLE_PROVIDER_ACCOUNTS[_BLACKLISTED]
    with replaying(_at(today - dt.timedelta(days=60))):
        add_entry(connection, admin, list_kind="black", credit_code=blacklisted["credit_code"],
                  entity_name=blacklisted["organisation"], reason="示例：环评报告弄虚作假（示例数据）",
                  source="示例数据", valid_from=today - dt.timedelta(days=60))
    projects = connection.execute(text(
        "SELECT id, project_code, owner_id, coded_at FROM proposals WHERE project_code IS NOT NULL "
        "AND owner_id IS NOT NULL ORDER BY coded_at, id")).all()
    chosen_projects = [*projects[:3], projects[-1]] if len(projects) > 3 else list(projects)
    owners = {account.id: account for account in accounts.values()}
    providers = {a["credit_code"]: accounts[a["username"]] for a in SAMPLE_PROVIDER_ACCOUNTS}
    calendar = load_calendar(connection)
    rng = Random(f"{seed}:hall")
    made = 0
    for rank, (project, plan) in enumerate(zip(chosen_projects, _PLAN, strict=False)):
        owner = owners[project.owner_id]
        day = calendar.add_working_days(project.coded_at.date(), 3 + rank).due
        for number, (kind, how, outcome) in enumerate(plan):
            posted = calendar.add_working_days(day, 2 * number).due
            if posted >= today:
                continue
            with replaying(_at(posted)):
                commission = post_commission(connection, owner, project_code=project.project_code,
                                             service_type_key=kind, description=None)
                made += 1
                if not how:
                    continue
                chosen = (choose_provider(connection, owner, commission["id"], draw=True,
                                          seed=f"samples-hall-{seed}-{rank}-{number}") if how == "draw" else
                          choose_provider(connection, owner, commission["id"],
                                          provider_id=provider_ids[int(how.split(":")[1])]))
            if outcome == "chosen":
                continue
            provider = providers[chosen["provider"]["credit_code"]]
            accepted = calendar.add_working_days(posted, 1).due
            limit = chosen["limit_working_days"]
            late = outcome == "late"
            delivered = calendar.add_working_days(posted, limit + 4 if late else max(limit - rng.randint(1, 5), 2)).due
            if accepted >= today:
                continue
            with replaying(_at(accepted, 30)):
                accept_commission(connection, provider, commission["id"])
            if outcome == "overdue" or delivered >= today:
                continue
            with replaying(_at(delivered, 60)):
                deliver_commission(connection, provider, commission["id"],
                                   f"{chosen['service_type']['zh']}成果报告（示例）第{commission['id']}号")
            rated = calendar.add_working_days(delivered, 2).due
            if rated >= today:
                continue
            stars = 2 if late else rng.randint(3, 5)
            with replaying(_at(rated, 90)):
                rate_commission(connection, owner, commission["id"], rating=stars, comment=_COMMENTS[stars])
    return {"providers": len(provider_ids), "commissions": made}
