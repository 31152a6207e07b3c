"""The map pages in headless Chromium: they load without console errors, draw the planning layers from
vector tiles (only the tiles in view), draw the proposals after login, save a marking drawn on the review
map, show the NDRC why a proposal cannot be coded (offering no approval there), name another project a
site overlaps only for officials, and put a GCJ-02 basemap where it belongs.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import math
import re
import uuid

import numpy as np
import pytest
import shapely
from login_page import log_in as sign_in
from test_proposals import credit_code, proposal_body
from test_supervision_support import clean_sites

from gis.gcj02 import wgs84_to_gcj02
from gis.messages import one_language
from projects.accounts import Role, create_account
from web.settings import map_settings

pytestmark = pytest.mark.browser

APPLICANT_SECRET = "browser-applicant-secret"
TILE_URL = re.compile(r"/tiles/composite/(\d+)/(\d+)/(\d+)\.pbf")
PAINTED_TILES = """() => Array.from(document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded'))
  .filter(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 for (let i = 3; i < d.length; i += 4) { if (d[i]) return true; } return false; }).length"""
VISIBLE_TILE_RANGE = """(zoom) => { const b = Blueprint.map().getPixelBounds();
  return [Math.floor(b.min.x / 256), Math.floor(b.min.y / 256), Math.floor((b.max.x - 1) / 256),
          Math.floor((b.max.y - 1) / 256), Blueprint.map().getZoom()]; }"""


def open_page(tab, url: str) -> None:
    tab.page.goto(url)
    tab.settle()


def log_in(tab, username: str, secret: str) -> None:
    sign_in(tab, username, secret)


def proposals_seen_by(client, login, username: str) -> list[dict]:
    return client.get("/api/v1/proposals", headers=login(username)).json()


def test_the_blueprint_map_draws_the_layers_from_tiles_and_the_proposals_after_login(
        tab, live_server, client, login, demo_secret):
    open_page(tab, f"{live_server}/map")
    config = tab.page.evaluate("Blueprint.config")
    tiles = tab.tile_responses()
    assert tiles and all(response.status in (200, 204) for response in tiles)
    assert sum(response.status == 200 for response in tiles) >= 3
    assert tab.page.evaluate(PAINTED_TILES) >= 3
    # One composite request per view tile brings every layer, those switched off too.
    addresses = [TILE_URL.search(response.url).groups() for response in tiles]
    assert len(config["layers"]) > 1 and all("/tiles/composite/" in response.url for response in tiles)
    assert len(addresses) == len(set(addresses)), "a view tile was asked more than once"
    assert tab.page.locator("#proposal-list li").count() == 0  # the public sees no proposal

    log_in(tab, "ndrc", demo_secret("ndrc"))
    expected = proposals_seen_by(client, login, "ndrc")
    tab.page.wait_for_function("(n) => document.querySelectorAll('#proposal-list li').length === n",
                               arg=len(expected))
    sites = tab.page.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
    assert sites >= len(expected)
    tab.screenshot("blueprint-map")
    assert tab.errors == []


KIND_DRAWN = """(kind) => { const layer = window[Blueprint.config.layers.find(l => l.kind === kind).variable];
  return Object.values(layer.grid._vectorTiles).reduce((n, tile) => n + Object.values(tile._features)
    .filter(f => f.feature.properties.layer_id === layer.layerId).length, 0); }"""


def test_a_layer_switched_on_in_the_legend_is_drawn_from_the_tiles_already_there(tab, live_server):
    open_page(tab, f"{live_server}/map?lang=en")
    tab.page.evaluate("Blueprint.map().setView([24.52, 118.12], 12, {animate: false})")  # flood zones in view
    tab.settle()
    hidden = next(layer for layer in tab.page.evaluate("Blueprint.config.layers")
                  if not layer["shown"] and layer["kind"] == "flood_risk")
    assert tab.page.evaluate(KIND_DRAWN, "flood_risk") == 0
    before = len(tab.tile_responses())
    tab.page.check(f"[data-layer-toggle='{hidden['variable']}']")
    tab.page.wait_for_function(f"() => ({KIND_DRAWN})('flood_risk') > 0")
    tab.settle()
    assert len(tab.tile_responses()) == before, "switching a layer on fetched the tiles again"
    tab.page.uncheck(f"[data-layer-toggle='{hidden['variable']}']")
    tab.page.wait_for_function(f"() => ({KIND_DRAWN})('flood_risk') === 0")
    assert tab.page.evaluate(KIND_DRAWN, "land_use") > 0  # the other layers stay drawn
    assert len(tab.tile_responses()) == before
    assert "Layers and legend" in tab.page.inner_text("#layer-panel")
    tab.screenshot("blueprint-map-en")
    assert tab.errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_while_tiles_load_the_map_says_so_and_a_click_waits_for_them(tab, live_server, client, language):
    land_use = next(layer for layer in client.get("/api/v1/layers").json() if layer["kind"] == "land_use")
    zone = client.get(f"/api/v1/layers/{land_use['id']}/features",
                      params={"bbox": "118.09,24.47,118.12,24.50", "limit": 1}).json()["features"][0]
    inside = shapely.geometry.shape(zone["geometry"]).representative_point()
    held: list[object] = []
    released = False

    def hold(route) -> None:  # tiles wait until released: a slow link, as long as the test needs
        if released:
            route.continue_()
        else:
            held.append(route)

    tab.page.goto(f"{live_server}/map?lang={language}")
    tab.settle()
    tab.page.route("**/tiles/composite/**", hold)
    tab.page.evaluate("([lat, lon]) => { Blueprint.map().setView([lat, lon], 16, {animate: false}); }",
                      [inside.y, inside.x])
    tab.page.wait_for_function("() => !document.getElementById('tiles-status').hidden")
    status = tab.page.inner_text("#tiles-status")
    assert status == ("规划图层加载中…" if language == "zh" else "Loading planning layers…")
    tab.page.mouse.click(*tab.page.evaluate(
        "(() => { const r = Blueprint.map().getContainer().getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"))
    popup = tab.page.locator(".identify-popup")
    assert ("仍在加载" if language == "zh" else "still loading") in popup.inner_text()
    assert ("此处没有规划图层要素" if language == "zh" else "No planning feature here") not in popup.inner_text()
    assert held, "no tile was asked"
    released = True
    for route in held:
        route.continue_()
    tab.page.wait_for_function("() => document.getElementById('tiles-status').hidden")
    kind_name = "国土空间规划用地" if language == "zh" else "land-use plan"
    tab.page.wait_for_function("(text) => document.querySelector('.identify-popup').innerText.includes(text)",
                               arg=kind_name)  # the zone under the click, once its tile is in
    assert tab.errors == []


def test_a_zoom_or_a_pan_fetches_only_the_tiles_in_view(tab, live_server):
    open_page(tab, f"{live_server}/map")
    for move in ("Blueprint.map().setView([24.48, 118.10], 15, {animate: false})",
                 "Blueprint.map().panBy([500, 300], {animate: false})"):
        before = len(tab.tile_responses())
        tab.page.evaluate(move)
        tab.settle()
        west, north, east, south, zoom = tab.page.evaluate(VISIBLE_TILE_RANGE)
        fetched = [tuple(map(int, TILE_URL.search(r.url).groups())) for r in tab.tile_responses()[before:]]
        assert fetched, f"{move} fetched no tile"
        outside = [(z, x, y) for z, x, y in fetched if z != zoom or not (west <= x <= east and north <= y <= south)]
        assert not outside, f"tiles out of view after {move}: {outside[:5]}"
        assert len(fetched) <= (east - west + 1) * (south - north + 1)  # one composite tile per view tile
    assert tab.errors == []


def test_the_blueprint_page_weighs_less_than_2_mb(tab, live_server):
    finished: list[object] = []
    tab.page.on("requestfinished", lambda request: finished.append(request))
    open_page(tab, f"{live_server}/map")
    sizes = [request.sizes() for request in finished]
    total = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
    assert len(sizes) > 10 and total < 2 * 1024 * 1024, f"{total:,} bytes"


def test_a_department_draws_a_marking_on_the_review_map_and_it_is_still_there_after_reload(
        tab, live_server, client, login, demo_secret):
    # a proposal this department reviews: other tests add proposals in districts whose own bureaus review them
    proposal = next(p for p in proposals_seen_by(client, login, "dept-natural_resources")
                    if p["state"] == "under_review" and p["conflicts"]["blocking_count"])
    detail = client.get(f"/api/v1/proposals/{proposal['id']}", headers=login("dept-natural_resources")).json()
    page = tab.page
    open_page(tab, f"{live_server}/proposals/{proposal['id']}/review")
    log_in(tab, "dept-natural_resources", demo_secret("dept-natural_resources"))
    page.wait_for_selector("#proposal-header h1")
    assert page.inner_text("#proposal-header h1").strip() == proposal["name"]

    # The conflict overlaps are on the map, each with its popup: layer, rule, department, m² and 亩.
    conflicts = detail["screening"]["conflicts"]
    assert page.locator("#conflict-list li").count() == len(conflicts)
    page.click("#conflict-list li >> nth=0")
    popup = page.locator(".leaflet-popup-content").inner_text()
    first = conflicts[0]
    for text in (one_language(first["layer_name"], "zh"), first["rule_id"], first["department_name"]["zh"], "平方米",
                 "亩"):
        assert text in popup
    page.keyboard.press("Escape")

    # Draw a triangle with the Draw toolbar, describe it and save it.
    note = f"请核实河道退让距离 {uuid.uuid4().hex[:6]}"
    page.click(".leaflet-draw-draw-polygon")
    box = page.locator(".folium-map").bounding_box()
    cx, cy = box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3
    for dx, dy in ((0, 0), (80, 10), (40, 90)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(150)
    # Finish with the toolbar's first action: clicking the first vertex again misses it on a loaded machine.
    page.click(".leaflet-draw-actions:visible a >> nth=0")
    page.wait_for_selector("#marking-form:not(.d-none)")
    page.fill("#marking-note", note)
    page.click("#marking-save")
    page.wait_for_selector(f"#marking-list li:has-text('{note}')")
    assert "标注已保存" in page.inner_text("#marking-message")
    tab.screenshot("review-map-marking")

    saved = [f for f in client.get(f"/api/v1/proposals/{proposal['id']}/markings", headers=login("ndrc")).json()[
        "features"] if f["properties"]["note"] == note]
    assert len(saved) == 1 and saved[0]["geometry"]["type"] == "Polygon"
    assert saved[0]["properties"]["department"] == "natural_resources"

    page.reload()
    page.wait_for_selector(f"#marking-list li:has-text('{note}')")
    marked = page.locator(".leaflet-overlay-pane path[stroke='#8e24aa']").count()
    assert marked >= 1
    assert tab.errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_proposal_the_api_would_refuse_offers_no_approval_and_shows_why_on_the_ndrc_page(
        tab, live_server, client, login, demo_secret, lang):
    blocked = next(p for p in proposals_seen_by(client, login, "ndrc")
                   if p["state"] == "under_review" and p["conflicts"]["blocking_count"])
    refusal = client.post(f"/api/v1/proposals/{blocked['id']}/actions", json={"action": "approve"},
                          headers=login("ndrc"))
    assert refusal.status_code == 409
    open_page(tab, f"{live_server}/ndrc?lang={lang}")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    row = f"tr[data-proposal-id='{blocked['id']}']"
    tab.page.wait_for_selector(row)
    assert tab.page.locator("#ndrc-rows tr[data-proposal-id]").count() == len(proposals_seen_by(client, login, "ndrc"))
    assert tab.page.locator(f"{row} button[data-action=approve]").count() == 0
    reasons = tab.page.locator(f"{row} .blockers li")
    assert reasons.count() == len(refusal.json()["reasons"])
    shown = tab.page.inner_text(f"{row} .blockers")
    assert ("暂不可赋码" if lang == "zh" else "Not eligible yet") in shown
    for reason in refusal.json()["reasons"]:
        assert reason["text"][lang] in shown
    if lang == "zh":
        assert "blocking conflict" not in shown
    tab.page.locator(row).scroll_into_view_if_needed()
    tab.screenshot(f"ndrc-not-eligible-{lang}")
    assert tab.errors == []


def test_the_browser_shifts_to_gcj02_with_the_platform_formula(tab, live_server):
    open_page(tab, f"{live_server}/map")
    points = [(118.0894, 24.4798), (117.9, 24.7), (118.4, 24.5), (10.0, 50.0)]
    shifted = tab.page.evaluate("(points) => points.map(p => Blueprint.wgs84ToGcj02(p[0], p[1]))", points)
    lon, lat = wgs84_to_gcj02(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    assert np.allclose(np.array(shifted), np.column_stack([lon, lat]), atol=1e-9, rtol=0)


@pytest.mark.parametrize("crs", ["WGS84", "GCJ02"])
def test_a_gcj02_basemap_is_moved_onto_the_wgs84_layers(tab, live_server, monkeypatch, crs):
    # Any same-origin image serves as the raster tiles; only where the browser puts them matters.
    monkeypatch.setenv("BLUEPRINT_BASEMAP_URL", "/static/img/blueprint.svg?{z}/{x}/{y}")
    monkeypatch.setenv("BLUEPRINT_BASEMAP_CRS", crs)
    map_settings.cache_clear()
    try:
        open_page(tab, f"{live_server}/map")
    finally:
        map_settings.cache_clear()
    tab.page.evaluate("Blueprint.map().setView([24.48, 118.10], 16, {animate: false})")
    tab.settle()
    # Screen offset of the basemap tiles from where an unshifted grid would put them, in pixels.
    offset = tab.page.evaluate("""() => {
      const map = Blueprint.map(), img = document.querySelector('.leaflet-tile-pane img.leaflet-tile-loaded');
      const [z, x, y] = img.src.split('?')[1].split('/').map(Number);
      const expected = map.latLngToContainerPoint(map.unproject([x * 256, y * 256], z));
      const box = img.getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect();
      return [box.left - frame.left - expected.x, box.top - frame.top - expected.y];
    }""")
    centre = tab.page.evaluate("(() => { const c = Blueprint.map().getCenter(); return [c.lng, c.lat]; })()")
    if crs == "WGS84":
        assert offset == pytest.approx([0, 0], abs=1)
        assert tab.page.locator(".map-note-warning").count() == 0
        return
    glon, glat = (float(v) for v in wgs84_to_gcj02(*centre))
    metres_per_pixel = 2 * math.pi * 6378137 * math.cos(math.radians(centre[1])) / (256 * 2**16)
    east_m = (glon - centre[0]) * math.pi / 180 * 6378137 * math.cos(math.radians(centre[1]))
    north_m = (glat - centre[1]) * math.pi / 180 * 6378137
    # The GCJ-02 content at the WGS84 centre is ~500 m away: the tiles move back by as much.
    assert math.hypot(east_m, north_m) > 300
    assert offset == pytest.approx([-east_m / metres_per_pixel, north_m / metres_per_pixel], abs=2)
    assert tab.page.locator(".map-note-warning").is_visible()
    tab.screenshot("blueprint-map-gcj02-basemap")
    assert tab.errors == []


@pytest.fixture(scope="module")
def overlapping_pair(client, login, engine) -> dict:
    """Applicant A's submitted proposal, and applicant B's proposal on the same land (submitted too)."""
    site = shapely.geometry.shape(next(clean_sites(engine)))
    made = {}
    for key, serial in (("a", 70031), ("b", 70032)):
        username = f"browser-applicant-{key}"
        code = credit_code(serial)
        with engine.begin() as connection:
            create_account(connection, username=username, secret=APPLICANT_SECRET, role=Role.APPLICANT,
                           organisation=f"{username} 有限公司", credit_code=code)
        body = proposal_body(site, code, name=f"浏览器保密测试 {key} {uuid.uuid4().hex[:6]}")
        proposal = client.post("/api/v1/proposals", json=body, headers=login(username, APPLICANT_SECRET))
        assert proposal.status_code == 201, proposal.text
        assert client.post(f"/api/v1/proposals/{proposal.json()['id']}/actions", json={"action": "submit"},
                           headers=login(username, APPLICANT_SECRET)).status_code == 200
        made[key] = {"username": username, **proposal.json()}
    return made


def test_the_review_page_tells_an_applicant_of_an_overlap_without_naming_the_other_project(
        tab, live_server, overlapping_pair):
    mine, other = overlapping_pair["b"], overlapping_pair["a"]
    open_page(tab, f"{live_server}/proposals/{mine['id']}/review")
    log_in(tab, mine["username"], APPLICANT_SECRET)
    item = tab.page.locator("#conflict-list li:has-text('其他项目选址')")
    item.wait_for()
    item.click()
    assert other["name"] not in tab.page.inner_text("body")
    tab.screenshot("review-overlap-applicant")
    assert tab.errors == []


def test_the_review_page_names_the_other_project_for_a_department(tab, live_server, overlapping_pair, demo_secret):
    mine, other = overlapping_pair["b"], overlapping_pair["a"]
    open_page(tab, f"{live_server}/proposals/{mine['id']}/review")
    log_in(tab, "dept-natural_resources", demo_secret("dept-natural_resources"))
    item = tab.page.locator(f"#conflict-list li:has-text('{other['name']}')")
    item.wait_for()
    item.click()
    assert other["name"] in tab.page.locator(".leaflet-popup-content").inner_text()
    assert tab.errors == []


def test_logging_out_on_a_page_revokes_the_token_on_the_server(tab, live_server, client, demo_secret):
    open_page(tab, f"{live_server}/ndrc")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    # No script can read the session (HttpOnly); the browser itself hands the cookie to the test.
    assert tab.page.evaluate("document.cookie") == ""
    token = next(c["value"] for c in tab.page.context.cookies() if c["name"] == "blueprint_session")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    tab.page.click("#logout")
    tab.page.wait_for_url(f"{live_server}/login?lang=zh")
    tab.settle()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert tab.errors == []
