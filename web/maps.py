"""folium maps of the pages: planning layers as vector tiles, an optional basemap, drawing, local assets.

A page builds a :class:`folium.Map` with :func:`base_map`, adds the planning layers with
:func:`add_planning_layers` (every layer in one composite vector tile per view tile, one Leaflet.VectorGrid
reading ``/tiles/composite/{z}/{x}/{y}.pbf?layers={id}:{version},…``, each layer toggled on its own, so no
layer is ever inlined as GeoJSON, whatever its size), optionally :func:`add_draw`, then :func:`render_map`
splits it into the head, body and script that the base template places. Everything the map loads comes from
the app (:mod:`web.assets`). Map coordinates are WGS84 lon/lat shown in Web Mercator (EPSG:3857), as Leaflet does.
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

from gis.messages import one_language
from layers.symbols import SHOWN_BY_DEFAULT, draw_rank
from layers.tiles import MAX_COMPOSITE_LAYERS
from web.assets import FOLIUM_RESOURCES
from web.layer_groups import group_rank, layer_group
from web.legend import SITE_COLOUR, LegendEntry, layer_legend
from web.settings import BasemapSource, MapSettings, map_settings

XIAMEN_BOUNDS = ((24.38, 117.86), (24.92, 118.45))
"""South-west and north-east corners (lat, lon) the maps open on when no layer says better."""
MAX_ZOOM = 20
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


class UnlocalisedAssetError(LookupError):
    """A folium element wants a script or stylesheet that has no local copy."""


class CompositeTiles(JSCSSMixin, Layer):
    """Planning layers in one composite vector tile per view tile (Leaflet.VectorGrid, canvas renderer), kinds
    drawn in the order of ``layers``; ``Blueprint.compositeTiles`` (web/static/js/blueprint.js) keeps the
    tiles it decoded, so switching a layer on or off redraws them without asking the server again."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = Blueprint.compositeTiles({{ this.url|tojson }}, {{ this.z_index|tojson }});
        {% endmacro %}
        """
    )
    default_js = [("vector_grid", FOLIUM_RESOURCES["vector_grid"])]

    def __init__(self, layers: list[dict[str, Any]], z_index: int) -> None:
        super().__init__(name="planning tiles", overlay=True, control=False, show=True)
        self._name = "CompositeTiles"
        pinned = ",".join(f"{layer['id']}:{layer['current_version']}" for layer in layers)
        # Pinned versions are cached for good; past the list's limit, every current layer (revalidated).
        query = f"?layers={pinned}" if len(layers) <= MAX_COMPOSITE_LAYERS else ""
        self.url = f"/tiles/composite/{{z}}/{{x}}/{{y}}.pbf{query}"
        self.z_index = z_index


class VectorTileLayer(Layer):
    """One stored planning layer of a :class:`CompositeTiles`: a Leaflet layer that, on the map or off it,
    shows or hides its features in its kind's MVT layer (``Blueprint.planningLayer``), styled with the
    symbols of :mod:`layers.symbols` by the layer's kind."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = Blueprint.planningLayer({{ this.tiles }}, {{ this.layer_id|tojson }},
                                                           {{ this.kind|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, tiles: CompositeTiles, layer_id: int, kind: str, name: str, show: bool) -> None:
        super().__init__(name=name, overlay=True, control=False, show=show)
        self._name = "VectorTileLayer"
        self.tiles, self.layer_id, self.kind = tiles.get_name(), layer_id, kind


class Basemap(Layer):
    """A configured raster basemap; a GCJ-02 one goes through ``L.TileLayer.GCJ02``, which shifts it onto
    WGS84 at the view centre (the offset varies by metres across a city view). Only the first is shown when
    the map opens; the layer panel switches between them."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.tileLayer{{ '.gcj02' if this.gcj02 else '' }}({{ this.url|tojson }},
            {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, name: str | None, source: BasemapSource, show: bool) -> None:
        super().__init__(name=name or "basemap", overlay=False, control=False, show=show)
        self._name = "Basemap"
        self.label, self.url, self.crs = name, source.url, source.crs
        self.gcj02 = source.crs == "GCJ02"
        self.options = {"attribution": source.attribution, "maxZoom": MAX_ZOOM, "maxNativeZoom": source.max_zoom,
                        "zIndex": 0}

    def as_config(self) -> dict[str, Any]:
        return {"name": self.label, "variable": self.get_name(), "crs": self.crs, "shown": self.show}


def base_map(extent: list[float] | None = None, settings: MapSettings | None = None) -> folium.Map:
    """An empty map fitted to ``extent`` (west, south, east, north in WGS84 degrees; default Xiamen), with a
    scale bar and the configured basemaps, if any (the first one shown)."""
    settings = settings or map_settings()
    bounds = ((extent[1], extent[0]), (extent[3], extent[2])) if extent else XIAMEN_BOUNDS
    centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
    fmap = folium.Map(location=centre, zoom_start=11, tiles=None, control_scale=True, max_zoom=MAX_ZOOM,
                      prefer_canvas=False, zoom_control=True)
    fmap.fit_bounds(bounds)
    for index, (name, source) in enumerate(settings.configured_basemaps()):
        Basemap(name, source, show=index == 0).add_to(fmap)
    return fmap


def basemaps_of(fmap: folium.Map) -> list[Basemap]:
    """The basemaps of a map made by :func:`base_map`, in the order the panel lists them."""
    return [child for child in fmap._children.values() if isinstance(child, Basemap)]


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
    extent: list[float] | None = None  # west, south, east, north (WGS84 degrees) of the current version
    imported_at: str | None = None  # when the current version was imported (ISO 8601)

    @property
    def group(self) -> str:
        return layer_group(self.kind)

    def as_config(self) -> dict[str, Any]:
        return {"id": self.layer_id, "kind": self.kind, "name": self.name, "version": self.version,
                "variable": self.variable, "shown": self.shown, "extent": self.extent,
                "importedAt": self.imported_at}


def add_planning_layers(fmap: folium.Map, layers: list[dict[str, Any]], language: str) -> list[MapLayer]:
    """Add every stored layer (``layers.store.list_layers`` entries) as vector tiles of its current version,
    in draw order, all in one composite tile per view tile; returns them as the layer panel lists them: by
    group, top of the map first."""
    ordered = sorted(layers, key=lambda entry: (draw_rank(entry["kind"]), entry["id"]))
    if not ordered:
        return []
    tiles = CompositeTiles(ordered, 10)
    tiles.add_to(fmap)
    added = []
    for layer in ordered:
        shown = layer["kind"] in SHOWN_BY_DEFAULT
        name = one_language(layer["name"], language)
        element = VectorTileLayer(tiles, layer["id"], layer["kind"], name, shown)
        element.add_to(fmap)
        added.append(MapLayer(layer["id"], layer["kind"], name, layer["current_version"],
                              layer["feature_count"], element.get_name(), shown,
                              layer_legend(layer["kind"], language), layer["extent"],
                              layer["versions"][-1]["created_at"]))
    return sorted(added[::-1], key=lambda layer: group_rank(layer.group))


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
