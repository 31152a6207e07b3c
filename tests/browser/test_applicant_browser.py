"""The applicant's pages and draw-and-screen in headless Chromium, at 390 px (a phone) and 1440 px, in Chinese
and English: logging in on the login page (the session holds in a new tab, no script sees the token, logout
ends it), creating, revising and submitting a proposal with a CAD drawing in EPSG:4548, drawing and uploading
a site on the one-blueprint map and reading its screening, bad sites refused in the page's language, and the
measure tool. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import numpy as np
import pyproj
import pytest
import shapely
from conftest import proposal_details_refused
from login_page import log_in
from playwright.sync_api import expect
from shapely.geometry import Point, box, shape
from sqlalchemy import text
from test_proposals import credit_code, proposal_body
from test_site_files import red_line_dxf, write
from test_supervision_support import clean_sites

from projects.accounts import Role, create_account

pytestmark = pytest.mark.browser

SECRET = "applicant-browser-secret"
ORGANISATION = "厦门页面测试建设有限公司"
CODE = credit_code(70081)
ISLAND = box(118.105, 24.470, 118.110, 24.474)  # Xiamen Island: land-use zones of every kind under it
COMBINATIONS = [(390, "zh"), (1440, "en"), (1440, "zh"), (390, "en")]
TO_4548 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)


@pytest.fixture(scope="module")
def applicant(engine, loaded_samples) -> str:
    with engine.begin() as connection:
        create_account(connection, username="applicant-browser", secret=SECRET, role=Role.APPLICANT,
                       organisation=ORGANISATION, credit_code=CODE)
    return "applicant-browser"


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM proposals), (SELECT count(*) FROM site_revisions), "
            "(SELECT count(*) FROM screenings)")).one())


def open_page(tab, url: str) -> None:
    tab.page.goto(url)
    tab.settle()


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a WGS84 point on the map."""
    return tuple(page.evaluate("""([lon, lat]) => {
        const map = Blueprint.map(), box = map.getContainer().getBoundingClientRect();
        const p = map.latLngToContainerPoint([lat, lon]);
        return [box.left + p.x, box.top + p.y]; }""", [lon, lat]))


def draw_polygon(page, corners: list[tuple[float, float]]) -> None:
    """Draw a polygon with Leaflet.draw's toolbar, clicking each corner and the first again."""
    page.click(".leaflet-draw-draw-polygon")
    for lon, lat in [*corners, corners[0]]:
        page.mouse.click(*map_point(page, lon, lat))
        page.wait_for_timeout(150)


def show_on_map(page, geometry) -> None:
    west, south, east, north = geometry.bounds
    page.evaluate("(b) => Blueprint.map().fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [40, 40]})",
                  [west, south, east, north])
    page.wait_for_timeout(400)


@pytest.mark.parametrize(("width", "language"), COMBINATIONS)
def test_login_holds_in_a_new_tab_hides_the_token_and_logout_ends_it(open_tab, live_server, applicant,
                                                                     width, language):
    tab = open_tab(width, language)
    page = tab.page
    open_page(tab, f"{live_server}/proposals/mine?lang={language}")
    page.click("#login-link")
    page.wait_for_selector("#login-form")
    page.fill("#login-username", applicant)
    page.fill("#login-secret", "wrong-secret")
    page.click("#login-submit")
    page.wait_for_function("() => document.getElementById('login-message').textContent.length > 0")
    assert page.inner_text("#login-message") == ("用户名或密码错误" if language == "zh" else
                                                 "Unknown username or wrong secret")
    page.fill("#login-secret", SECRET)
    page.click("#login-submit")
    page.wait_for_url(f"{live_server}/proposals/mine?lang={language}")
    name = page.inner_text("#login-name")
    assert ORGANISATION in name and ("项目单位" if language == "zh" else "applicant") in name
    assert applicant not in name
    # No script on the page can read the token: not in document.cookie, not in any storage.
    assert "blueprint_session" not in page.evaluate("document.cookie")
    assert page.evaluate("Object.keys(sessionStorage).concat(Object.keys(localStorage))") == []
    other = tab.context.new_page()  # a new tab opened by URL keeps the session
    other.goto(f"{live_server}/proposals/new?lang={language}")
    other.wait_for_selector("#login-user")
    other.wait_for_selector("#proposal-form:not(.d-none)")
    assert other.input_value("#field-credit_code") == CODE
    tab.screenshot(f"login-{language}-{width}")
    other.click("#logout")
    other.wait_for_url(f"{live_server}/login?lang={language}")
    page.reload()
    page.wait_for_selector("#login-link")
    assert page.query_selector("#login-user") is None
    assert not [error for error in tab.errors if "401" not in error], tab.errors  # 401: the wrong secret


@pytest.mark.parametrize(("width", "language"), [(390, "zh"), (1440, "en")])
def test_draw_and_screen_on_the_map_with_bad_sites_refused_in_the_pages_language(
        open_tab, live_server, client, engine, tmp_path, width, language):
    tab = open_tab(width, language)
    page = tab.page
    before = counts(engine)
    open_page(tab, f"{live_server}/?lang={language}")
    assert page.get_attribute(".leaflet-draw-draw-polygon", "title") == ("绘制多边形" if language == "zh"
                                                                          else "Draw a polygon")
    show_on_map(page, ISLAND)
    corners = [(118.105, 24.470), (118.110, 24.470), (118.110, 24.474), (118.105, 24.474)]
    with page.expect_response(lambda r: r.url.endswith("/api/v1/screenings")) as screened:
        draw_polygon(page, corners)
    report = screened.value.json()
    assert screened.value.status == 200 and report["conflicts"]
    page.wait_for_selector("#screening-words")
    words = page.inner_text("#screening-words")
    assert ("亩" if language == "zh" else "mu") in words
    summary = report["summary"]
    assert str(summary["blocking_count"]) in words and str(summary["needs_review_count"]) in words
    items = page.locator("#screening-list .conflict-item")
    assert items.count() == len(report["conflicts"])
    first = report["conflicts"][0]["overlap"]
    assert f"{first['percent_of_site']:.1f}%" in items.first.inner_text() or "%" in items.first.inner_text()
    # The layers the conflicts concern are switched on, their toggles too.
    concerned = {conflict["layer_id"] for conflict in report["conflicts"] if conflict["layer_id"]}
    shown = page.evaluate("""(ids) => Blueprint.config.layers.filter(l => ids.includes(l.id)).map(l =>
        [Blueprint.map().hasLayer(window[l.variable]),
         document.querySelector('[data-layer-toggle="' + l.variable + '"]').checked])""", sorted(concerned))
    assert shown and all(on and checked for on, checked in shown)
    statuses = page.locator("#screening-status tr[data-layer-kind]")
    assert statuses.count() == len(report["layer_status"])
    tab.screenshot(f"draw-and-screen-{language}-{width}")

    # A point layer is no site; a site in the sea is outside the planning area: each says so over the map.
    # The file field speaks the page's language, not the browser's, and names the file chosen.
    picker = page.locator("#site-file + .file-picker")
    assert picker.inner_text().split() == (["选择文件", "未选择文件"] if language == "zh"
                                           else ["Choose", "a", "file", "No", "file", "chosen"])
    page.select_option("#site-crs", "")
    page.set_input_files("#site-file", str(write(tmp_path / "wells.geojson",
                                                 [Point(118.106, 24.471), Point(118.107, 24.472)], "GeoJSON")))
    assert picker.locator(".file-picker-name").inner_text() == "wells.geojson"
    page.click("#site-upload")
    page.wait_for_selector("#site-alert:not(.d-none)")
    alert = page.inner_text("#site-alert")
    assert ("没有面状要素" if language == "zh" else "points") in alert
    assert (language == "en") == ("holds" in alert)  # a Chinese page shows no English sentence
    page.set_input_files("#site-file", str(write(tmp_path / "sea.kml", [box(118.30, 24.20, 118.31, 24.21)], "KML")))
    page.click("#site-upload")
    page.wait_for_function("() => /规划范围|planning area/.test(document.getElementById('site-alert').textContent)")
    assert ("海域" if language == "zh" else "outside the planning area") in page.inner_text("#site-alert")
    assert counts(engine) == before  # nothing stored by any of it

    # The measure tool: a line in metres, a polygon in m², 亩 and 公顷.
    show_on_map(page, ISLAND)
    page.click(".measure-distance")
    for lon, lat in [(118.105, 24.470), (118.110, 24.470), (118.110, 24.470)]:
        page.mouse.click(*map_point(page, lon, lat))
        page.wait_for_timeout(150)
    page.wait_for_selector(".measure-result")
    distance = page.inner_text(".measure-result")
    metres = 6378137 * np.radians(0.005) * np.cos(np.radians(24.47))
    assert ("米" if language == "zh" else " m") in distance
    shown_metres = float(re.search(r"[\d,.]+", re.split("[：:]", distance)[-1]).group().replace(",", ""))
    assert abs(shown_metres - metres) < 0.02 * metres, distance
    page.click(".measure-area")
    draw_polygon_clicks = [(118.105, 24.470), (118.110, 24.470), (118.110, 24.474), (118.105, 24.470)]
    for lon, lat in draw_polygon_clicks:
        page.mouse.click(*map_point(page, lon, lat))
        page.wait_for_timeout(150)
    page.wait_for_function("() => document.querySelectorAll('.measure-result').length === 2")
    area = page.locator(".measure-result").nth(1).inner_text()
    assert all(unit in area for unit in (("平方米", "亩", "公顷") if language == "zh" else ("m²", "mu", "ha")))
    assert counts(engine) == before  # measuring screens and stores nothing
    assert not [error for error in tab.errors if "422" not in error], tab.errors


@pytest.mark.parametrize(("width", "language"), [(1440, "zh"), (390, "en")])
def test_an_applicant_uploads_a_cad_drawing_in_4548_revises_the_site_and_submits(
        open_tab, live_server, client, login, engine, applicant, tmp_path, width, language):
    tab = open_tab(width, language)
    page = tab.page
    spots = clean_sites(engine)
    first, second = shape(next(spots)), shape(next(spots))
    open_page(tab, f"{live_server}/proposals/new?lang={language}")
    log_in(tab, applicant, SECRET)
    page.wait_for_selector("#proposal-form:not(.d-none)")
    assert page.input_value("#field-applicant_organisation") == ORGANISATION
    name = f"页面申报测试项目 {language} {width}"
    page.fill("#field-name", name)
    page.select_option("#field-project_type", "03")
    page.fill("#field-industry", "o80")
    page.select_option("#field-land_use", "07")
    page.fill("#field-total_investment_wan", "1500")
    page.select_option("#field-funding_source", "self_raised")
    page.select_option("#field-district_code", "350203")

    def drawing(site, name: str):
        outline = shapely.transform(site, lambda xy: np.column_stack(TO_4548.transform(xy[:, 0], xy[:, 1])))
        return str(red_line_dxf(tmp_path / name, outline))

    # Without its CRS the drawing's metres are read as degrees: refused over the map, nothing stored.
    before = counts(engine)
    page.set_input_files("#site-file", drawing(first, "红线图.dxf"))
    page.click("#site-upload")
    page.wait_for_selector("#site-alert:not(.d-none)")
    assert ("坐标系" if language == "zh" else "EPSG:4548") in page.inner_text("#site-alert")
    assert page.is_disabled("#proposal-save")
    page.select_option("#site-crs", "EPSG:4548")
    page.click("#site-upload")
    page.wait_for_selector("#screening-words")
    assert page.is_hidden("#site-alert")
    assert counts(engine) == before
    page.click("#proposal-save")
    page.wait_for_selector("#apply-note")
    page.wait_for_url("**/proposals/*/edit?lang=" + language)
    proposal_id = int(page.url.split("/proposals/")[1].split("/")[0])
    tab.screenshot(f"proposal-saved-{language}-{width}")

    # A revised site: screened at once as a preview, saved as revision 2 with its new screening.
    page.set_input_files("#site-file", drawing(second, "红线图-修改.dxf"))
    with page.expect_response(lambda r: r.url.endswith("/api/v1/screenings")):
        page.click("#site-upload")
    assert page.is_disabled("#proposal-submit") and page.is_enabled("#proposal-save")
    with page.expect_response(lambda r: r.url.endswith(f"/proposals/{proposal_id}/sites")) as saved:
        page.click("#proposal-save")
    assert saved.value.status == 201
    page.wait_for_selector("#apply-note")
    page.click("#proposal-submit")
    page.wait_for_function("(s) => document.getElementById('proposal-state').textContent === s",
                           arg="已提交" if language == "zh" else "submitted")
    detail = client.get(f"/api/v1/proposals/{proposal_id}", headers=login("ndrc")).json()
    assert detail["state"] == "submitted" and detail["name"] == name and detail["industry"] == "O80"
    assert len(detail["revisions"]) == 2
    current = shape(detail["revisions"][-1]["geometry"])
    assert current.symmetric_difference(second).area < 1e-3 * second.area
    assert detail["funding_source"] == "self_raised"
    assert page.inner_text("#proposal-funding") == ("企业自筹资金" if language == "zh" else "the company's own funds")

    # My proposals: its state, the departments it waits for, no code yet.
    if width < 1200:  # the links are behind the menu button, clickable once it has opened
        page.click("#nav-toggle")
        page.wait_for_selector("#nav-menu.show")
    page.click("a.nav-link[href^='/proposals/mine']")
    page.wait_for_url("**/proposals/mine**")
    page.wait_for_selector(f"#mine-list [data-proposal-id='{proposal_id}']")
    row = page.locator(f"#mine-list [data-proposal-id='{proposal_id}']")
    assert ("已提交" if language == "zh" else "submitted") in row.locator(".proposal-state").inner_text()
    assert row.locator(".proposal-code").inner_text() == "—"
    tab.screenshot(f"my-proposals-{language}-{width}")
    assert not [error for error in tab.errors if "422" not in error], tab.errors


def test_an_applicant_turns_a_drawn_site_into_a_proposal_in_one_step(open_tab, live_server, engine, applicant):
    """The map's "make this site a proposal" opens the proposal page with the site and its parameters."""
    tab = open_tab(1440, "zh")
    page = tab.page
    site = shape(next(clean_sites(engine)))
    open_page(tab, f"{live_server}/")
    log_in(tab, applicant, SECRET)
    show_on_map(page, site.buffer(0.002))
    west, south, east, north = site.bounds
    with page.expect_response(lambda r: r.url.endswith("/api/v1/screenings")):
        draw_polygon(page, [(west, south), (east, south), (east, north), (west, north)])
    page.click("#to-proposal")
    page.wait_for_url("**/proposals/new?lang=zh&from=map")
    page.wait_for_selector("#screening-words")
    assert page.input_value("#field-land_use") == "1001" and page.is_enabled("#proposal-save")
    page.fill("#field-name", "由总图选址申报的项目")
    page.fill("#field-total_investment_wan", "800")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/proposals")) as created:
        page.click("#proposal-save")
    assert created.value.status == 201, created.value.text()
    carried = shape(created.value.json()["revisions"][0]["geometry"])
    assert carried.symmetric_difference(site).area < 0.2 * site.area  # the site drawn on the map, by pixels
    assert not tab.errors, tab.errors


@pytest.mark.parametrize(("width", "language"), [(390, "zh"), (1440, "en")])
def test_a_proposal_left_at_the_default_district_takes_the_district_of_its_site(
        open_tab, live_server, engine, applicant, tmp_path, width, language):
    """The form's 所在区 starts at "from the site"; a site drawn in 集美 saves a 集美 proposal, and the saved
    proposal's facts name 集美 in the page's language."""
    tab = open_tab(width, language)
    page = tab.page
    open_page(tab, f"{live_server}/proposals/new?lang={language}")
    log_in(tab, applicant, SECRET)
    page.wait_for_selector("#proposal-form:not(.d-none)")
    assert page.input_value("#field-district_code") == ""
    assert page.inner_text("#field-district_code option[value='']") == (
        "按选址所在区确定" if language == "zh" else "The district the site lies in")
    page.fill("#field-name", f"按选址定区测试 {language} {width}")
    page.select_option("#field-project_type", "03")
    page.fill("#field-industry", "o80")
    page.select_option("#field-land_use", "07")
    page.fill("#field-total_investment_wan", "800")
    page.select_option("#field-funding_source", "self_raised")
    site = shape(next(clean_sites(engine, district="350211")))
    page.set_input_files("#site-file", str(write(tmp_path / "集美选址.geojson", [site], "GeoJSON")))
    page.click("#site-upload")
    page.wait_for_selector("#screening-words")
    page.click("#proposal-save")
    page.wait_for_url("**/proposals/*/edit?lang=" + language)
    tab.settle()
    proposal_id = int(page.url.split("/proposals/")[1].split("/")[0])
    with engine.connect() as connection:
        assert connection.execute(text("SELECT district_code FROM proposals WHERE id = :id"),
                                  {"id": proposal_id}).scalar_one() == "350211"
    expect(page.locator("#proposal-district")).to_have_text("集美区" if language == "zh" else "Jimei")
    tab.screenshot(f"proposal-district-from-site-{language}-{width}")


def test_my_proposals_come_with_their_sites_in_one_request(open_tab, live_server, client, login, engine, applicant):
    """The list's one request brings every proposal with its site: no proposal's own detail is asked for, and
    a row zooms the map to its site."""
    headers = login(applicant, SECRET)
    site = shape(next(clean_sites(engine)))
    created = client.post("/api/v1/proposals", json=proposal_body(site, CODE, name="一次请求列出选址的项目"),
                          headers=headers)
    assert created.status_code == 201, created.text
    proposal_id = created.json()["id"]
    tab = open_tab(1440, "zh")
    page = tab.page
    open_page(tab, f"{live_server}/")
    log_in(tab, applicant, SECRET)
    row = page.locator(f"#mine-list [data-proposal-id='{proposal_id}']")
    with proposal_details_refused(page) as details_asked:
        page.goto(f"{live_server}/proposals/mine?lang=zh")
        expect(row).to_have_attribute("data-activate", "")
        assert "一次请求列出选址的项目" in row.inner_text()
        assert page.locator("#mine-list .proposal-item").count() == len(
            client.get("/api/v1/proposals", headers=headers).json())
        page.wait_for_timeout(800)  # the map has moved to all the sites
        row.locator(".proposal-name").click()  # the row zooms the map to its site
        page.wait_for_function("() => Blueprint.map().getZoom() === 16")
        west, south, east, north = page.evaluate(
            "() => { const b = Blueprint.map().getBounds(); "
            "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
    assert west <= site.centroid.x <= east and south <= site.centroid.y <= north
    assert details_asked == []
