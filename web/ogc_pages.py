"""The HTML encoding of the OGC API – Features resources (``/ogc…?f=html``): landing page, conformance,
collections, one collection, its items and one item, with a small map (folium, Leaflet from the app's own
assets, no basemap unless one is configured) of the items shown or of the collection's extent.

Each page renders the same document the JSON encoding answers (``body``), so both say the same thing; the
map draws CRS84 (WGS84 lon/lat) geometries only, so a page asked for in another ``crs`` lists the
coordinates' CRS and shows no map.
"""

from __future__ import annotations

from typing import Any

import folium
from fastapi import Request
from fastapi.responses import HTMLResponse

from gis.crs import CRS84_SERVED
from layers.catalogue import LAYER_KINDS
from web import maps
from web.pages import render_plain

TITLE_KEYS = {
    "landing": "ogc.landing",
    "conformance": "ogc.conformance",
    "collections": "ogc.collections",
    "collection": "ogc.collection",
    "items": "ogc.items",
    "item": "ogc.item",
}
"""Page -> label key of its title (web.i18n.LABELS)."""


def _colour(kind_slug: str) -> str:
    """The map colour of a layer kind (its legend's)."""
    kind = LAYER_KINDS.get(kind_slug)
    return kind.colour if kind else "#1565c0"


def _map(page: str, body: dict[str, Any], nonce: str) -> maps.MapParts | None:
    """The page's map: the features of an items or item page, the extent of a collection page."""
    collection = body.get("collection", body if page == "collection" else None)
    if collection is None or body.get("contentCrs", CRS84_SERVED.uri) != CRS84_SERVED.uri:
        return None
    bbox = collection.get("extent", {}).get("spatial", {}).get("bbox", [None])[0]
    fmap = maps.base_map(bbox)
    colour = _colour(collection["layerKind"])
    if page == "collection":
        if bbox is None:
            return None
        folium.Rectangle(((bbox[1], bbox[0]), (bbox[3], bbox[2])), color=colour, fill=False).add_to(fmap)
    else:
        features = body["features"] if page == "items" else [body]
        if not features:
            return None
        data = {"type": "FeatureCollection", "features": [
            {key: feature[key] for key in ("type", "id", "geometry", "properties")} for feature in features]}
        layer = folium.GeoJson(data, style_function=lambda _feature: {"color": colour, "weight": 1.5,
                                                                        "fillOpacity": 0.35})
        layer.add_to(fmap)
        fmap.fit_bounds(layer.get_bounds())
    return maps.render_map(fmap, nonce)


def render(request: Request, page: str, body: dict[str, Any], language: str) -> HTMLResponse:
    """The HTML page of OGC API resource ``page`` (a key of :data:`TITLE_KEYS`) showing ``body`` in
    ``language`` (the API's choice: ``?lang=``, else ``Accept-Language``)."""
    parts = _map(page, body, getattr(request.state, "csp_nonce", ""))
    return render_plain(request, "ogc.html", page="ogc", language=language, title_key=TITLE_KEYS[page],
                        context={"ogc_page": page, "doc": body, "ogc_map": parts})
