"""GIS clients' view: the MapLibre style document and the TileJSON load in MapLibre GL JS (served by the
platform from npm, never a CDN) in headless Chromium, and draw the planning layers in the platform's colours."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from layers.symbols import LAND_USE_COLOURS

pytestmark = pytest.mark.browser

MAPLIBRE = "/static/vendor/maplibre-gl"
OPEN_MAP = """([style, centre, worker]) => {
  maplibregl.setWorkerUrl(worker);  // the CSP build: the page's Content-Security-Policy runs no blob: worker
  const div = document.createElement('div');
  div.style.cssText = 'position:fixed;inset:0;z-index:9999';
  document.body.appendChild(div);
  window.gisMap = new maplibregl.Map({container: div, style: style, center: centre, zoom: 13});
  window.gisMap.on('error', (event) => console.error('maplibre: ' + (event.error && event.error.message)));
  window.gisMap.once('idle', () => { window.gisMapIdle = true; });
}"""


def open_maplibre(tab, live_server: str, style: object, centre=(118.11, 24.48)) -> None:
    """MapLibre GL JS (CSP build) on a page of the platform, drawing ``style`` until it is idle."""
    page = tab.page
    page.goto(f"{live_server}/login")
    page.add_style_tag(url=f"{MAPLIBRE}/maplibre-gl.css")
    page.add_script_tag(url=f"{MAPLIBRE}/maplibre-gl-csp.js")
    page.evaluate(OPEN_MAP, [style, list(centre), f"{MAPLIBRE}/maplibre-gl-csp-worker.js"])
    page.wait_for_function("() => window.gisMapIdle === true", timeout=60_000)


def rendered(tab, layers: list[str] | None = None) -> list[dict]:
    return tab.page.evaluate("""(layers) => window.gisMap.queryRenderedFeatures(layers ? {layers} : undefined)
      .map(f => ({layer: f.layer.id, sourceLayer: f.sourceLayer, properties: f.properties,
                  fill: f.layer.paint && f.layer.paint['fill-color']}))""", layers)


def hex_colour(rgba: dict) -> str:
    return "#" + "".join(f"{round(rgba[channel] * 255):02x}" for channel in "rgb")


def test_the_maplibre_style_draws_every_shown_kind_and_land_use_by_class_in_the_platforms_colours(
        tab, live_server):
    open_maplibre(tab, live_server, f"{live_server}/styles/blueprint.json")
    features = rendered(tab)
    layers = {feature["layer"] for feature in features}
    assert {"land_use-fill", "district-outline", "urban_development_boundary-outline"} <= layers
    zones = [feature for feature in features if feature["layer"] == "land_use-fill"]
    assert len(zones) > 20
    for zone in zones[:50]:  # each zone in the colour of its first-level class, as on the platform's map
        assert hex_colour(zone["fill"]) == LAND_USE_COLOURS[zone["properties"]["landuse_code"][:2]]
    assert len({hex_colour(zone["fill"]) for zone in zones}) >= 4
    hosts = {urlsplit(response.url).hostname for response in tab.responses}
    assert hosts == {"127.0.0.1"}  # everything from the platform itself
    assert any("/tiles/composite/" in response.url for response in tab.responses)
    tab.screenshot("maplibre-style")
    assert tab.errors == []


def test_a_layers_tilejson_loads_as_a_maplibre_source_and_draws_its_features(tab, live_server, client):
    farmland = next(layer for layer in client.get("/api/v1/layers").json() if layer["kind"] == "basic_farmland")
    west, south, east, north = farmland["extent"]
    style = {"version": 8, "sources": {"farmland": {"type": "vector",
                                                    "url": f"{live_server}/tiles/{farmland['id']}.json"}},
             "layers": [{"id": "farmland", "type": "fill", "source": "farmland", "source-layer": "basic_farmland",
                         "paint": {"fill-color": "#27ae60"}}]}
    open_maplibre(tab, live_server, style, ((west + east) / 2, (south + north) / 2))
    tab.page.evaluate("([w, s, e, n]) => window.gisMap.fitBounds([[w, s], [e, n]], {animate: false})",
                      [west, south, east, north])
    tab.page.wait_for_function("() => window.gisMap.loaded() && window.gisMap.areTilesLoaded()", timeout=60_000)
    tab.page.wait_for_timeout(300)
    features = rendered(tab, ["farmland"])
    assert features and {feature["sourceLayer"] for feature in features} == {"basic_farmland"}
    assert all("grade" in feature["properties"] for feature in features)  # 耕地质量等别 at any zoom
    assert tab.errors == []
