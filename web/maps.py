"""folium maps of the pages: planning layers as vector tiles, an optional basemap, drawing, local assets.

A page builds a :class:`folium.Map` with :func:`base_map`, adds the planning layers with
:func:`add_planning_layers` (one Leaflet.VectorGrid layer per stored layer, reading
``/tiles/{layer_id}/{z}/{x}/{y}.pbf?v={version}``, so no layer is ever inlined as GeoJSON, whatever its
size), optionally :func:`add_draw`, then :func:`render_map` splits it into the head, body and script that
the base template places. Everything the map loads comes from the app (:mod:`web.assets`). Map
coordinates are WGS84 lon/lat shown in Web Mercator (EPSG:3857), as Leaflet does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import Draw
from folium.template import Template
from markupsafe import Markup

from web.assets import FOLIUM_RESOURCES
from web.legend import DRAW_ORDER, SHOWN_BY_DEFAULT, SITE_COLOUR, LegendEntry, layer_legend
from web.settings import MapSettings, map_settings

XIAMEN_BOUNDS = ((24.38, 117.86), (24.92, 118.45))
"""South-west and north-east corners (lat, lon) the maps open on when no layer says better."""
MAX_ZOOM = 20
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


class UnlocalisedAssetError(LookupError):
    """A folium element wants a script or stylesheet that has no local copy."""


class VectorTileLayer(JSCSSMixin, Layer):
    """One stored planning layer as Mapbox vector tiles (Leaflet.VectorGrid, canvas renderer).

    The JavaScript ``Blueprint.vectorTiles`` (web/static/js/blueprint.js) styles features with the
    symbols of :mod:`web.legend` by the layer's kind.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = Blueprint.vectorTiles({{ this.url|tojson }}, {{ this.kind|tojson }},
                                                          {{ this.z_index|tojson }});
        {% endmacro %}
        """
    )
    default_js = [("vector_grid", FOLIUM_RESOURCES["vector_grid"])]

    def __init__(self, url: str, kind: str, z_index: int, name: str, show: bool) -> None:
        super().__init__(name=name, overlay=True, control=False, show=show)
        self._name = "VectorTileLayer"
        self.url, self.kind, self.z_index = url, kind, z_index


class Basemap(Layer):
    """The configured raster basemap; a GCJ-02 one goes through ``L.TileLayer.GCJ02``, which shifts it
    onto WGS84 at the view centre (the offset varies by metres across a city view)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.tileLayer{{ '.gcj02' if this.gcj02 else '' }}({{ this.url|tojson }},
            {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, settings: MapSettings) -> None:
        super().__init__(name="basemap", overlay=False, control=False, show=True)
        self._name = "Basemap"
        self.url = settings.basemap_url
        self.gcj02 = settings.basemap_crs == "GCJ02"
        self.options = {"attribution": settings.basemap_attribution, "maxZoom": MAX_ZOOM,
                        "maxNativeZoom": settings.basemap_max_zoom, "zIndex": 0}


def base_map(extent: list[float] | None = None, settings: MapSettings | None = None) -> folium.Map:
    """An empty map fitted to ``extent`` (west, south, east, north in WGS84 degrees; default Xiamen), with a
    scale bar and the configured basemap, if any."""
    settings = settings or map_settings()
    bounds = ((extent[1], extent[0]), (extent[3], extent[2])) if extent else XIAMEN_BOUNDS
    centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
    fmap = folium.Map(location=centre, zoom_start=11, tiles=None, control_scale=True, max_zoom=MAX_ZOOM,
                      prefer_canvas=False, zoom_control=True)
    fmap.fit_bounds(bounds)
    if settings.basemap_url:
        Basemap(settings).add_to(fmap)
    return fmap


@dataclass(frozen=True)
class MapLayer:
    """A planning layer as the page lists it: legend lines, toggle state and the JS variable to toggle."""

    layer_id: int
    kind: str
    name: str
    version: int
    feature_count: int
    variable: str
    shown: bool
    legend: list[LegendEntry]

    def as_config(self) -> dict[str, Any]:
        return {"id": self.layer_id, "kind": self.kind, "name": self.name, "version": self.version,
                "variable": self.variable, "shown": self.shown}


def _draw_rank(kind: str) -> int:
    return DRAW_ORDER.index(kind) if kind in DRAW_ORDER else len(DRAW_ORDER)


def add_planning_layers(fmap: folium.Map, layers: list[dict[str, Any]], language: str) -> list[MapLayer]:
    """Add every stored layer (``layers.store.list_layers`` entries) as vector tiles of its current
    version, in draw order; returns them as the legend lists them (top of the map first)."""
    added = []
    for layer in sorted(layers, key=lambda entry: (_draw_rank(entry["kind"]), entry["id"])):
        shown = layer["kind"] in SHOWN_BY_DEFAULT
        url = f"/tiles/{layer['id']}/{{z}}/{{x}}/{{y}}.pbf?v={layer['current_version']}"
        element = VectorTileLayer(url, layer["kind"], 10 + _draw_rank(layer["kind"]), layer["name"], shown)
        element.add_to(fmap)
        added.append(MapLayer(layer["id"], layer["kind"], layer["name"], layer["current_version"],
                              layer["feature_count"], element.get_name(), shown,
                              layer_legend(layer["kind"], language)))
    return added[::-1]


def add_draw(fmap: folium.Map, *, site: bool = False) -> Draw:
    """The drawing toolbar (folium's Draw plugin, Leaflet.draw).

    For markings: point, line, polygon, rectangle; saving is the page's job (``draw:created``), nothing is
    edited in place. With ``site``: a candidate site (polygon or rectangle, never self-intersecting), which
    can be edited and deleted; the page screens it on ``draw:created`` and ``draw:edited``. The toolbar's
    labels come from the page's language (``Blueprint``, web/static/js/blueprint.js, sets ``L.drawLocal``)."""
    colour = SITE_COLOUR if site else "#8e24aa"
    draw = Draw(
        export=False,
        show_geometry_on_click=False,
        position="topleft",
        draw_options={
            "polyline": False if site else {"shapeOptions": {"color": colour, "weight": 3}},
            "polygon": {"allowIntersection": False, "showArea": True, "metric": True,
                        "shapeOptions": {"color": colour}},
            "rectangle": {"shapeOptions": {"color": colour}, "showArea": True, "metric": True},
            "circle": False,
            "circlemarker": False,
            "marker": not site,
        },
        edit_options={"edit": site, "remove": site},
    )
    draw.add_to(fmap)
    return draw


def _elements(root: Element) -> Iterator[Element]:
    yield root
    for child in root._children.values():
        yield from _elements(child)


def _local(resources: list[tuple[str, str]]) -> list[tuple[str, str]]:
    local = []
    for name, url in resources:
        if name not in FOLIUM_RESOURCES:
            raise UnlocalisedAssetError(f"folium wants {name} from {url}, which has no local copy: vendor it "
                                        "with npm (web/assets/package.json) and map it in web.assets")
        if FOLIUM_RESOURCES[name] is not None:
            local.append((name, FOLIUM_RESOURCES[name]))
    return local


def localise_assets(root: Element) -> None:
    """Point every folium element's scripts and stylesheets at the app's own copies (per instance)."""
    for element in _elements(root):
        if isinstance(element, JSCSSMixin):
            element.default_js = _local(element.default_js)
            element.default_css = _local(element.default_css)


@dataclass(frozen=True)
class MapParts:
    """A rendered map, split for a page template: ``header`` goes in <head>, ``html`` where the map sits,
    ``script`` in a <script> at the end of <body>; ``variable`` is the L.Map's JavaScript name."""

    variable: str
    header: Markup
    html: Markup
    script: Markup


def render_map(fmap: folium.Map, nonce: str = "") -> MapParts:
    """Render ``fmap`` with local assets only; folium's inline scripts in the header carry ``nonce`` (the
    page's Content-Security-Policy runs no inline script without it)."""
    root = fmap.get_root()
    localise_assets(root)
    root.render()
    # folium's viewport tag forbids pinch-zoom (maximum-scale=1, user-scalable=no); base.html has the page's own.
    header = _FOLIUM_VIEWPORT.sub("", root.header.render())
    if nonce:
        header = header.replace("<script>", f'<script nonce="{nonce}">')
    return MapParts(fmap.get_name(), Markup(header), Markup(root.html.render()), Markup(root.script.render()))
