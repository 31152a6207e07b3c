"""TileJSON 3.0.0 documents of the vector tiles, so a GIS client (QGIS, MapLibre) adds them with one URL.

A document names the tile URL template (absolute), the bounds of the layers (WGS84 lon/lat, from the extent
of each layer version), the zooms tiles are served at, and each MVT layer (named after its layer kind) with
its fields and their types, from the kind's attribute schema (:mod:`layers.attributes`); in the composite
tile, the layers of a kind share its MVT layer and each feature names its ``layer_id``.
Spec: https://github.com/mapbox/tilejson-spec/tree/master/3.0.0
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, text

from gis.db import get_engine
from gis.tiles import tile_settings
from layers.attributes import AttributeType
from layers.catalogue import LAYER_KINDS, PARCEL_FIELDS
from layers.tiles import NAMING_ATTRIBUTES, CompositeSource, TileSource

TILEJSON_VERSION = "3.0.0"
MIN_ZOOM = 0
MAX_ZOOM = 18
"""Highest zoom tiles are offered at: 4096 units per tile are ~4 cm at z18 in Xiamen; clients overzoom beyond."""
ATTRIBUTION = "One Blueprint (一张蓝图) planning layers"
STRING, NUMBER = "String", "Number"

_PARCEL_TYPES = {"text": STRING, "number": NUMBER, "integer": NUMBER}


def layer_fields(kind: str) -> dict[str, str]:
    """Field name -> type (``String`` or ``Number``) of an MVT layer of ``kind``: its name and land-use
    class where it has one, the attributes its kind declares (from every zoom), its public parcel fields,
    and ``area_m2`` (true area, m², from the detail zoom on)."""
    layer_kind = LAYER_KINDS.get(kind)
    fields = {"name": STRING}
    if layer_kind is None:
        return {**fields, "area_m2": NUMBER}
    for attribute in layer_kind.attributes:
        numeric = attribute.type in (AttributeType.INTEGER, AttributeType.NUMBER) or (
            attribute.type is AttributeType.CODE and all(isinstance(value, int) for value in attribute.values))
        fields[attribute.name] = NUMBER if numeric else STRING
    if layer_kind.public_attributes is not None:
        fields = {name: fields.get(name, STRING) for name in layer_kind.public_attributes if name in fields
                  or name in NAMING_ATTRIBUTES} | {
            field.name: fields.get(field.name, _PARCEL_TYPES[field.kind])
            for field in PARCEL_FIELDS if field.name in layer_kind.public_attributes}
    if "landuse_code" in fields:
        fields.setdefault("landuse_name", STRING)
    return {**fields, "area_m2": NUMBER}


def _vector_layer(kind: str, sources: tuple[TileSource, ...], tagged: bool) -> dict[str, Any]:
    """The MVT layer of ``kind`` holding ``sources``; ``tagged``: its features name their ``layer_id``."""
    layer_kind = LAYER_KINDS.get(kind)
    name = f"{layer_kind.name.zh} {layer_kind.name.en}" if layer_kind else kind
    layers = ", ".join(f"layer {source.layer_id} version {source.version}" for source in sources)
    return {
        "id": kind,
        "description": f"{name}; {layers}. Below zoom {tile_settings().detail_zoom} features carry their name "
                       "and planning attributes only.",
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "fields": layer_fields(kind) | ({"layer_id": NUMBER} if tagged else {}),
    }


def names_and_bounds(sources: tuple[TileSource, ...], engine: Engine | None) -> tuple[list[str], list[float] | None]:
    """The layers' names and the bounds of their versions together (west, south, east, north; None: empty)."""
    if not sources:
        return [], None
    with (engine or get_engine()).connect() as connection:
        rows = connection.execute(text(
            "SELECT l.name, ST_XMin(v.extent) AS west, ST_YMin(v.extent) AS south, ST_XMax(v.extent) AS east, "
            "ST_YMax(v.extent) AS north FROM layer_versions v JOIN layers l ON l.id = v.layer_id "
            "WHERE v.id = ANY(:ids) ORDER BY array_position(CAST(:ids AS bigint[]), v.id)"),
            {"ids": [source.version_id for source in sources]}).all()
    boxes = [row for row in rows if row.west is not None]
    if not boxes:
        return [row.name for row in rows], None
    return [row.name for row in rows], [min(row.west for row in boxes), min(row.south for row in boxes),
                                        max(row.east for row in boxes), max(row.north for row in boxes)]


def _document(name: str, description: str, url: str, vector_layers: list[dict[str, Any]],
              bounds: list[float] | None) -> dict[str, Any]:
    bounds = bounds or [-180.0, -85.0511287798066, 180.0, 85.0511287798066]
    return {
        "tilejson": TILEJSON_VERSION,
        "name": name,
        "description": description,
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "bounds": [round(value, 7) for value in bounds],
        "center": [round((bounds[0] + bounds[2]) / 2, 7), round((bounds[1] + bounds[3]) / 2, 7), 12],
        "vector_layers": vector_layers,
    }


def layer_tilejson(source: TileSource, base_url: str, layer: str, version: int | None = None,
                   engine: Engine | None = None) -> dict[str, Any]:
    """TileJSON of one layer's tiles at ``base_url``; ``layer`` is the id or kind slug as asked (a kind keeps
    following its current layer), ``version`` pins the tiles to that version."""
    names, bounds = names_and_bounds((source,), engine)
    url = f"{base_url}/tiles/{quote(layer, safe='')}/{{z}}/{{x}}/{{y}}.pbf" + (f"?v={version}" if version else "")
    return _document(names[0], f"Vector tiles of {names[0]}, version {source.version}", url,
                     [_vector_layer(source.kind, (source,), tagged=False)], bounds)


def composite_tilejson(source: CompositeSource, base_url: str, layers: str | None,
                       engine: Engine | None = None) -> dict[str, Any]:
    """TileJSON of the composite tile of ``layers`` (as asked; None: every kind's current layer)."""
    names, bounds = names_and_bounds(source.sources, engine)
    url = f"{base_url}/tiles/composite/{{z}}/{{x}}/{{y}}.pbf" + (f"?layers={quote(layers, safe=',:')}"
                                                                  if layers else "")
    vector_layers = [_vector_layer(kind, layers, tagged=True) for kind, layers in source.by_kind().items()]
    return _document("One Blueprint planning layers (一张蓝图)", "Planning layers in one vector tile, one MVT layer "
                     "per kind, each feature naming its layer_id: " + ", ".join(names), url, vector_layers, bounds)
