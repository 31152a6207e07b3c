"""Layer impact reports in headless Chromium: a department finds the report on its projects in its work list
(/queue), marked new until opened, and reads it; the NDRC opens a report from /ndrc, re-screens the proposals
it names after a confirmation and sees which got new screenings and how their counts changed; the rules page
shows the rules in force and its history. Phone (390 px) and desktop (1440 px), Chinese and English.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from login_page import log_in

pytestmark = pytest.mark.browser


def _fits(tab) -> None:
    assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _work_list_entry(open_tab, url: str, username: str, secret: str, impact_id: int, width: int, lang: str):
    """A tab of ``width`` px showing the work list at ``url`` as ``username``, and the report's entry in it."""
    tab = open_tab(width=width, language=lang)
    tab.page.goto(url)
    log_in(tab, username, secret)
    entry = tab.page.locator(f".impact-item[data-impact-id='{impact_id}']")
    entry.wait_for()
    return tab, entry


@pytest.mark.parametrize(("width", "lang"), [(390, "zh"), (1440, "en")])
def test_a_department_sees_its_impact_in_its_queue_and_reads_it(open_tab, live_server, demo_secret,
                                                                 revised_impact, width, lang):
    ids, impact_id = revised_impact["ids"], revised_impact["impact_id"]
    tab, entry = _work_list_entry(open_tab, f"{live_server}/queue?lang={lang}", "dept-natural_resources",
                                  demo_secret("dept-natural_resources"), impact_id, width, lang)
    page = tab.page
    assert entry.locator(".impact-new").count() == 1  # not opened yet on this browser
    assert entry.locator(".impact-count[data-change='appeared'] .severity-blocking").inner_text() == "1"  # B, not D
    assert ("第1版 → 第2版" if lang == "zh" else "version 1 → 2") in entry.inner_text()
    _fits(tab)
    tab.screenshot(f"impact-queue-{width}-{lang}")
    entry.locator("a.impact-open").click()
    page.wait_for_selector("#impact-rows li")
    tab.settle()
    shown = page.eval_on_selector_all("#impact-rows li", "rows => rows.map(r => Number(r.dataset.proposalId))")
    assert sorted(shown) == sorted(ids[name] for name in "ABC")
    row = page.locator(f"#impact-rows li[data-proposal-id='{ids['A']}']")
    assert ("亩" if lang == "zh" else "mu") in row.inner_text()
    assert row.locator("a").get_attribute("href") == f"/proposals/{ids['A']}/review?lang={lang}"
    assert page.is_hidden("#rescreen-start")  # the NDRC's action; the page says so
    assert page.inner_text("#rescreen-about") == ("重新检测由发改委发起。" if lang == "zh"
                                                  else "The NDRC starts the re-screening.")
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 3 + 4  # sites, features
    _fits(tab)
    tab.screenshot(f"impact-page-department-{width}-{lang}")
    page.go_back()
    page.locator(f".impact-item[data-impact-id='{impact_id}']").wait_for()
    tab.settle()
    assert page.locator(f".impact-item[data-impact-id='{impact_id}'] .impact-new").count() == 0
    # The review page names the rule set its screening applied and links to those rules.
    page.goto(f"{live_server}/proposals/{ids['A']}/review?lang={lang}")
    rules = page.locator("a.rule-set-link")
    rules.wait_for()
    assert rules.get_attribute("href") == f"/rules?version=1&lang={lang}"
    rules.click()
    page.wait_for_selector("#rules-rows tr")
    assert page.inner_text("#rules-version-heading").startswith("第1版" if lang == "zh" else "version 1")
    assert not tab.errors, tab.errors


@pytest.mark.parametrize(("width", "lang"), [(1440, "zh"), (390, "en")])
def test_the_ndrc_opens_an_impact_from_its_overview_and_rescreens_what_it_names(
        open_tab, live_server, demo_secret, revised_impact, width, lang):
    ids = revised_impact["ids"]
    tab, entry = _work_list_entry(open_tab, f"{live_server}/ndrc?lang={lang}", "ndrc", demo_secret("ndrc"),
                                  revised_impact["impact_id"], width, lang)
    page = tab.page
    entry.locator("a.impact-open").click()
    page.wait_for_selector("#impact-rows li")
    tab.settle()
    assert page.locator("#impact-rows li").count() == 4  # the draft too: the NDRC sees everything
    page.click("#rescreen-start")
    confirmation = page.locator(".rescreen-confirmation")
    confirmation.wait_for()
    assert confirmation.locator("li").count() == 3  # A, B and the draft D; the coded C keeps its screening
    _fits(tab)
    tab.screenshot(f"impact-confirm-{width}-{lang}")
    page.click("#rescreen-confirm-button")
    page.wait_for_selector(".rescreen-table")
    tab.settle()
    result = page.inner_text("#rescreen-result")
    assert ("已为 3 个项目生成新的检测报告。" if lang == "zh" else "3 proposals have a new screening.") in result
    for name in "ABD":
        cells = page.locator(f".rescreen-table tr[data-proposal-id='{ids[name]}'] td")
        # Before: what the proposal carried (no red line at first; the other screen size re-screens it again).
        assert cells.nth(1).locator(".severity-badge").count() == 3
        assert int(cells.nth(2).locator(".severity-blocking").inner_text()) >= 1  # after: the red line blocks
    kept = page.inner_text(".kept-list")
    assert revised_impact["names"]["C"] in kept and ("已赋码" if lang == "zh" else "coded") in kept
    _fits(tab)
    tab.screenshot(f"impact-rescreened-{width}-{lang}")
    assert not tab.errors, tab.errors


@pytest.mark.parametrize(("width", "lang"), [(390, "zh"), (1440, "en")])
def test_the_rules_page_shows_the_rules_in_force_and_the_history(open_tab, live_server, width, lang):
    tab = open_tab(width=width, language=lang)
    page = tab.page
    page.goto(f"{live_server}/rules?lang={lang}")
    page.wait_for_selector("#rules-rows tr")
    tab.settle()
    red_line = page.locator("#rules-rows tr[data-rule-id='ecological_red_line.overlap']")
    assert ("禁止类冲突" if lang == "zh" else "Blocking conflict") in red_line.inner_text()
    follow_up = "调整选址避让生态保护红线" if lang == "zh" else "move the site out of the red line"
    assert follow_up in red_line.inner_text()
    assert page.locator("#matrix-table tbody tr").count() >= 9
    assert "C26" in page.inner_text("#polluting-list")
    assert page.locator("#history-rows tr[data-version='1']").count() == 1
    page.click("#diff-submit")  # version 1 with itself
    page.wait_for_selector("#diff-nothing")
    _fits(tab)
    tab.screenshot(f"rules-{width}-{lang}")
    assert not tab.errors, tab.errors
