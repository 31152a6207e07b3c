"""Where the pages' scripts, styles and fonts come from: the app itself, never a CDN.

The map libraries are installed with npm into ``web/assets/node_modules`` by ``scripts/bootstrap`` (see
``web/assets/package.json``) and served under ``/static/vendor/<name>/``; the platform's own CSS and
JavaScript are in ``web/static`` under ``/static/``. folium names the resources it wants (``leaflet``,
``leaflet_draw_js``…); :data:`FOLIUM_RESOURCES` maps each name to its local copy, so a folium element
that asks for something without a local copy is refused at render time instead of reaching for the web.
"""

from __future__ import annotations

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
NODE_MODULES = WEB_DIR / "assets" / "node_modules"
STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor"

VENDOR_DIRS: dict[str, str] = {
    "leaflet": "leaflet/dist",
    "leaflet-draw": "leaflet-draw/dist",
    "leaflet.vectorgrid": "leaflet.vectorgrid/dist",
    "leaflet.awesome-markers": "leaflet.awesome-markers/dist",
    "bootstrap": "bootstrap/dist",
    "fontawesome": "@fortawesome/fontawesome-free",  # css/ and webfonts/ side by side, as its CSS expects
    "jquery": "jquery/dist",
    "swagger-ui": "swagger-ui-dist",  # the API documentation at /docs
    "maplibre-gl": "maplibre-gl/dist",  # for GIS clients' pages and the tests of the MapLibre style
}
"""URL name under /static/vendor/ -> directory under node_modules."""


def vendor(name: str, path: str) -> str:
    """The URL of ``path`` in the vendored package ``name`` (a key of :data:`VENDOR_DIRS`)."""
    if name not in VENDOR_DIRS:
        raise KeyError(f"{name} is not a vendored package; add it to web/assets/package.json and VENDOR_DIRS")
    return f"{VENDOR_URL}/{name}/{path}"


PAGE_CSS: tuple[str, ...] = (
    vendor("bootstrap", "css/bootstrap.min.css"),
    vendor("fontawesome", "css/all.min.css"),
    f"{STATIC_URL}/css/blueprint.css",
    f"{STATIC_URL}/css/desk.css",
    f"{STATIC_URL}/css/layer_panel.css",
    f"{STATIC_URL}/css/impact.css",
)
"""Stylesheets of every page (the base template links them)."""

PAGE_JS: tuple[str, ...] = (
    vendor("bootstrap", "js/bootstrap.bundle.min.js"),
    f"{STATIC_URL}/js/blueprint.js",
    f"{STATIC_URL}/js/feature_words.js",
    f"{STATIC_URL}/js/layer_panel.js",
    f"{STATIC_URL}/js/search.js",
    f"{STATIC_URL}/js/shell.js",
)
"""Scripts of every page, loaded in the head after folium's (Leaflet first)."""

FOLIUM_RESOURCES: dict[str, str | None] = {
    "leaflet": vendor("leaflet", "leaflet.js"),
    "leaflet_css": vendor("leaflet", "leaflet.css"),
    "leaflet_draw_js": vendor("leaflet-draw", "leaflet.draw.js"),
    "leaflet_draw_css": vendor("leaflet-draw", "leaflet.draw.css"),
    "vector_grid": vendor("leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js"),
    "awesome_markers": vendor("leaflet.awesome-markers", "leaflet.awesome-markers.min.js"),
    "awesome_markers_css": vendor("leaflet.awesome-markers", "leaflet.awesome-markers.css"),
    # Linked by the base template for every page, not once more by folium:
    "bootstrap": None,
    "bootstrap_css": None,
    "awesome_markers_font_css": None,
    # Not used by any page (jQuery: nothing needs it; Bootstrap 3 glyphicons and rotated markers: Font Awesome):
    "jquery": None,
    "glyphicons_css": None,
    "awesome_rotate_css": None,
}
"""folium resource name -> local URL; None drops the resource."""
