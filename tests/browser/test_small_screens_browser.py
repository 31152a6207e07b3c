"""The page frame on a phone and a narrow window, and the pages with the keyboard only, in headless Chromium:
the navigation folds into a menu button that opens with the keyboard, the panel is a bottom sheet whose
handle gives the map or the panel most of the screen (the map redraws at its new size), and the rows of the
lists (proposals on the map, parcels, the NDRC's table, a proposal's conflicts) are reached with Tab, show
where the focus is, and open with Enter as they do with a click. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from conftest import proposal_details_refused
from login_page import log_in
from sqlalchemy import text

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
FOCUS_RING = """() => { const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2; }"""


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", **PHONE)
    yield context.new_page()
    context.close()


def in_view(page, selector: str) -> bool:
    return page.evaluate("""(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
        return box.width > 0 && box.left >= 0 && box.right <= innerWidth && box.bottom <= innerHeight; }""", selector)


def resting_box(page, selector: str) -> dict[str, float]:
    """The box of ``selector`` once it stays put for 200 ms (a popup moves while the map pans to it)."""
    box = page.locator(selector).bounding_box()
    for _ in range(30):
        page.wait_for_timeout(200)
        box, before = page.locator(selector).bounding_box(), box
        if box == before:
            break
    return box


def tab_to(page, selector: str, presses: int = 400) -> None:
    """Press Tab from the top of the page until the focus is on an element matching ``selector``."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{presses} presses of Tab never reached {selector}")


@pytest.mark.parametrize(("width", "language"), [(390, "zh"), (1024, "en")])
def test_the_navigation_folds_into_a_menu_button_that_opens_with_the_keyboard(open_tab, live_server, width,
                                                                             language) -> None:
    tab = open_tab(width, language)
    page = tab.page
    page.goto(f"{live_server}/map?lang={language}")
    assert page.is_hidden("a.nav-link[href^='/investment']") and in_view(page, "#login-link")
    tab_to(page, "#nav-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("a.nav-link[href^='/investment']", state="visible")
    assert page.get_attribute("#nav-toggle", "aria-expanded") == "true"
    for selector in ("a.nav-link[href^='/map']", "a.nav-link[href^='/investment']", "#language-switch"):
        assert in_view(page, selector), selector
    tab.screenshot(f"menu-open-{width}-{language}")
    page.click("a.nav-link[href^='/investment']")
    page.wait_for_url(f"**/investment?lang={language}")
    assert tab.errors == []


def test_the_menu_stays_open_in_one_line_on_a_desktop(tab, live_server) -> None:
    tab.page.goto(f"{live_server}/map?lang=en")
    assert tab.page.is_hidden("#nav-toggle") and tab.page.is_visible("a.nav-link[href^='/investment']")
    assert tab.page.evaluate("document.querySelector('.blueprint-nav').getBoundingClientRect().height") <= 64


def test_on_a_phone_the_panel_is_a_bottom_sheet_under_a_full_width_map(phone, live_server) -> None:
    phone.goto(f"{live_server}/map")
    phone.wait_for_selector(".leaflet-tile-loaded")
    sizes = """() => ({map: document.querySelector('.folium-map').getBoundingClientRect().toJSON(),
        sheet: document.getElementById('side-panel').getBoundingClientRect().toJSON(),
        leaflet: {x: Blueprint.map().getSize().x, y: Blueprint.map().getSize().y}, height: window.innerHeight})"""
    half = phone.evaluate(sizes)
    assert half["map"]["width"] == 390 and half["sheet"]["top"] >= half["map"]["top"] + 300
    assert half["sheet"]["bottom"] <= half["height"] + 1 and half["sheet"]["height"] >= 0.3 * half["height"]
    assert phone.get_attribute("#sheet-toggle", "aria-expanded") == "false"
    phone.click("#sheet-toggle")
    phone.wait_for_function("() => document.getElementById('side-panel').offsetHeight > 0.7 * innerHeight")
    phone.wait_for_timeout(300)  # the sheet's transition, then Leaflet's resize
    full = phone.evaluate(sizes)
    assert phone.get_attribute("#sheet-toggle", "aria-expanded") == "true"
    assert phone.inner_text("#sheet-toggle .sheet-label") == "收起面板，显示地图"
    assert full["leaflet"]["y"] == round(full["map"]["height"]) < half["leaflet"]["y"]
    phone.click("#sheet-toggle")
    phone.wait_for_timeout(400)
    assert phone.evaluate(sizes)["leaflet"]["y"] == half["leaflet"]["y"]
    # The panel's own content scrolls inside the sheet; the page never scrolls sideways.
    phone.locator("#layer-panel .layer-toggle input").first.click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_proposals_on_the_map_open_with_the_keyboard(open_tab, live_server, demo_secret) -> None:
    tab = open_tab(1440, "zh")
    page = tab.page
    page.goto(f"{live_server}/map")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    # The list's one request brings the sites: no proposal's own detail is asked for.
    with proposal_details_refused(page) as details_asked:
        page.reload()
        page.wait_for_selector("#proposal-list .proposal-item[data-activate]")
        before = page.evaluate("Blueprint.map().getZoom()")
        tab_to(page, "#proposal-list .proposal-item")
        assert page.evaluate(FOCUS_RING)
        page.keyboard.press("Enter")
        page.wait_for_selector(".leaflet-popup")
        assert page.evaluate("Blueprint.map().getZoom()") > before
    assert details_asked == []
    tab.screenshot("keyboard-proposal")
    assert tab.errors == []


def test_a_parcel_row_opens_with_the_keyboard_on_a_phone(phone, live_server) -> None:
    phone.goto(f"{live_server}/investment?lang=en")
    phone.wait_for_selector("#parcel-list .parcel-row")
    tab_to(phone, "#parcel-list .parcel-row", presses=60)
    assert phone.evaluate(FOCUS_RING)
    code = phone.evaluate("document.activeElement.getAttribute('data-code')")
    phone.keyboard.press("Enter")
    phone.wait_for_selector(".leaflet-popup")
    assert code in phone.inner_text(".leaflet-popup")
    # once the map has panned to it: the whole popup on the map, beside the zoom buttons (drawn above popups),
    # not under them
    popup = resting_box(phone, ".leaflet-popup-content-wrapper")
    zoom = phone.locator(".leaflet-control-zoom").bounding_box()
    the_map = phone.locator(".folium-map").bounding_box()
    assert zoom["x"] + zoom["width"] <= popup["x"] and popup["x"] + popup["width"] <= the_map["x"] + the_map["width"], \
        (popup, zoom, the_map)
    # and its title below the notice at the map's top right (drawn above it; clicks go through it, words do not)
    note = phone.locator("#basemap-note").bounding_box()
    assert note["y"] + note["height"] <= popup["y"], (popup, note)


def test_the_ndrc_table_and_a_proposals_conflicts_open_with_the_keyboard(open_tab, live_server, demo_secret,
                                                                        client, login) -> None:
    tab = open_tab(1440, "en")
    page = tab.page
    page.goto(f"{live_server}/ndrc?lang=en")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    page.wait_for_selector("#ndrc-rows tr[data-proposal-id]")
    page.evaluate("() => { Blueprint.map().setZoom(9); }")
    tab_to(page, "#ndrc-rows tr[data-proposal-id]")
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press("Enter")
    page.wait_for_function("() => Blueprint.map().getZoom() > 9")

    conflicted = next(p for p in client.get("/api/v1/proposals", headers=login("ndrc")).json()
                      if p["conflicts"].get("blocking_count"))
    page.goto(f"{live_server}/proposals/{conflicted['id']}/review?lang=en")
    page.wait_for_selector("#conflict-list .conflict-item")
    tab_to(page, "#conflict-list .conflict-item")
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press(" ")
    page.wait_for_selector(".leaflet-popup")
    assert tab.errors == []


@pytest.mark.parametrize(("width", "language", "label"), [(390, "zh", "条件："), (390, "en", "Condition: "),
                                                          (1440, "en", None)])
def test_wide_tables_read_as_labelled_cards_on_a_phone(open_tab, live_server, width, language, label) -> None:
    """The rules' five columns squeezed a rule's condition into one character per line at 390 px."""
    tab = open_tab(width, language)
    page = tab.page
    page.goto(f"{live_server}/rules?lang={language}")
    page.wait_for_selector("#rules-rows tr")
    condition = page.locator("#rules-rows tr").first.locator("td").nth(1)
    shown = condition.evaluate("""(cell) => ({ width: cell.getBoundingClientRect().width,
        label: getComputedStyle(cell, '::before').content, header: document.querySelector('#rules-table thead')
            .getBoundingClientRect().height })""")
    if label is None:  # a desktop keeps the table and its header
        assert shown["header"] > 10 and shown["label"] in ("none", "normal"), shown
    else:
        assert shown["width"] > 0.8 * (width - 40) and shown["label"].strip('"') == label, shown
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert tab.errors == []


def test_a_projects_timeline_keeps_readable_labels_on_a_phone(open_tab, live_server, demo_secret,
                                                             engine) -> None:
    """The 900-unit timeline shrank to a third on a phone: its 11 px labels came out 4 px high."""
    with engine.connect() as connection:  # a coded project with approval items: one that has a timeline
        code = connection.execute(text(
            "SELECT p.project_code FROM proposals p WHERE EXISTS (SELECT 1 FROM approval_items i "
            "WHERE i.proposal_id = p.id) ORDER BY p.id LIMIT 1")).scalar_one()
    tab = open_tab(390, "zh")
    page = tab.page
    page.goto(f"{live_server}/supervision/projects/{code}")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    page.wait_for_selector("#gantt .sv-chart svg text")
    heights = page.eval_on_selector_all("#gantt .sv-chart svg text",
                                        "(labels) => labels.map((l) => l.getBoundingClientRect().height)")
    assert min(h for h in heights if h > 0) >= 10, heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the chart scrolls, not the page
    assert tab.errors == []
