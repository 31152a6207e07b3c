"""Departments and building conditions in headless Chromium, on a phone (390 px) and a desktop (1440 px): a
district department fills the building conditions it is responsible for on the review page (a refusal is
shown, nothing stored), the NDRC then sees them on the review page and on its overview with what is still
missing, and the departments page shows the tree by level, reachable from the navigation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from login_page import log_in
from test_fresh_approval import applicant_account
from test_proposals import create, open_review
from test_supervision_support import clean_sites

pytestmark = pytest.mark.browser

API = "/api/v1"


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-conditions-browser", 70061)


@pytest.fixture(scope="module")
def spots(engine, loaded_samples) -> Iterator[shapely.Geometry]:
    return (shapely.geometry.shape(site) for site in clean_sites(engine, "350213"))  # 翔安区


def fits(tab) -> None:
    wide = tab.page.evaluate("""() => [...document.querySelectorAll('body *')].filter(
        e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(
        e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide


@pytest.mark.parametrize(("width", "lang"), [(390, "zh"), (1440, "en")])
def test_a_district_department_fills_its_conditions_and_the_ndrc_sees_them(
        open_tab, live_server, client, login, demo_secret, applicant, spots, width, lang):
    proposal = create(client, applicant, next(spots), name=f"翔安区建设条件页面测试{width}", district_code="350213")
    open_review(client, login, applicant, proposal["id"])
    review = f"{live_server}/proposals/{proposal['id']}/review?lang={lang}"
    tab = open_tab(width=width, language=lang)
    page = tab.page
    page.goto(review)
    log_in(tab, "dept-xiangan_water", demo_secret("dept-xiangan_water"))
    flood = page.locator(".condition-item[data-condition='flood_control']")
    flood.locator("form").wait_for()
    desk = page.inner_text("#desk-department")
    assert ("翔安区水利局 · 区级" if lang == "zh" else "Xiang'an District Water Resources Bureau · district") in desk
    # only its own conditions have a form: the land-use quota is the natural-resources branch's
    assert page.locator(".condition-item[data-condition='land_quota'] form").count() == 0
    assert page.locator(".condition-mine").count() == 2  # flood control, soil and water
    # no text: the API's refusal in the page's language, nothing stored
    flood.locator("textarea[name=note]").fill("")
    flood.locator("button[type=submit]").click()
    page.wait_for_selector("#condition-message .alert")
    assert ("请写明该条件的内容" if lang == "zh" else "write what the condition is") in page.inner_text(
        "#condition-message")
    assert client.get(f"{API}/proposals/{proposal['id']}/conditions",
                      headers=login("ndrc")).json()["missing"].count("flood_control") == 1
    flood.locator("select[name=status]").select_option("pending")
    flood.locator("textarea[name=note]").fill("须编制防洪评价报告并经区水利局审批")
    flood.locator("button[type=submit]").click()
    page.wait_for_selector(".condition-item[data-condition='flood_control'] .condition-status[data-status='pending']")
    fits(tab)
    tab.screenshot(f"conditions-department-{width}-{lang}")
    # the browser logs the refused request it was asked to make; nothing else went wrong
    assert [e for e in tab.errors if "status of 422" not in e] == [], tab.errors

    # the NDRC, on the review page and on its overview, before deciding
    ndrc = open_tab(width=width, language=lang)
    ndrc.page.goto(review)
    log_in(ndrc, "ndrc", demo_secret("ndrc"))
    shown = ndrc.page.locator(".condition-item[data-condition='flood_control']")
    shown.locator(".condition-status").wait_for()
    assert "须编制防洪评价报告并经区水利局审批" in shown.inner_text()
    missing = ndrc.page.inner_text("#conditions-missing")
    assert ("用地指标" if lang == "zh" else "land-use quota") in missing
    assert ("防洪" if lang == "zh" else "flood-control") not in missing
    ndrc.page.goto(f"{live_server}/ndrc?lang={lang}")
    ndrc.settle()
    row = ndrc.page.locator(f"tr[data-proposal-id='{proposal['id']}'] .building-conditions")
    row.wait_for()
    assert row.get_attribute("data-missing") == "6"
    # folded to its count, so the row stays one line tall; unfolded, it says who is to record each
    responsible = ("厦门市自然资源和规划局翔安分局" if lang == "zh"
                   else "Xiamen Natural Resources and Planning Bureau, Xiang'an Branch")
    assert ("建设条件未齐：6项" if lang == "zh" else "Building conditions missing: 6") in row.inner_text()
    assert not row.get_by_text(responsible).first.is_visible()
    zoom = ndrc.page.evaluate("Blueprint.map().getZoom()")
    row.locator("summary").click()
    assert row.get_by_text(responsible).first.is_visible()
    assert ndrc.page.evaluate("Blueprint.map().getZoom()") == zoom  # unfolding is not a click on the row's site
    assert not ndrc.errors, ndrc.errors


@pytest.mark.parametrize(("width", "lang"), [(390, "en"), (1440, "zh")])
def test_the_departments_page_shows_the_tree_by_level_from_the_navigation(open_tab, live_server, loaded_samples,
                                                                          width, lang):
    tab = open_tab(width=width, language=lang)
    page = tab.page
    page.goto(f"{live_server}/map?lang={lang}")
    tab.settle()
    if page.is_visible("#nav-toggle"):
        page.click("#nav-toggle")
    page.click("a.nav-link[href^='/departments']")
    page.wait_for_selector("#department-tree")
    branch = page.locator(".department-node[data-department='xiangan_natural_resources']")
    assert ("厦门市自然资源和规划局翔安分局" if lang == "zh" else "Xiang'an Branch") in branch.inner_text()
    assert branch.locator("[data-concern='land_use']").count() == 1
    page.select_option("#filter-level", "town")
    page.click("#departments-filter")
    page.wait_for_selector(".department-node[data-department='xiangan_maxiang']")
    assert page.locator(".department-node.level-city").count() == 0
    fits(tab)
    tab.screenshot(f"departments-{width}-{lang}")
    assert not tab.errors, tab.errors
