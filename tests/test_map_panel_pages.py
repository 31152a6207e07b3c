"""The layer panel, the basemap switch and the popup words as the pages serve them (issue 14, points 2 and 4);
tests/browser/test_map_panel_browser.py drives them in Chromium."""

from __future__ import annotations

import json
import re

import pytest

from layers.catalogue import LAYER_KINDS
from web.i18n import labels
from web.layer_groups import LAYER_GROUPS
from web.settings import map_settings


def html_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("path", ["/map", "/map?lang=en", "/investment", "/ndrc?lang=en"])
def test_every_layer_has_its_labelled_controls_version_and_date_in_its_group(client, loaded_samples, path):
    html = html_of(client, path)
    layers = json.loads(re.search(r"window.BLUEPRINT_CONFIG = (\{.*?\});</script>", html).group(1))["layers"]
    assert layers
    groups = re.findall(r'class="layer-group" data-group="(\w+)"', html)
    order = [key for key, _ in LAYER_GROUPS] + ["other", "projects"]
    assert groups == sorted(groups, key=order.index) and len(groups) == len(set(groups))
    for layer in layers:
        layer_id = layer["id"]
        assert f'<input type="checkbox" class="form-check-input" id="layer-toggle-{layer_id}"' in html
        assert f'<label class="small" for="layer-opacity-{layer_id}">' in html
        assert f'data-layer-zoom="{layer_id}"' in html and layer["extent"]
        assert f'datetime="{layer["importedAt"]}"' in html
    english = "lang=en" in path
    assert ("Opacity" if english else "不透明度") in html
    assert ("Zoom to the layer" if english else "缩放至图层范围") in html


def test_no_basemap_switch_and_nothing_from_elsewhere_by_default(client, loaded_samples):
    response = client.get("/map")
    assert 'id="basemap-switch"' not in response.text
    assert "img-src 'self' data: blob:;" in response.headers["content-security-policy"]


def test_configured_basemaps_are_switchable_and_only_their_hosts_are_allowed(client, loaded_samples, monkeypatch):
    monkeypatch.setenv("BLUEPRINT_BASEMAPS", json.dumps({
        "政务影像": "https://img.intranet.example/{z}/{x}/{y}.png",
        "高德": {"url": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "crs": "GCJ02"},
    }, ensure_ascii=False))
    map_settings.cache_clear()
    try:
        response = client.get("/map?lang=en")
    finally:
        map_settings.cache_clear()
    html = response.text
    assert re.findall(r'<label class="form-check-label" for="basemap-\d">([^<]+)</label>', html) == [
        "政务影像", "高德", "No basemap"]
    assert html.count('L.tileLayer("https://img.intranet.example/') == 1
    assert html.count('L.tileLayer.gcj02("https://webrd0{s}.is.autonavi.com/') == 1
    # Only the first is on the map when it opens; the GCJ-02 note waits until that basemap is chosen.
    assert len(re.findall(r"basemap_\w+\.addTo\(", html)) == 1
    assert 'map-note-warning d-none" id="basemap-note"' in html
    policy = response.headers["content-security-policy"]
    assert "https://img.intranet.example" in policy and "https://webrd0*.is.autonavi.com" in policy


@pytest.mark.parametrize("kind", sorted(LAYER_KINDS))
def test_every_attribute_a_kind_declares_has_its_name_and_values_in_both_languages(kind):
    zh, en = labels("zh"), labels("en")
    for attribute in LAYER_KINDS[kind].attributes:
        key = f"attr.{kind}.{attribute.name}"
        assert zh[key] != en[key] and zh[key] and en[key]
        for value in attribute.values:
            assert zh[f"value.{kind}.{attribute.name}.{value}"] and en[f"value.{kind}.{attribute.name}.{value}"]
    assert zh["landuse.0701"] == "城镇住宅用地" and en["landuse.0701"] == "urban housing"
