"""The online intermediary hall (网上中介大厅): an admin registers providers; a project unit posts a commission on
its coded project and chooses a provider directly or by a seeded draw; the provider accepts and delivers; the
unit rates. Every refusal is a problem that changes nothing; a draw is reproducible and never picks a
blacklisted or unqualified provider; the commission time is reported apart from the departments' time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text
from test_supervision_support import (  # noqa: F401
    SECRET,
    clean_sites,
    credit_code,
    decide,
    national_project,
    open_item,
    people,
)

from data.samples.hall import SAMPLE_PROVIDER_ACCOUNTS, replay_hall
from projects.accounts import Role, account_by_username, create_account
from projects.clock import beijing_today
from projects.hall.commissions import draw_provider
from projects.hall.providers import QualificationInput, register_provider
from projects.supervision.errors import SupervisionConflictError
from projects.supervision.workdays import load_calendar

HALL = "/api/v1/hall"
_serials = itertools.count(66100001)
FAR = (dt.date.today() + dt.timedelta(days=900)).isoformat()


@pytest.fixture(scope="module")
def sites(engine, loaded_samples):
    return clean_sites(engine)


@pytest.fixture(scope="module")
def project(client, people, sites) -> str:  # noqa: F811
    """A coded project of the tests' applicant (sv-applicant), through the real review."""
    return national_project(client, people, next(sites))


def _provider(client, people, types: list[str], qualifications: list[dict[str, Any]], name: str,  # noqa: F811
              code: str | None = None) -> dict[str, Any]:
    response = client.post(f"{HALL}/providers", headers=people["admin"], json={
        "name": name, "credit_code": code or credit_code(next(_serials)), "district_code": "350206",
        "service_types": types, "qualifications": qualifications})
    assert response.status_code == 201, response.text
    return response.json()


def _qualification(kind: str, valid_until: str = FAR) -> dict[str, Any]:
    return {"kind": kind, "grade": "甲级", "number": f"Q-{next(_serials)}", "valid_until": valid_until}


def _provider_login(client, engine, provider: dict[str, Any]) -> dict[str, str]:
    username = f"hall-provider-{provider['id']}"
    with engine.begin() as connection:
        if account_by_username(connection, username) is None:
            create_account(connection, username=username, secret=SECRET, role=Role.PROVIDER,
                           organisation=provider["name"], credit_code=provider["credit_code"])
    token = client.post("/api/v1/auth/token", json={"username": username, "secret": SECRET}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _post(client, people, project: str, service_type: str, **extra: Any) -> dict[str, Any]:  # noqa: F811
    response = client.post(f"{HALL}/commissions", headers=people["applicant"],
                           json={"project_code": project, "service_type": service_type, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _counts(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM service_providers), (SELECT count(*) FROM provider_qualifications), "
            "(SELECT count(*) FROM commissions), (SELECT count(*) FROM commissions WHERE provider_id IS NOT NULL), "
            "(SELECT count(*) FROM audit_log)")).one())


def _blacklist(client, people, provider: dict[str, Any]) -> None:  # noqa: F811
    response = client.post("/api/v1/credit", headers=people["admin"], json={
        "list_kind": "black", "credit_code": provider["credit_code"], "entity_name": provider["name"],
        "reason": "出具虚假报告", "source": "测试", "valid_from": (beijing_today() - dt.timedelta(days=1)).isoformat()})
    assert response.status_code in (200, 201), response.text


def test_only_an_admin_registers_a_provider_and_every_bad_registration_changes_nothing(client, people,  # noqa: F811
                                                                                       engine) -> None:
    good = {"name": "测试勘察有限公司", "credit_code": credit_code(next(_serials)), "district_code": "350213",
            "service_types": ["survey"], "qualifications": [_qualification("engineering_survey")]}
    before = _counts(engine)
    assert client.post(f"{HALL}/providers", headers=people["applicant"], json=good).status_code == 403
    assert client.post(f"{HALL}/providers", json=good).status_code == 401
    for change, field in [({"credit_code": "91350200ABCDEFGH1X"}, None), ({"district_code": "110101"}, "district_code"),
                          ({"service_types": ["fortune_telling"]}, "service_types"),
                          ({"service_types": []}, "service_types"),
                          ({"service_types": ["survey", "design"]}, "qualifications"),
                          ({"qualifications": [_qualification("engineering_survey", "2020-01-01")]}, "qualifications"),
                          ({"qualifications": [_qualification("astrology")]}, "qualifications"),
                          ({"name": "  "}, "name")]:
        refused = client.post(f"{HALL}/providers", headers=people["admin"], json={**good, **change})
        assert refused.status_code == 422, (change, refused.text)
        if field:
            assert refused.json()["field"] == field, refused.json()
    assert _counts(engine) == before
    made = client.post(f"{HALL}/providers", headers=people["admin"], json=good)
    assert made.status_code == 201, made.text
    assert made.json()["service_types"][0]["eligible"] is True
    twice = client.post(f"{HALL}/providers", headers=people["admin"], json={**good, "name": "另一个名字"})
    assert twice.status_code == 409 and "already registered" in twice.json()["detail"]
    listed = client.get(f"{HALL}/providers", params={"service_type": "survey", "district_code": "350213"}).json()
    assert made.json()["id"] in [p["id"] for p in listed["providers"]]
    assert all(p["district_code"] == "350213" for p in listed["providers"])


def test_two_admins_registering_one_credit_code_at_once_give_one_provider_and_a_409(people, engine) -> None:  # noqa: F811
    code = credit_code(next(_serials))
    start = threading.Barrier(2)
    qualification = QualificationInput("engineering_survey", "甲级", f"Q-{next(_serials)}", dt.date.fromisoformat(FAR))

    def register(name: str) -> str:
        with engine.begin() as connection:
            start.wait()
            try:
                register_provider(connection, people.accounts["admin"], name=name, credit_code=code,
                                  district_code="350206", address=None, phone=None, service_types=["survey"],
                                  qualifications=[qualification])
            except SupervisionConflictError as refusal:
                return refusal.message.render("en")
            return "registered"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(register, ["并发测试甲公司", "并发测试乙公司"]))
    assert outcomes.count("registered") == 1, outcomes
    assert any("already registered" in outcome for outcome in outcomes), outcomes
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM service_providers WHERE credit_code = :c"),
                                  {"c": code}).scalar_one() == 1


def test_a_provider_outside_its_types_unqualified_or_blacklisted_is_refused_and_nothing_is_written(
        client, people, engine, owner_engine, project) -> None:  # noqa: F811
    mapper = _provider(client, people, ["surveying_mapping"], [_qualification("surveying_mapping")], "测试测绘有限公司")
    lapsed = _provider(client, people, ["cost_consulting"], [_qualification("cost_consulting")], "测试造价有限公司")
    with owner_engine.begin() as connection:  # the qualification lapses after registration (a year goes by)
        connection.execute(text("UPDATE provider_qualifications SET valid_until = :d WHERE provider_id = :p"),
                           {"d": beijing_today() - dt.timedelta(days=1), "p": lapsed["id"]})
    listed = _provider(client, people, ["cost_consulting"], [_qualification("cost_consulting")], "测试失信造价有限公司")
    _blacklist(client, people, listed)
    commission = _post(client, people, project, "cost_consulting")
    url = f"{HALL}/commissions/{commission['id']}/choice"
    before = _counts(engine)
    outside = client.post(url, headers=people["applicant"], json={"provider_id": mapper["id"]})
    assert outside.status_code == 422 and outside.json()["type"] == "/problems/provider-not-eligible"
    assert "does not offer cost consulting" in outside.json()["detail"], outside.json()
    expired = client.post(url, headers=people["applicant"], json={"provider_id": lapsed["id"]})
    assert expired.status_code == 422 and "expired" in expired.json()["detail"]
    black = client.post(url, headers={**people["applicant"], "Accept-Language": "zh"},
                        json={"provider_id": listed["id"]})
    assert black.status_code == 422 and "信用黑名单" in black.json()["detail"]
    assert black.json()["reasons"] and black.json()["field"] == "provider_id"
    neither = client.post(url, headers=people["applicant"], json={})
    both = client.post(url, headers=people["applicant"], json={"provider_id": mapper["id"], "draw": True})
    assert neither.status_code == both.status_code == 422
    assert client.post(url, headers=people["ndrc"], json={"provider_id": mapper["id"]}).status_code == 403
    assert client.post(url, headers=people["applicant"], json={"provider_id": 987654}).status_code == 404
    assert _counts(engine) == before
    hall = client.get(f"{HALL}/providers", params={"service_type": "cost_consulting"}).json()["providers"]
    shown = {p["id"]: p["service_types"][0]["eligible"] for p in hall}
    assert shown[lapsed["id"]] is False and shown[listed["id"]] is False
    eligible = client.get(f"{HALL}/providers", params={"service_type": "cost_consulting", "eligible": True}).json()
    assert not {lapsed["id"], listed["id"]} & {p["id"] for p in eligible["providers"]}


def test_the_unit_chooses_the_provider_accepts_and_delivers_and_the_unit_rates_once_each(
        client, people, engine, project) -> None:  # noqa: F811
    designer = _provider(client, people, ["design"], [_qualification("engineering_design")], "测试设计院有限公司")
    rival = _provider(client, people, ["design"], [_qualification("engineering_design")], "测试另一设计院有限公司")
    designer_login, rival_login = _provider_login(client, engine, designer), _provider_login(client, engine, rival)
    refused = client.post(f"{HALL}/commissions", headers=people["applicant"],
                          json={"project_code": project, "service_type": "design", "limit_working_days": 0})
    assert refused.status_code == 422 and refused.json()["field"] == "limit_working_days"
    assert client.post(f"{HALL}/commissions", headers=people["ndrc"],
                       json={"project_code": project, "service_type": "design"}).status_code == 403
    commission = _post(client, people, project, "design", description="初步设计", limit_working_days=25)
    assert commission["status"] == "posted" and commission["may"]["choose"]
    url = f"{HALL}/commissions/{commission['id']}"
    assert client.get(url, headers=designer_login).status_code == 404  # not chosen yet: not its commission
    assert client.post(f"{url}/acceptance", headers=designer_login).status_code == 404
    chosen = client.post(f"{url}/choice", headers=people["applicant"], json={"provider_id": designer["id"]})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["provider"]["id"] == designer["id"] and chosen.json()["choice"] == {"how": "direct"}
    assert chosen.json()["clock"]["limit_working_days"] == 25
    again = client.post(f"{url}/choice", headers=people["applicant"], json={"provider_id": rival["id"]})
    assert again.status_code == 409
    assert client.post(f"{url}/acceptance", headers=rival_login).status_code == 404
    early = client.post(f"{url}/delivery", headers=designer_login, json={"note": "初步设计文本"})
    assert early.status_code == 409 and early.json()["commission_status"] == "chosen"
    assert client.post(f"{url}/rating", headers=people["applicant"],
                       json={"rating": 5, "comment": "好"}).status_code == 409
    accepted = client.post(f"{url}/acceptance", headers=designer_login)
    assert accepted.status_code == 200 and accepted.json()["may"]["deliver"]
    assert client.post(f"{url}/acceptance", headers=designer_login).status_code == 409
    assert client.post(f"{url}/delivery", headers=designer_login, json={"note": " "}).status_code == 422
    delivered = client.post(f"{url}/delivery", headers=designer_login, json={"note": "初步设计文本第1版"})
    assert delivered.status_code == 200 and delivered.json()["clock"]["status"] == "on_time"
    self_rated = client.post(f"{url}/rating", headers=designer_login, json={"rating": 5, "comment": "自评"})
    assert self_rated.status_code == 403
    for bad in ({"rating": 6, "comment": "好"}, {"rating": 0, "comment": "好"}, {"rating": 4, "comment": ""}):
        assert client.post(f"{url}/rating", headers=people["applicant"], json=bad).status_code == 422, bad
    rated = client.post(f"{url}/rating", headers=people["applicant"], json={"rating": 4, "comment": "成果符合要求"})
    assert rated.status_code == 200 and rated.json()["status"] == "rated" and rated.json()["rating"] == 4
    assert client.post(f"{url}/rating", headers=people["applicant"],
                       json={"rating": 1, "comment": "改主意"}).status_code == 409
    assert client.get(f"{HALL}/providers/{designer['id']}").json()["mean_rating"] == 4
    mine = client.get(f"{HALL}/commissions", headers=designer_login).json()
    assert [c["id"] for c in mine] == [commission["id"]]
    assert client.get(f"{HALL}/commissions", headers=rival_login).json() == []
    with engine.connect() as connection:
        actions = connection.execute(text(
            "SELECT action FROM audit_log WHERE action LIKE 'commission_%' AND (after ->> 'commission_id')::int = :c "
            "ORDER BY id"), {"c": commission["id"]}).scalars().all()
    assert actions == ["commission_post", "commission_choose", "commission_accept", "commission_deliver",
                       "commission_rate"]


def test_a_draw_is_reproducible_and_never_picks_a_blacklisted_or_unqualified_provider(
        client, people, owner_engine, project) -> None:  # noqa: F811
    good = [_provider(client, people, ["flood_assessment"], [_qualification(kind)], f"测试洪评{n}有限公司")
            for n, kind in enumerate(["water_design", "hydrology", "water_design"])]
    unqualified = _provider(client, people, ["flood_assessment", "survey"],
                            [_qualification("hydrology"), _qualification("engineering_survey")], "测试无效洪评有限公司")
    with owner_engine.begin() as connection:  # its flood qualification lapsed (a year went by)
        connection.execute(text("UPDATE provider_qualifications SET valid_until = :d WHERE provider_id = :p "
                                "AND kind = 'hydrology'"), {"d": beijing_today() - dt.timedelta(days=3),
                                                            "p": unqualified["id"]})
    blacklisted = _provider(client, people, ["flood_assessment"], [_qualification("water_design")], "测试失信洪评公司")
    _blacklist(client, people, blacklisted)
    bad = {unqualified["id"], blacklisted["id"]}
    picked = []
    for n in range(12):
        commission = _post(client, people, project, "flood_assessment")
        drawn = client.post(f"{HALL}/commissions/{commission['id']}/choice", headers=people["applicant"],
                            json={"draw": True, "seed": f"hall-test-{n % 6}"})
        assert drawn.status_code == 200, drawn.text
        choice = drawn.json()["choice"]
        candidates = [c["id"] for c in choice["candidates"]]
        assert {g["id"] for g in good} <= set(candidates) and not bad & set(candidates)
        assert choice["seed"] == f"hall-test-{n % 6}" and choice["verified"] is True
        assert drawn.json()["provider"]["id"] == draw_provider(choice["seed"], candidates)
        picked.append(drawn.json()["provider"]["id"])
    assert picked[:6] == picked[6:]  # the same seed and candidates, the same provider
    assert not bad & set(picked)
    unseeded = _post(client, people, project, "flood_assessment")
    drawn = client.post(f"{HALL}/commissions/{unseeded['id']}/choice", headers=people["applicant"], json={"draw": True})
    assert drawn.status_code == 200 and len(drawn.json()["choice"]["seed"]) == 16


def test_a_draw_without_any_eligible_provider_is_refused(client, people, engine, owner_engine,  # noqa: F811
                                                         project) -> None:
    commission = _post(client, people, project, "soil_water_plan")
    with owner_engine.begin() as connection:  # every soil-and-water rating lapses, as a year can make them
        kept = connection.execute(text("SELECT id, valid_until FROM provider_qualifications "
                                       "WHERE kind = 'soil_water_rating'")).all()
        connection.execute(text("UPDATE provider_qualifications SET valid_until = DATE '2020-01-01' "
                                "WHERE kind = 'soil_water_rating'"))
    try:
        before = _counts(engine)
        refused = client.post(f"{HALL}/commissions/{commission['id']}/choice", headers=people["applicant"],
                              json={"draw": True, "seed": "x"})
        assert refused.status_code == 409 and "no provider" in refused.json()["detail"]
        assert _counts(engine) == before
    finally:
        with owner_engine.begin() as connection:
            connection.execute(text("UPDATE provider_qualifications SET valid_until = :v WHERE id = :i"),
                               [{"v": row.valid_until, "i": row.id} for row in kept])


def test_commission_time_is_reported_apart_from_the_departments_time(client, people, engine, project,  # noqa: F811
                                                                     login) -> None:
    today = beijing_today()
    # a sample project of a year ago: its departments' time is its approvals' total clock, untouched by the
    # commissions, and its commission time the working days with a commission at a provider
    with engine.connect() as connection:
        oldest = connection.execute(text(
            "SELECT p.project_code FROM commissions c JOIN proposals p ON p.id = c.proposal_id "
            "JOIN service_providers s ON s.id = c.provider_id WHERE s.sample ORDER BY p.coded_at LIMIT 1")).scalar_one()
        calendar = load_calendar(connection)
    times = client.get(f"{HALL}/projects/{oldest}/times", headers=login("ndrc")).json()
    approvals = client.get(f"/api/v1/supervision/projects/{oldest}/approvals", headers=login("ndrc")).json()
    assert times["department_working_days"] == approvals["total"]["used_working_days"]
    days: set[dt.date] = set()
    for c in times["items"]:
        if c["chosen_on"]:
            end = dt.date.fromisoformat(c["delivered_on"] or today.isoformat())
            days.update(calendar.working_days_between(dt.date.fromisoformat(c["chosen_on"]), end))
    assert times["commission_working_days"] == len(days) > 0
    # the tests' own project: an item decided at once takes the departments no working day, while a
    # commission chosen today runs on, and is overdue once its limit has passed
    item = open_item(client, people, "natural_resources", project, "site_selection_opinion", today.isoformat())
    decide(client, people, "natural_resources", item["id"], today.isoformat(), None)
    mapper = _provider(client, people, ["surveying_mapping"], [_qualification("surveying_mapping")], "测试用时测绘")
    commission = _post(client, people, project, "surveying_mapping", limit_working_days=5)
    client.post(f"{HALL}/commissions/{commission['id']}/choice", headers=people["applicant"],
                json={"provider_id": mapper["id"]})
    later = calendar.add_working_days(today, 8).due
    split = client.get(f"{HALL}/projects/{project}/times", headers=people["applicant"],
                       params={"as_of": later.isoformat()}).json()
    assert split["department_working_days"] == 0
    assert split["commission_working_days"] == 8 and split["overdue_commissions"] >= 1
    total = client.get(f"/api/v1/supervision/projects/{project}/approvals", headers=people["applicant"],
                       params={"as_of": later.isoformat()}).json()["total"]
    assert total["used_working_days"] == 0
    board = client.get(f"{HALL}/times", headers=people["ndrc"], params={"as_of": later.isoformat()}).json()
    warned = [c for c in board["attention"] if c["commission_id"] == commission["id"]]
    assert warned and warned[0]["status"] == "overdue" and warned[0]["overdue_working_days"] == 3
    assert client.get(f"{HALL}/times", headers=people["applicant"]).status_code == 403


def test_a_limit_ending_in_a_year_without_holiday_data_is_provisional(client, people, engine, project) -> None:  # noqa: F811
    mapper = _provider(client, people, ["surveying_mapping"], [_qualification("surveying_mapping")], "测试暂定测绘")
    commission = _post(client, people, project, "surveying_mapping", limit_working_days=60)
    chosen = client.post(f"{HALL}/commissions/{commission['id']}/choice", headers=people["applicant"],
                         json={"provider_id": mapper["id"]}).json()
    with engine.connect() as connection:
        due = load_calendar(connection).add_working_days(beijing_today(), 60)
    assert chosen["clock"]["due"] == due.due.isoformat()
    assert chosen["clock"]["provisional"] is bool(due.years_without_data)
    if due.years_without_data:
        assert chosen["clock"]["years_without_data"] == list(due.years_without_data)


def test_the_sample_hall_is_marked_reproducible_and_loaded_once(client, engine, loaded_samples, login) -> None:
    hall = client.get(f"{HALL}/providers").json()["providers"]
    samples = [p for p in hall if p["sample"]]
    assert len(samples) == len(SAMPLE_PROVIDER_ACCOUNTS) and all(p["name"].endswith("（示例）") for p in samples)
    assert {p["district_code"] for p in samples} == {"350203", "350205", "350206", "350211", "350212", "350213"}
    blacklisted = next(p for p in samples if p["blacklisted"])
    assert not any(t["eligible"] for t in blacklisted["service_types"])
    expired = [t for p in samples for t in p["service_types"] if t["key"] == "survey" and not t["eligible"]]
    assert expired and "expired" in expired[0]["reasons"][0]["en"]
    before = _counts(engine)
    with engine.begin() as connection:
        accounts = {a["username"]: account_by_username(connection, a["username"]) for a in SAMPLE_PROVIDER_ACCOUNTS}
        assert replay_hall(connection, 1, beijing_today(), accounts) == {"providers": 0, "commissions": 0}
    assert _counts(engine) == before
    commissions = client.get(f"{HALL}/commissions", headers=login("ndrc")).json()
    sampled = [c for c in commissions if c["provider"] and c["provider"]["sample"]]
    assert {c["status"] for c in sampled} >= {"rated", "accepted", "chosen"}
    assert all(c["choice"]["verified"] for c in sampled if c["choice"]["how"] == "draw")
