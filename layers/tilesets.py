"""OGC API – Tiles (OGC 20-057) documents of a planning layer's vector tiles: its tilesets list and its tileset
metadata on the WebMercatorQuad tile matrix set (OGC 17-083r4), so OGC clients (QGIS, GDAL, OpenLayers) find
the tiles, their zooms, bounds and fields with no hand work.

Tiles are addressed ``{tileMatrix}/{tileRow}/{tileCol}`` (zoom, row from the north, column): the XYZ tile
``z/x/y`` is ``z/y/x`` there.
"""

from __future__ import annotations

from typing import Any

from gis.messages import Message
from gis.tiles import EPSG_3857, MAX_ZOOM, WEB_MERCATOR_QUAD, WEB_MERCATOR_QUAD_URI
from layers.store import list_layers
from layers.tilejson import NUMBER, layer_fields, names_and_bounds
from layers.tiles import TileLayerNotFoundError, TileSource, resolve_tile_source

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
GEODATA = "http://www.opengis.net/def/rel/ogc/1.0/geodata"
TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
CONFORMANCE: tuple[str, ...] = (
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/tilesetmetadata",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilesetmetadata",
)
"""What is implemented: vector tiles (MVT) of each collection on WebMercatorQuad, its tilesets list and tileset
metadata, and the tile matrix set definition (JSON); no dataset tilesets, no map tiles, no other tile matrix
set."""


def collection_source(collection_id: str) -> TileSource:
    """The current version of a collection's layer, named as ``/ogc/collections`` names it (its slug, e.g.
    ``land_use`` or ``land_use_12``), or by its layer id."""
    layer = next((layer for layer in list_layers() if collection_id in (layer["slug"], str(layer["id"]))), None)
    if layer is None:
        raise TileLayerNotFoundError(Message("tile.no_collection", id=collection_id))
    return resolve_tile_source(str(layer["id"]))


def _link(href: str, rel: str, media_type: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": media_type, "title": title, **extra}


def collection_tile_links(base_url: str, collection_id: str) -> list[dict[str, Any]]:
    """The links a collection document of ``/ogc/collections`` carries to its vector tilesets."""
    return [_link(f"{base_url}/ogc/collections/{collection_id}/tiles", TILESETS_VECTOR, JSON,
                  "vector tilesets of this collection")]


def landing_tile_links(base_url: str) -> list[dict[str, Any]]:
    """The link the landing page carries to the tile matrix sets."""
    return [_link(f"{base_url}/ogc/tileMatrixSets", TILING_SCHEMES, JSON, "tile matrix sets")]


def _tileset_summary(base_url: str, collection_id: str, title: str) -> dict[str, Any]:
    href = f"{base_url}/ogc/collections/{collection_id}/tiles/{WEB_MERCATOR_QUAD}"
    return {
        "title": title,
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "links": [_link(href, "self", JSON, f"{title}: vector tiles on {WEB_MERCATOR_QUAD}"),
                  _link(f"{base_url}/ogc/tileMatrixSets/{WEB_MERCATOR_QUAD}", TILING_SCHEME, JSON, WEB_MERCATOR_QUAD)],
    }


def tilesets(source: TileSource, base_url: str, collection_id: str) -> dict[str, Any]:
    """The tilesets list of a collection: one vector tileset, on WebMercatorQuad."""
    (name,), _ = names_and_bounds((source,), None)
    href = f"{base_url}/ogc/collections/{collection_id}/tiles"
    return {"links": [_link(href, "self", JSON, f"tilesets of {name}"),
                      _link(f"{base_url}/ogc/collections/{collection_id}", GEODATA, JSON, name)],
            "tilesets": [_tileset_summary(base_url, collection_id, name)]}


def _schema(kind: str) -> dict[str, Any]:
    return {"type": "object", "properties": {
        name: {"type": "number" if field_type == NUMBER else "string"}
        for name, field_type in layer_fields(kind).items()}}


def tileset(source: TileSource, base_url: str, collection_id: str) -> dict[str, Any]:
    """The tileset metadata of a collection's vector tiles on WebMercatorQuad: URL template, zooms, bounds, its
    MVT layer (named after the layer kind) with the schema of its properties. No tileMatrixSetLimits: every
    tile of the matrix set answers (204 where it holds no feature)."""
    (name,), bounds = names_and_bounds((source,), None)
    summary = _tileset_summary(base_url, collection_id, name)
    template = (f"{base_url}/ogc/collections/{collection_id}/tiles/{WEB_MERCATOR_QUAD}/"
                "{tileMatrix}/{tileRow}/{tileCol}")
    document: dict[str, Any] = {
        **summary,
        "description": f"{name}, version {source.version}, as Mapbox vector tiles",
        "links": [*summary["links"], _link(template, "item", MVT, "a vector tile", templated=True),
                  _link(f"{base_url}/ogc/collections/{collection_id}", GEODATA, JSON, name),
                  _link(f"{base_url}/tiles/{source.layer_id}.json", "describedby", JSON, "TileJSON")],
        "layers": [{"id": source.kind, "dataType": "vector", "geometryDimension": 2, "minTileMatrix": "0",
                    "maxTileMatrix": str(MAX_ZOOM), "propertiesSchema": _schema(source.kind)}],
    }
    if bounds:
        document["boundingBox"] = {"lowerLeft": bounds[:2], "upperRight": bounds[2:], "crs": CRS84}
    return document
