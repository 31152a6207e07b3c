"""The map pages as served: offline (every script, stylesheet and font from the app), labelled in Chinese
and English, with a legend for every layer, layers as vector tiles, no proposal data for the public, and a
GCJ-02 basemap never silently misaligned. The browser tests (tests/browser/) drive the same pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import folium
import pytest
from folium.plugins import MarkerCluster

from gis.messages import one_language
from layers.catalogue import LAYER_KINDS
from layers.land_use import FIRST_LEVEL_CLASSES
from layers.symbols import LAND_USE_COLOURS
from web.maps import UnlocalisedAssetError, base_map, render_map
from web.settings import map_settings

PAGES = ["/", "/map", "/ndrc", "/proposals/1/review", "/queue", "/map?lang=en", "/ndrc?lang=en",
         "/proposals/1/review?lang=en", "/queue?lang=en", "/login", "/logout?lang=en", "/proposals/new",
         "/proposals/mine?lang=en", "/proposals/1/edit", "/selection", "/selection?lang=en"]
PAGES += ["/impacts/1", "/impacts/1?lang=en", "/rules", "/rules?version=1&lang=en"]  # layer impacts and rules


class Links(HTMLParser):
    """Every src and href of a page (link, script, img, a …)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [(tag, value) for name, value in attrs if name in ("src", "href") and value is not None]


def links_of(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.urls


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    return response.text


@pytest.mark.parametrize("path", PAGES)
def test_every_src_and_href_is_same_origin_and_served(client, loaded_samples, path):
    html = page(client, path)
    urls = links_of(html)
    assert any(tag == "script" for tag, _ in urls) and any(tag == "link" for tag, _ in urls)
    for tag, url in urls:
        parts = urlsplit(urljoin("http://testserver" + path, url))
        assert parts.scheme == "http" and parts.netloc == "testserver", f"<{tag}> reaches off site: {url}"
        if tag in ("script", "link", "img"):
            assert client.get(parts.path).status_code == 200, f"<{tag}> {url} is not served"
    assert not re.search(r"https?://(?!testserver)", html.replace("http://www.w3.org", "")), "a URL off site"


@pytest.mark.parametrize("path", ["/map", "/login", "/investment?lang=en", "/supervision", "/proposals/1/review"])
def test_every_page_lets_a_phone_fit_it_to_its_width_and_zoom_it(client, loaded_samples, path):
    """One viewport tag, the page's own: folium's (maximum-scale=1, user-scalable=no) would forbid pinch-zoom."""
    tags = re.findall(r"<meta[^>]*name=\"viewport\"[^>]*>", page(client, path))
    assert len(tags) == 1, tags
    assert "width=device-width" in tags[0]
    assert "maximum-scale" not in tags[0] and "user-scalable" not in tags[0]


def test_stylesheets_load_their_fonts_and_images_from_the_app(client, loaded_samples):
    stylesheets = [url for tag, url in links_of(page(client, "/proposals/1/review"))
                   if tag == "link" and urlsplit(url).path.endswith(".css")]
    assert len(stylesheets) >= 4  # Bootstrap, Font Awesome, ours, Leaflet, Leaflet.draw
    for sheet in stylesheets:
        css = client.get(sheet).text
        for reference in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            if reference.startswith("data:") or reference.startswith("#"):
                continue
            assert not re.match(r"(https?:)?//", reference), f"{sheet} loads {reference} from the web"
            target = urlsplit(urljoin(sheet, reference)).path
            assert client.get(target).status_code == 200, f"{sheet} needs {target}"


def test_pages_are_chinese_by_default_and_english_on_request(client, loaded_samples):
    chinese, english = page(client, "/map"), page(client, "/map?lang=en")
    assert '<html lang="zh-CN">' in chinese and "一张蓝图总图" in chinese and "图层与图例" in chinese
    assert '<html lang="en">' in english and "Blueprint map" in english and "Layers and legend" in english
    assert "图层与图例" not in english
    assert 'href="http://testserver/map?lang=en"' in chinese  # the language switch keeps the page


def test_the_legend_shows_every_layer_with_its_colours_and_every_land_use_class(client, loaded_samples):
    html = page(client, "/map")
    layers = client.get("/api/v1/layers").json()
    for layer in layers:
        name = one_language(layer["name"], "zh")  # a Chinese page shows the Chinese half of a bilingual name
        assert name in html, f"{name} has no legend line"
    for kind in {layer["kind"] for layer in layers}:
        assert LAYER_KINDS[kind].name.zh in html
    for code, (name_zh, _) in FIRST_LEVEL_CLASSES.items():
        assert name_zh in html and LAND_USE_COLOURS[code] in html, f"land-use class {code} missing from the legend"
    assert LAYER_KINDS["ecological_red_line"].colour in html


def test_layers_come_as_versioned_vector_tiles_not_inline_geojson(client, loaded_samples):
    html = page(client, "/map")
    # Every layer in one composite tile of pinned versions.
    (pinned,) = re.findall(r"/tiles/composite/\{z\}/\{x\}/\{y\}\.pbf\?layers=([0-9:,]+)", html)
    layers = client.get("/api/v1/layers").json()
    assert sorted(pinned.split(",")) == sorted(f"{layer['id']}:{layer['current_version']}" for layer in layers)
    assert "FeatureCollection" not in html and '"coordinates"' not in html
    # The page grows with its layers' legends, never with their features (the suite adds test layers).
    assert len(html.encode()) < 100_000 + 10_000 * len(layers)


def test_the_pages_carry_no_proposal_data_for_the_public(client, login, loaded_samples):
    proposals = client.get("/api/v1/proposals", headers=login("ndrc")).json()
    assert proposals
    for path in ("/map", "/ndrc", "/queue", f"/proposals/{proposals[0]['id']}/review"):
        html = page(client, path)
        leaked = [p["name"] for p in proposals if p["name"] in html or p["applicant_organisation"] in html]
        assert not leaked, f"{path} shows {leaked[:3]} without a login"


def test_no_basemap_by_default_and_a_gcj02_basemap_is_shifted_and_declared(client, loaded_samples, monkeypatch):
    assert "未配置底图" in page(client, "/map")
    monkeypatch.setenv("BLUEPRINT_BASEMAP_URL", "/basemap/{z}/{x}/{y}.png")
    try:
        monkeypatch.setenv("BLUEPRINT_BASEMAP_CRS", "WGS84")
        map_settings.cache_clear()
        wgs84 = page(client, "/map")
        assert 'L.tileLayer("/basemap/{z}/{x}/{y}.png"' in wgs84 and "map-note-warning" not in wgs84
        monkeypatch.setenv("BLUEPRINT_BASEMAP_CRS", "GCJ02")
        map_settings.cache_clear()
        gcj02 = page(client, "/map?lang=en")
        assert 'L.tileLayer.gcj02("/basemap/{z}/{x}/{y}.png"' in gcj02
        assert 'map-note-warning" id="basemap-note"' in gcj02 and "The basemap is GCJ-02 (AMap)" in gcj02
    finally:
        map_settings.cache_clear()


def test_a_folium_element_wanting_a_cdn_script_is_refused():
    fmap = base_map()
    MarkerCluster().add_to(fmap)  # its scripts have no local copy
    with pytest.raises(UnlocalisedAssetError, match="markercluster"):
        render_map(fmap)


def test_a_plain_folium_map_renders_with_local_assets_only():
    fmap = base_map()
    folium.GeoJson({"type": "Point", "coordinates": [118.1, 24.5]}).add_to(fmap)
    parts = render_map(fmap)
    assert "/static/vendor/leaflet/leaflet.js" in parts.header
    assert "http" not in parts.header.replace("http-equiv", "")


def test_zoomed_out_tiles_carry_every_attribute_the_legend_colours_by():
    from layers.symbols import LAYER_STYLES
    from layers.tiles import summary_attributes

    assert all(style.by in summary_attributes(kind) for kind, style in LAYER_STYLES.items() if style.by)
    assert set(LAYER_STYLES) == set(LAYER_KINDS)  # every kind has its symbols, hence its legend


def test_the_navigation_bar_names_the_person_and_their_department_not_the_slug_twice(client, demo_secret):
    from fastapi.testclient import TestClient

    with TestClient(client.app) as browser:
        assert 'id="login-link"' in page(browser, "/map") and 'id="login-user"' not in page(browser, "/map")

        def log_in(username: str) -> None:
            answer = browser.post("/api/v1/auth/session", headers={"Origin": "http://testserver"},
                                  json={"username": username, "secret": demo_secret(username)})
            assert answer.status_code == 200, answer.text

        log_in("dept-water")
        html = page(browser, "/map")
        name = html[html.index('id="login-name"'):html.index('id="logout"')]
        assert "水利局" in name and "审查部门" in name and "dept-water" not in name.split(">", 1)[1]
        english = page(browser, "/map?lang=en")
        name = english[english.index('id="login-name"'):english.index('id="logout"')]
        assert "Water" in name and "reviewing department" in name and "水利局" not in name
        log_in("ndrc")
        html = page(browser, "/map")
        name = html[html.index('id="login-name"'):html.index('id="logout"')]
        assert name.count("发改委") == 1 and "ndrc" in name.split(">", 1)[1]
        # The page names the account but carries no token: the cookie is HttpOnly and the HTML holds no copy.
        assert browser.cookies["blueprint_session"] not in html


def test_the_navigation_bar_offers_each_person_the_pages_of_their_work(client, demo_secret):
    from fastapi.testclient import TestClient

    def nav(browser) -> set[str]:
        html = page(browser, "/map?lang=en")
        bar = html[html.index('id="nav-menu"'):html.index("</nav>")]
        return {urlsplit(href).path for tag, href in links_of(bar) if tag == "a"} - {"/map"}

    public = {"/selection", "/investment", "/inspections", "/departments", "/hall"}
    with TestClient(client.app) as browser:
        assert nav(browser) == public
        for username, work in (("ndrc", {"/ndrc", "/supervision"}),
                               ("dept-water", {"/queue", "/supervision", "/windows"}),  # no hall: see below
                               ("window-xiangan", {"/windows"})):
            answer = browser.post("/api/v1/auth/session", headers={"Origin": "http://testserver"},
                                  json={"username": username, "secret": demo_secret(username)})
            assert answer.status_code == 200, answer.text
            expected = public | work
            if username.startswith("dept-"):  # departments read commission times on the supervision pages
                expected.discard("/hall")
            assert nav(browser) == expected, username


def test_an_account_with_a_persons_name_shows_it_beside_the_department(client, engine):
    from fastapi.testclient import TestClient

    from projects.accounts import Role, create_account

    with engine.begin() as connection:
        create_account(connection, username="water-chen", secret="water-chen-secret", role=Role.DEPARTMENT,
                       department="water", display_name="陈晓岚")
    with TestClient(client.app) as browser:
        assert browser.post("/api/v1/auth/session", headers={"Origin": "http://testserver"},
                            json={"username": "water-chen", "secret": "water-chen-secret"}).status_code == 200
        html = page(browser, "/map")
        name = html[html.index('id="login-name"'):html.index('id="logout"')]
        assert "<strong>陈晓岚</strong>" in name and "水利局" in name and "water-chen" not in name.split(">", 1)[1]
        assert browser.get("/api/v1/me").json()["display_name"] == "陈晓岚"
