"""Where the pages' scripts, styles and fonts come from: the app itself, never a CDN.

The map libraries are installed with npm into ``web/assets/node_modules`` by ``scripts/bootstrap`` (see
``web/assets/package.json``) and served under ``/static/vendor/<name>/``; the platform's own CSS and
JavaScript are in ``web/static`` under ``/static/``. folium names the resources it wants (``leaflet``,
``leaflet_draw_js``…); :data:`FOLIUM_RESOURCES` maps each name to its local copy, so a folium element
that asks for something without a local copy is refused at render time instead of reaching for the web.

Every URL of a static file the app writes carries a token of the file's content (``?v=…``, :func:`static_url`),
so :class:`VersionedStaticFiles` can let browsers keep it for a year without asking again: a changed file gets
a new URL. A query string, not a path segment, so URLs relative to a stylesheet (Font Awesome's
``../webfonts/…``) still resolve.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

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

VERSION_PARAMETER = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of a file asked for with its current token: its content never changes under that URL."""
REVALIDATE = "no-cache"
"""Cache-Control of a file asked for without its current token: the browser asks again (ETag, 304)."""


@lru_cache(maxsize=4096)
def _digest(path: Path, modified_ns: int, size: int) -> str:
    """The token of one version of a file (``modified_ns`` and ``size`` only key the cache): the file is read and
    hashed once per process, not once per page or request."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def content_token(path: Path) -> str | None:
    """The token of the file at ``path`` as it is now (None when there is no such file). Keyed on the file's
    modification time and size too, so a file edited under a running server is never served as immutable
    under the URL of its former content."""
    try:
        status = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return _digest(path, status.st_mtime_ns, status.st_size)


def _file_of(path: str) -> Path:
    """The file served at ``/static/<path>`` (``vendor/<name>/…`` from node_modules, the rest from web/static)."""
    top, _, rest = path.partition("/")
    name, _, inner = rest.partition("/")
    if top == "vendor" and name in VENDOR_DIRS:
        return NODE_MODULES / VENDOR_DIRS[name] / inner
    return STATIC_DIR / path


def static_url(path: str) -> str:
    """The versioned URL of the static file ``path`` (relative to /static/, e.g. ``js/blueprint.js``). A file
    that is missing gets its plain URL, answered 404 as before (``install`` warns of missing map assets)."""
    token = content_token(_file_of(path))
    url = f"{STATIC_URL}/{path}"
    return f"{url}?{VERSION_PARAMETER}={token}" if token else url


def vendor(name: str, path: str) -> str:
    """The versioned URL of ``path`` in the vendored package ``name`` (a key of :data:`VENDOR_DIRS`)."""
    if name not in VENDOR_DIRS:
        raise KeyError(f"{name} is not a vendored package; add it to web/assets/package.json and VENDOR_DIRS")
    return static_url(f"vendor/{name}/{path}")


class VersionedStaticFiles(StaticFiles):
    """StaticFiles (ETag, Last-Modified, 304) plus the Cache-Control a versioned URL allows: immutable when
    the request's token is the file's current one, revalidation otherwise (no token, or a stale page's)."""

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = QueryParams(scope["query_string"]).get(VERSION_PARAMETER)
        # the stat StaticFiles made for this response keys the token: no second stat per request
        current = asked is not None and asked == _digest(Path(full_path), stat_result.st_mtime_ns, stat_result.st_size)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response


PAGE_CSS: tuple[str, ...] = (
    vendor("bootstrap", "css/bootstrap.min.css"),
    vendor("fontawesome", "css/all.min.css"),
    static_url("css/blueprint.css"),
    static_url("css/desk.css"),
    static_url("css/layer_panel.css"),
    static_url("css/impact.css"),
)
"""Stylesheets of every page (the base template links them)."""

PAGE_JS: tuple[str, ...] = (
    vendor("bootstrap", "js/bootstrap.bundle.min.js"),
    static_url("js/blueprint.js"),
    static_url("js/feature_words.js"),
    static_url("js/layer_panel.js"),
    static_url("js/search.js"),
    static_url("js/shell.js"),
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
