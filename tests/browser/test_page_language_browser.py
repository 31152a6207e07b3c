"""One language at a time, in headless Chromium: the map's controls (the drawing toolbar, zoom buttons) speak the
page's language and the scale bar is in metres only. That every page in Chinese shows no run of English words
and in English no Chinese words in its interface (tests/browser/page_language.py) is read in the pages sweep's
visits at 1440 px (tests/browser/test_pages_sweep.py), as the public and each role that sees the most of a
page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_the_map_controls_speak_the_pages_language_and_the_scale_is_metric(open_tab, live_server):
    for language, zoom_in, polygon in (("zh", "放大", "绘制多边形"), ("en", "Zoom in", "Draw a polygon")):
        tab = open_tab(language=language)
        tab.page.goto(f"{live_server}/?lang={language}")
        tab.settle()
        page = tab.page
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
        assert page.get_attribute(".leaflet-draw-draw-polygon", "title") == polygon
        scale = page.query_selector_all(".leaflet-control-scale-line")
        assert len(scale) == 1 and re.fullmatch(r"\d+ k?m", scale[0].inner_text().strip()), \
            [line.inner_text() for line in scale]
        assert not tab.errors, tab.errors


def test_the_ogc_pages_map_speaks_the_pages_language_too(open_tab, live_server):
    """The OGC API's items page draws its map in the page's body, not in the map frame; its controls are
    localised all the same."""
    for language, zoom_in, zoom_out in (("zh", "放大", "缩小"), ("en", "Zoom in", "Zoom out")):
        tab = open_tab(language=language)
        tab.page.goto(f"{live_server}/ogc/collections/district/items?f=html&limit=3&lang={language}")
        tab.settle()
        assert tab.page.get_attribute("#ogc-map .leaflet-control-zoom-in", "title") == zoom_in
        assert tab.page.get_attribute("#ogc-map .leaflet-control-zoom-out", "title") == zoom_out
        assert not tab.errors, tab.errors
