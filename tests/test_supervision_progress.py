"""Progress reports, key projects and the annual investment plan; anomaly warnings explained in words and
the NDRC's work list (inspect, post-evaluation, dismiss with reason), on a real PostGIS.
"""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    API,
    PNG,
    clean_sites,
    legacy_project,
    national_project,
    next_site,
    people,
)

from projects.clock import beijing_today


def months_back(months: int) -> str:
    """The report period ``months`` before this month, YYYY-MM."""
    today = beijing_today()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12}-{index % 12 + 1:02d}"


def report(client, people, who: str, code: str, period: str, cumulative: float, pct: float = 30,  # noqa: F811
           **extra) -> dict:
    response = client.post(f"{API}/projects/{code}/reports", headers=people[who],
                           json={"period": period, "cumulative_wan": cumulative, "visual_progress_pct": pct, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_ndrc_flags_key_projects_and_sets_planned_dates(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", total=20000)
    url = f"{API}/projects/{code}/plan"
    plan = {"key_level": "municipal", "planned_start": "2025-01-01", "planned_completion": "2026-06-30"}
    assert client.put(url, json=plan, headers=people["natural_resources"]).status_code == 403
    response = client.put(url, json=plan, headers=people["ndrc"])
    assert response.status_code == 200 and response.json()["key_level_zh"] == "市重点项目"
    assert client.put(url, json={**plan, "key_level": "national"}, headers=people["ndrc"]).status_code == 422
    backwards = client.put(url, json={**plan, "planned_completion": "2024-12-31"}, headers=people["ndrc"])
    assert backwards.status_code == 422 and backwards.json()["field"] == "planned_completion"
    progress = client.get(f"{API}/projects/{code}/progress", headers=people["water"]).json()
    assert progress["key_level"] == "municipal" and progress["planned_completion"] == "2026-06-30"
    with engine.connect() as connection:
        actions = connection.execute(text(
            "SELECT a.action FROM audit_log a JOIN proposals p ON p.id = a.proposal_id WHERE p.project_code = :c"),
            {"c": code}).scalars().all()
    assert "project_plan" in actions


def test_the_project_unit_reports_its_own_progress_with_a_photo(client, people, engine, loaded_samples) -> None:  # noqa: F811
    code = national_project(client, people, next(clean_sites(engine)))
    this_month = months_back(0)
    made = report(client, people, "applicant", code, this_month, 120, 10, annual_planned_wan=400,
                  annual_actual_wan=120, actual_start=beijing_today().replace(day=1).isoformat(), note="基础施工")
    assert made["cumulative_wan"] == 120 and made["photo_url"] is None
    again = client.post(f"{API}/projects/{code}/reports", headers=people["applicant"],
                        json={"period": this_month, "cumulative_wan": 130, "visual_progress_pct": 11})
    assert again.status_code == 409 and "never rewritten" in again.json()["detail"]
    photo = client.put(f"{API}/reports/{made['id']}/photo", headers=people["applicant"],
                       files={"photo": ("site.png", PNG, "image/png")})
    assert photo.status_code == 200, photo.text
    shown = client.get(photo.json()["photo_url"], headers=people["ndrc"])
    assert shown.content == PNG and shown.headers["content-type"] == "image/png"
    assert client.put(f"{API}/reports/{made['id']}/photo", headers=people["applicant"],
                      files={"photo": ("b.png", PNG + b"0", "image/png")}).status_code == 409
    # an NDRC account may report too; a department may not; the public does not even see the project
    assert client.post(f"{API}/projects/{code}/reports", headers=people["water"],
                       json={"period": this_month, "cumulative_wan": 1, "visual_progress_pct": 1}).status_code == 403
    assert client.get(f"{API}/projects/{code}/progress").status_code in (401, 404)


@pytest.mark.parametrize(("change", "field"), [
    ({"period": "2999-01"}, "period"),
    ({"period": "2018-12"}, "period"),  # before the legacy code (2019) existed
    ({"period": "2025-13"}, "period"),
    ({"annual_actual_wan": 500, "cumulative_wan": 300}, "annual_actual_wan"),
    ({"visual_progress_pct": 120}, "visual_progress_pct"),
    ({"actual_start": "2025-01-01", "actual_completion": "2025-06-30", "visual_progress_pct": 90},
     "visual_progress_pct"),
    ({"actual_completion": "2025-06-30", "visual_progress_pct": 100}, "actual_start"),
    ({"cumulative_wan": -5}, "cumulative_wan"),
])
def test_an_impossible_report_is_refused(client, people, engine, change, field) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    body = {"period": "2025-06", "cumulative_wan": 300, "visual_progress_pct": 30, **change}
    response = client.post(f"{API}/projects/{code}/reports", headers=people["ndrc"], json=body)
    assert response.status_code == 422 and response.json()["field"] == field, response.text
    assert client.get(f"{API}/projects/{code}/progress", headers=people["ndrc"]).json()["reports"] == []


def test_the_annual_plan_is_compiled_by_category(client, people, engine) -> None:  # noqa: F811
    financial = legacy_project(engine, people, category="financial", total=20000)
    social = legacy_project(engine, people, category="general_social", total=9000)
    silent = legacy_project(engine, people, category="small_social")
    client.put(f"{API}/projects/{financial}/plan", headers=people["ndrc"], json={"key_level": "municipal"})
    client.put(f"{API}/projects/{social}/plan", headers=people["ndrc"], json={"key_level": "provincial"})
    report(client, people, "ndrc", financial, "2024-06", 2000, annual_planned_wan=5000, annual_actual_wan=2000)
    report(client, people, "ndrc", financial, "2024-12", 4500, annual_planned_wan=5000, annual_actual_wan=4500)
    report(client, people, "ndrc", social, "2024-09", 1000, annual_planned_wan=3000, annual_actual_wan=1000)
    plan = client.get(f"{API}/annual-plans/2024", headers=people["natural_resources"]).json()
    by_category = {c["investment_category"]: c for c in plan["categories"]}
    assert by_category["financial"] | {"planned_wan": 5000.0, "actual_wan": 4500.0, "completion_pct": 90.0,
                                       "municipal_key": 1} == by_category["financial"]
    assert by_category["general_social"]["provincial_key"] == 1
    assert by_category["general_social"]["zh"] == "一般社会投资"
    assert plan["unit"] == "万元"
    assert {p["project_code"]: p["latest_period"] for p in plan["projects"]}[financial] == "2024-12"
    assert silent in {m["project_code"] for m in plan["missing_reports"]}
    assert client.get(f"{API}/annual-plans/2024", headers=people["applicant"]).status_code == 403


@pytest.fixture(scope="module")
def anomalous(client, people, engine) -> dict[str, str]:  # noqa: F811
    """Projects built to trip each rule, and one clean project; scanned once."""
    codes = {name: legacy_project(engine, people, total=1000, name=f"预警测试-{name}") for name in
             ("late", "silent", "over", "fell", "clean")}
    client.put(f"{API}/projects/{codes['late']}/plan", headers=people["ndrc"],
               json={"planned_start": "2024-01-01", "planned_completion": "2025-01-31"})
    report(client, people, "ndrc", codes["late"], months_back(0), 500, 40)
    report(client, people, "ndrc", codes["silent"], months_back(5), 200, 20)
    report(client, people, "ndrc", codes["over"], months_back(2), 400, 40)
    report(client, people, "ndrc", codes["over"], months_back(1), 1100, 80)
    report(client, people, "ndrc", codes["fell"], months_back(2), 500, 50)
    report(client, people, "ndrc", codes["fell"], months_back(1), 450, 50)
    for months, cumulative in ((2, 300), (1, 500), (0, 650)):
        report(client, people, "ndrc", codes["clean"], months_back(months), cumulative, 30)
    # the site drifts: 0.002° square moved 0.0008° east (40 % of its width); the clean project's stays put
    west, south = 118.10, 24.75
    codes["drift"] = legacy_project(engine, people, site=mapping(box(west, south, west + 0.002, south + 0.002)))
    report(client, people, "ndrc", codes["drift"], months_back(0), 100, 10,
           site=mapping(box(west + 0.0008, south, west + 0.0028, south + 0.002)))
    codes["steady"] = legacy_project(engine, people, site=mapping(box(west + 0.01, south, west + 0.012, south + 0.002)))
    report(client, people, "ndrc", codes["steady"], months_back(0), 100, 10,
           site=mapping(box(west + 0.01, south, west + 0.012, south + 0.0020001)))
    scan = client.post(f"{API}/warnings/scan", headers=people["ndrc"])
    assert scan.status_code == 200, scan.text
    return codes


def kinds(client, people, code: str) -> dict[str, dict]:  # noqa: F811
    warnings = client.get(f"{API}/warnings", headers=people["ndrc"], params={"project_code": code}).json()
    return {w["kind"]: w for w in warnings}


def test_a_project_long_past_its_planned_completion_is_warned_in_words(client, people, anomalous) -> None:  # noqa: F811
    warning = kinds(client, people, anomalous["late"])["late_completion"]
    assert "计划于2025-01-31竣工" in warning["explanation"]["zh"] and "形象进度40%" in warning["explanation"]["zh"]
    assert "Planned to complete on 2025-01-31" in warning["explanation"]["en"]
    assert warning["facts"]["days_late"] > 180 and warning["status"] == "open"


def test_a_project_without_reports_for_months_is_warned(client, people, anomalous) -> None:  # noqa: F811
    warning = kinds(client, people, anomalous["silent"])["no_report"]
    assert warning["facts"]["months"] == 5
    assert f"最近一次填报为{months_back(5)}" in warning["explanation"]["zh"]
    assert "No progress report for 5 months" in warning["explanation"]["en"]


def test_investment_above_the_total_and_implausible_jumps_are_warned(client, people, anomalous) -> None:  # noqa: F811
    over = kinds(client, people, anomalous["over"])
    assert "1,100.00万元超过项目总投资1,000.00万元" in over["investment_over_total"]["explanation"]["zh"]
    assert over["investment_jump"]["facts"]["share_of_total"] == 0.7
    assert "70 % of the total investment" in over["investment_jump"]["explanation"]["en"]
    fell = kinds(client, people, anomalous["fell"])
    assert set(fell) == {"investment_jump"} and "cannot fall" in fell["investment_jump"]["explanation"]["en"]


def test_a_site_drifting_from_the_coded_site_is_measured_and_warned(client, people, anomalous) -> None:  # noqa: F811
    warning = kinds(client, people, anomalous["drift"])["site_drift"]
    facts = warning["facts"]
    # a 40 % shift: 40 % of the area leaves the coded site and 40 % of it is left, 80 % symmetric difference
    assert facts["percent_of_coded_site"] == pytest.approx(80, abs=0.5)
    assert facts["outside_coded_site_m2"] == pytest.approx(0.4 * facts["coded_site_m2"], rel=0.01)
    assert "m²" in warning["explanation"]["en"] and "赋码用地之外" in warning["explanation"]["zh"]


def test_a_project_in_order_raises_no_warning(client, people, anomalous) -> None:  # noqa: F811
    assert kinds(client, people, anomalous["clean"]) == {}
    assert kinds(client, people, anomalous["steady"]) == {}


def test_a_second_scan_finds_nothing_new(client, people, anomalous) -> None:  # noqa: F811
    again = client.post(f"{API}/warnings/scan", headers=people["ndrc"]).json()
    assert not {w["project_code"] for w in again["new"]} & set(anomalous.values())


def test_the_ndrc_inspects_orders_post_evaluation_or_dismisses_with_a_reason(client, people, engine,  # noqa: F811
                                                                            anomalous) -> None:
    over = kinds(client, people, anomalous["over"])
    url = f"{API}/warnings/{over['investment_over_total']['id']}/actions"
    assert client.post(url, headers=people["construction"], json={"action": "inspect"}).status_code == 403
    unexplained = client.post(url, headers=people["ndrc"], json={"action": "dismiss", "reason": "  "})
    assert unexplained.status_code == 422 and unexplained.json()["field"] == "reason"
    dismissed = client.post(url, headers=people["ndrc"],
                            json={"action": "dismiss", "reason": "概算调整已批复，总投资待更新"})
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["handled_by"] == "sv-ndrc"
    assert client.post(url, headers=people["ndrc"], json={"action": "inspect"}).status_code == 409
    jump = f"{API}/warnings/{over['investment_jump']['id']}/actions"
    assert client.post(jump, headers=people["ndrc"], json={"action": "inspect"}).json()["status"] == "inspect"
    assert client.post(jump, headers=people["ndrc"], json={"action": "post_evaluation", "reason": "核查属实"}
                       ).json()["status"] == "post_evaluation"
    with engine.connect() as connection:
        trail = connection.execute(text(
            "SELECT action, after->>'reason' FROM audit_log WHERE action LIKE 'warning_%' "
            "AND (after->>'warning_id')::int = ANY(:ids) ORDER BY id"),
            {"ids": [over["investment_over_total"]["id"], over["investment_jump"]["id"]]}).all()
    assert [tuple(t) for t in trail] == [("warning_dismiss", "概算调整已批复，总投资待更新"), ("warning_inspect", None),
                                         ("warning_post_evaluation", "核查属实")]
    open_only = client.get(f"{API}/warnings", headers=people["ndrc"], params={"status": "dismissed"}).json()
    assert over["investment_over_total"]["id"] in {w["id"] for w in open_only}
