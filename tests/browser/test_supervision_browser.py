"""The supervision pages in headless Chromium (the shared live server, browser and tabs of this folder):
the dashboard's charts after login, a project's Gantt timeline with its sites on the map, and the public
random-inspection draws. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from login_page import log_in as sign_in
from shapely.geometry import box, mapping
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    API,
    SECRET,
    decide,
    legacy_project,
    open_item,
    people,
)

pytestmark = pytest.mark.browser


def open_page(tab, url: str) -> None:
    tab.page.goto(url)
    tab.page.wait_for_load_state("networkidle")


def log_in(tab, username: str) -> None:
    sign_in(tab, username, SECRET)


def offsite(tab, base: str) -> list[str]:
    return [r.url for r in tab.responses if not r.url.startswith((base, "data:", "blob:"))]


@pytest.fixture(scope="module")
def watched(client, people, engine) -> dict:  # noqa: F811
    """A municipal key project with decided, running and overdue items, a report that moved its site, and a
    published draw."""
    west, south = 118.12, 24.77
    code = legacy_project(engine, people, category="general_social", total=12000, name="看板测试安置房项目",
                          site=mapping(box(west, south, west + 0.002, south + 0.002)))
    client.put(f"{API}/projects/{code}/plan", headers=people["ndrc"],
               json={"key_level": "municipal", "planned_start": "2025-03-01", "planned_completion": "2026-12-31"})
    approval = open_item(client, people, "ndrc", code, "project_approval", "2025-09-22")
    decide(client, people, "ndrc", approval["id"], "2025-09-26", "厦发改审批〔2025〕926号")
    overdue = open_item(client, people, "natural_resources", code, "site_selection_opinion", "2025-09-29")
    open_item(client, people, "water", code, "soil_water_conservation_plan", "2025-10-09")
    client.post(f"{API}/projects/{code}/reports", headers=people["ndrc"], json={
        "period": "2025-11", "cumulative_wan": 3000, "visual_progress_pct": 25, "actual_start": "2025-10-15",
        "site": mapping(box(west + 0.0005, south, west + 0.0025, south + 0.002))})
    for name in ("页面检查员甲", "页面检查员乙"):
        client.post(f"{API}/inspectors", headers=people["ndrc"],
                    json={"name": name, "department": "ecology_environment"})
    draw = client.post(f"{API}/inspection-draws", headers=people["ndrc"], json={
        "title": "看板页面公示测试", "target_count": 2, "inspectors_per_target": 1, "seed": "页面测试种子"})
    return {"code": code, "overdue": overdue["id"], "draw": draw.json()["id"]}


def test_the_dashboard_draws_its_charts_after_login(tab, live_server, watched) -> None:
    open_page(tab, f"{live_server}/supervision")
    assert tab.page.is_hidden("#dashboard-charts") and "请先登录" in tab.page.inner_text("#dashboard-message")
    log_in(tab, "sv-ndrc")
    tab.page.wait_for_selector("#chart-investment svg rect[data-category]")
    investment = tab.page.inner_text("#chart-investment")
    assert "同安区" in investment and "一般社会投资" in investment
    overdue = tab.page.text_content("#chart-overdue g[data-department='natural_resources'] .sv-overdue-count")
    assert int(overdue) >= 1
    row = tab.page.locator(f"#chart-approval g.sv-approval-row[data-code='{watched['code']}']")
    assert row.count() == 1 and "/ 70" in row.text_content()
    assert tab.page.locator(f"#chart-approval a[href^='/supervision/projects/{watched['code']}']").count() == 1
    tab.screenshot("supervision-dashboard")
    assert tab.errors == [] and offsite(tab, live_server) == []


def test_a_department_sees_its_own_overdue_items_in_english(tab, live_server, watched) -> None:
    open_page(tab, f"{live_server}/supervision?lang=en")
    log_in(tab, "sv-water")
    tab.page.wait_for_selector("#chart-overdue svg")
    assert "Overdue, due-soon and suspended items by department" in tab.page.inner_text("#dashboard-charts")
    assert tab.page.locator("#chart-overdue g[data-department]").count() == 1
    assert tab.errors == []


def test_the_project_page_shows_the_gantt_timeline_items_and_sites(tab, live_server, watched) -> None:
    open_page(tab, f"{live_server}/supervision/projects/{watched['code']}")
    log_in(tab, "sv-ndrc")
    tab.page.wait_for_selector("#gantt svg rect.sv-item-bar")
    assert tab.page.locator("#gantt rect.sv-item-bar").count() == 3
    assert tab.page.get_attribute(f"#gantt rect[data-item='{watched['overdue']}']", "data-status") == "overdue"
    assert tab.page.locator("#gantt rect.sv-plan").count() == 1
    assert tab.page.locator("#gantt rect.sv-actual").count() == 1
    assert "看板测试安置房项目" in tab.page.inner_text("#project-name")
    assert "市重点项目" in tab.page.inner_text("#project-total")
    assert "厦发改审批〔2025〕926号" in tab.page.inner_text(f"#item-rows tr[data-item='{watched['overdue']}']")
    assert tab.page.locator(".leaflet-overlay-pane path").count() >= 2  # the coded and the reported site
    tab.screenshot("supervision-project")
    assert tab.errors == [] and offsite(tab, live_server) == []


def test_the_public_sees_the_published_draws_with_their_seed_and_verification(tab, live_server, client,
                                                                            watched) -> None:
    published = next(d for d in client.get("/api/v1/public/inspection-draws").json() if d["id"] == watched["draw"])
    open_page(tab, f"{live_server}/inspections")
    tab.page.wait_for_selector(".sv-draw")
    draw = tab.page.locator(f".sv-draw[data-draw='{watched['draw']}']")
    assert draw.locator(".sv-seed").inner_text() == "页面测试种子"
    assert "重新抽取结果一致" in draw.locator(".sv-verified").inner_text()
    rows = [row.split("\t") for row in draw.locator("tbody").inner_text().splitlines()]
    expected = [(t["project_code"], t["inspectors"][0]["name"]) for t in published["result"]]
    assert [(r[0], r[2]) for r in rows] == expected
    tab.screenshot("supervision-inspections")
    assert tab.errors == [] and offsite(tab, live_server) == []
