"""The layer panel, search and popups in words (issue 14, points 2-4) in headless Chromium, at 390 px and
1440 px, in Chinese and English: a toggle and the opacity slider change their layer, zoom-to-layer moves the
map to the layer, searching for a district, a parcel code and coordinates moves the map there, and a click
on the map identifies the feature in words (no raw attribute key), with its area in m², 亩 and 公顷.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import json

import pytest
import shapely
from pyproj import Transformer

from data.samples.load import SAMPLES
from web.settings import map_settings

pytestmark = pytest.mark.browser


def _siming_land_point() -> tuple[float, float]:
    """A point well inside a land-use zone of 思明区 (its largest), in WGS84 lon/lat."""
    zones = json.loads((SAMPLES / "land_use.geojson").read_text(encoding="utf-8"))["features"]
    shapes = [shapely.geometry.shape(z["geometry"]) for z in zones if z["properties"]["district_code"] == "350203"]
    point = max(shapes, key=lambda shape: shape.area).representative_point()
    return round(point.x, 6), round(point.y, 6)


SIMING_POINT = _siming_land_point()
CENTRE = "(() => { const c = Blueprint.map().getCenter(); return [c.lng, c.lat, Blueprint.map().getZoom()]; })()"
RAW_KEYS = ("landuse_code", "zone_code", "district_code", "landuse_name", "parcel_code")


def centre(tab) -> tuple[float, float, int]:
    return tuple(tab.page.evaluate(CENTRE))


def inside(bbox: list[float], lon: float, lat: float) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def layer_of(tab, kind: str) -> dict:
    return next(entry for entry in tab.page.evaluate("Blueprint.config.layers") if entry["kind"] == kind)


def search_for(tab, text: str) -> None:
    tab.page.fill("#search-input", text)
    tab.page.press("#search-input", "Enter")
    tab.page.wait_for_function("() => /→/.test(document.getElementById('search-status').textContent)")
    tab.settle()


@pytest.mark.parametrize(("width", "language"), [(1440, "zh"), (390, "en"), (390, "zh"), (1440, "en")])
def test_panel_search_and_popups_move_and_explain_the_map(open_tab, live_server, client, width, language):
    tab = open_tab(width=width, language=language)
    page = tab.page
    page.goto(f"{live_server}/map?lang={language}")
    tab.settle()
    english = language == "en"

    # Groups in the page's language, each layer with its version and import date.
    groups = page.locator("#layer-panel .layer-group-title").all_inner_texts()
    assert ("Planning control lines" if english else "规划控制线") in groups
    assert ("Water" if english else "水务") in groups and ("Projects" if english else "项目") in groups
    land_use = layer_of(tab, "land_use")
    item = page.locator(f".layer-item[data-layer-id='{land_use['id']}']")
    assert f"{'version' if english else '版本'} {land_use['version']}" in item.inner_text()
    assert land_use["importedAt"][:10] in item.inner_text()

    # From the keyboard: the toggle takes the layer off the map and back, the slider fades it.
    has_layer = f"Blueprint.map().hasLayer(window['{land_use['variable']}'])"
    page.focus(f"#layer-toggle-{land_use['id']}")
    page.keyboard.press("Space")
    assert page.evaluate(has_layer) is False
    page.keyboard.press("Space")
    assert page.evaluate(has_layer) is True
    tab.settle()
    opaque = page.locator(".folium-map").screenshot()
    slider = page.locator(f"#layer-opacity-{land_use['id']}")
    slider.focus()
    for _ in range(7):
        page.keyboard.press("ArrowLeft")
    assert item.locator("output").inner_text() == "30%"
    page.wait_for_timeout(200)  # a redraw waits for the next animation frame
    assert page.locator(".folium-map").screenshot() != opaque, "the land-use zones look the same at 30 %"

    # Zoom to a small layer: the map then shows that layer's extent.
    water = layer_of(tab, "water_source_protection")
    before = centre(tab)
    page.focus(f"[data-layer-zoom='{water['id']}']")
    page.keyboard.press("Enter")
    lon, lat, zoom = centre(tab)
    assert inside(water["extent"], lon, lat) and zoom > before[2]

    # Search: a district (by its Chinese name, in both languages), a parcel code, coordinates.
    siming = client.get("/api/v1/search", params={"q": "思明区"}).json()["results"][0]["bbox"]
    search_for(tab, "思明区")
    lon, lat, _ = centre(tab)
    assert inside(siming, lon, lat) and not inside(water["extent"], lon, lat)
    parcel = json.loads((SAMPLES / "investment_parcel.geojson").read_text(encoding="utf-8"))["features"][3]
    code = parcel["properties"]["parcel_code"]
    parcel_bbox = client.get("/api/v1/search", params={"q": code}).json()["results"][0]["bbox"]
    search_for(tab, code)
    lon, lat, zoom = centre(tab)
    assert inside(parcel_bbox, lon, lat) and zoom >= 15
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True).transform(*SIMING_POINT)
    search_for(tab, f"{y:.1f}, {x:.1f}")  # Gauss-Krüger, northing first
    lon, lat, zoom = centre(tab)
    assert (lon, lat) == pytest.approx(SIMING_POINT, abs=1e-5) and zoom >= 16
    assert page.locator(".search-marker").count() == 1
    assert ("Siming" not in page.inner_text("#search-results")) and "思明区" in page.inner_text("#search-results")

    # A click identifies the land-use zone there in words, with its area in m², 亩 and 公顷.
    frame = page.locator(".folium-map")
    box = frame.bounding_box()
    frame.click(position={"x": box["width"] / 2, "y": box["height"] / 2})  # scrolled into view on a phone
    popup = page.locator(".identify-popup .leaflet-popup-content")
    popup.wait_for()
    words = popup.inner_text()
    assert not [key for key in RAW_KEYS if key in words], words
    if english:
        assert "Land-use code" in words and "Zone code" in words and "District" in words
        assert " m²" in words and " mu" in words and " ha" in words
    else:
        assert "规划用地代码" in words and "图斑编号" in words and "所在区" in words
        assert "平方米" in words and "亩" in words and "公顷" in words
    assert "思明区" in words

    # The other kinds' coded values in words, as the same popup writes them.
    for kind, properties, expected in WORDED[language]:
        html = page.evaluate("([kind, p]) => Blueprint.featureWords.describe({kind: kind, name: 'test'}, p)",
                             [kind, properties])
        for text in expected:
            assert text in html, (kind, text, html)
    tab.screenshot(f"map-panel-{width}-{language}")
    assert tab.errors == []


_FEATURES = [
    ("flood_risk", {"risk_level": "high", "return_period_years": 20}),
    ("land_acquisition", {"acquisition_status": "in_progress", "demolition_status": "not_needed",
                          "acquisition_percent": 71, "area_m2": 6667}),
    ("basic_farmland", {"grade": 6, "parcel_code": "350205-JBNT-000001"}),
    ("water_source_protection", {"tier": 1}),
    ("ecological_red_line", {"category": "水源涵养"}),
]
WORDED = {
    "zh": [(kind, properties, words) for (kind, properties), words in zip(_FEATURES, [
        ("风险等级", "高风险", "20年一遇"),
        ("征地状态", "进行中", "拆迁状态", "无需拆迁", "71%", "6,667 平方米", "10 亩", "0.6667 公顷"),
        ("耕地质量等别", "6等", "地块编号"), ("保护区级别", "一级保护区"), ("生态保护红线类型", "水源涵养"),
    ], strict=True)],
    "en": [(kind, properties, words) for (kind, properties), words in zip(_FEATURES, [
        ("Risk level", "high", "20-year"),
        ("Land acquisition", "in progress", "Demolition", "not needed", "71%", "6,667 m²", "10 mu", "0.6667 ha"),
        ("Farmland quality grade", "grade 6", "Parcel code"), ("Protection tier", "tier 1 zone"),
        ("Red-line type", "water conservation"),
    ], strict=True)],
}


def test_the_basemap_switch_offers_the_configured_basemaps_only(tab, live_server, monkeypatch):
    # Any same-origin image serves as raster tiles.
    monkeypatch.setenv("BLUEPRINT_BASEMAPS", json.dumps({
        "影像": "/static/img/blueprint.svg?a={z}/{x}/{y}",
        "高德": {"url": "/static/img/blueprint.svg?b={z}/{x}/{y}", "crs": "GCJ02"},
    }, ensure_ascii=False))
    map_settings.cache_clear()
    try:
        tab.page.goto(f"{live_server}/map")
        tab.settle()
    finally:
        map_settings.cache_clear()
    page = tab.page
    basemaps = page.evaluate("Blueprint.config.basemaps")
    assert [b["name"] for b in basemaps] == ["影像", "高德"]
    shown = "(v) => Blueprint.map().hasLayer(window[v])"
    assert page.evaluate(shown, basemaps[0]["variable"]) and not page.evaluate(shown, basemaps[1]["variable"])
    assert not page.locator("#basemap-note").is_visible()
    page.check("#basemap-switch >> text=高德")
    assert page.evaluate(shown, basemaps[1]["variable"]) and not page.evaluate(shown, basemaps[0]["variable"])
    assert page.locator("#basemap-note").is_visible()  # the GCJ-02 shift is announced
    page.check("#basemap-0")
    assert not any(page.evaluate(shown, b["variable"]) for b in basemaps)
    assert tab.errors == []


def test_without_configured_basemaps_there_is_no_switch(tab, live_server):
    tab.page.goto(f"{live_server}/map")
    assert tab.page.locator("#basemap-switch").count() == 0
    assert tab.page.locator("#basemap-note").is_visible()  # 未配置底图
