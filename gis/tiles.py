"""Mapbox vector tiles (MVT) of stored polygons, built in PostGIS with ``ST_AsMVT``.

A tile is addressed by ``z/x/y`` in the Web Mercator tile grid (EPSG:3857, XYZ scheme, y down from the
north). The query:

- transforms the *tile envelope* to WGS84 (EPSG:4326, the storage CRS) and filters ``geom && envelope``,
  so the GiST index on ``layer_features.geom`` drives it; the stored column is never transformed in the
  filter;
- drops features smaller than a couple of screen pixels at the tile's zoom (they would render as specks)
  and keeps at most ``max_features`` per tile, the largest first, so a zoomed-out tile over 200,000
  land-use zones stays small and quick;
- clips a feature to the (buffered) envelope in WGS84 only when it reaches outside it, before
  transforming it to Web Mercator, so a polygon of tens of thousands of vertices costs only its part in the
  tile; below zoom 14 such a complex polygon is also simplified to a quarter pixel first (``ST_AsMVTGeom``
  then snaps everything to the 4096 grid); small polygons skip both, which would cost more than they save;
- carries either every stored attribute or only the named ones (a zoomed-out tile need not carry a zone's
  every code);
- runs under ``SET LOCAL statement_timeout``, so one pathological tile cannot hold a connection.

The SQL text is built once per attribute selection (:func:`tile_query`); psycopg prepares it on the server
after a few executions, so repeated tiles reuse one plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from psycopg.errors import QueryCanceled
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import OperationalError

from gis.db import kept_properties_sql
from gis.messages import Message, Text, phrases

MAX_ZOOM = 24
TILE_EXTENT = 4096
"""Integer grid of one tile in MVT coordinates (16 per screen pixel of a 256-pixel tile)."""
TILE_BUFFER = 64
"""Buffer around the tile, in MVT units, so strokes along tile edges join seamlessly."""
SCREEN_TILE_PIXELS = 256
EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6_378_137.0
"""Equatorial circumference of the Web Mercator sphere, metres."""
SIMPLIFY_BELOW_ZOOM = 14
"""From this zoom on, features are small against the tile and grid snapping alone is enough."""
SIMPLIFY_ABOVE_VERTICES = 64
"""Only polygons with more vertices than this are simplified; for smaller ones it costs more than it saves."""

TILE_FORMAT_REVISION = "3"
"""Bump when the tile SQL or its attributes change, so clients drop tiles cached from older code."""


class TileSettings(BaseSettings):
    """Tile limits, from ``BLUEPRINT_TILE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_TILE_", extra="ignore")

    max_features: int = 6_000
    """Features per tile at most; the largest are kept."""
    min_feature_pixels: float = 2.0
    """Features whose area is below this many screen pixels (256-pixel tiles) are left out."""
    detail_zoom: int = 15
    """From this zoom on, tiles carry every stored attribute; below it, the layer's summary attributes."""
    timeout_ms: int = 5_000
    """Statement timeout of one tile query."""
    cache_mb: int = 64
    """In-process cache of rendered tiles (immutable per layer version); 0 turns it off."""


@lru_cache
def tile_settings() -> TileSettings:
    return TileSettings()


phrases(
    "tile",
    zoom=Text("缩放级别{z}超出0至{max}的范围", "zoom {z} is outside 0..{max}"),
    address=Text("缩放级别{z}下不存在瓦片{x}/{y}：x与y的取值为0至{last}",
                 "tile {x}/{y} does not exist at zoom {z}: x and y go from 0 to {last}"),
    timeout=Text("瓦片{z}/{x}/{y}的生成超过{ms}毫秒", "tile {z}/{x}/{y} took longer than {ms} ms"),
)


class InvalidTileError(ValueError):
    """The z/x/y address is not a tile of the Web Mercator grid."""


class TileTimeoutError(RuntimeError):
    """The tile query ran past the statement timeout."""


@dataclass(frozen=True)
class TileAddress:
    """One tile of the XYZ Web Mercator grid; validated on construction."""

    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise InvalidTileError(Message("tile.zoom", z=self.z, max=MAX_ZOOM))
        last = 2**self.z - 1
        if not (0 <= self.x <= last and 0 <= self.y <= last):
            raise InvalidTileError(Message("tile.address", x=self.x, y=self.y, z=self.z, last=last))

    @property
    def centre_latitude(self) -> float:
        """Latitude of the tile's centre, degrees (WGS84)."""
        n = math.pi * (1 - 2 * (self.y + 0.5) / 2**self.z)
        return math.degrees(math.atan(math.sinh(n)))

    @property
    def pixel_size_m(self) -> float:
        """Ground size of one screen pixel at the tile's centre, metres."""
        return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(self.centre_latitude)) / (SCREEN_TILE_PIXELS * 2**self.z)

    def bounds_deg(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """West, south, east, north of the tile in WGS84 degrees, widened by ``margin`` tile widths each side."""
        n = 2**self.z

        def latitude(row: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

        return (360.0 * (self.x - margin) / n - 180, latitude(self.y + 1 + margin),
                360.0 * (self.x + 1 + margin) / n - 180, latitude(self.y - margin))

    @property
    def pixel_size_deg(self) -> float:
        """Longitude span of one screen pixel, degrees (a latitude span is never larger at these latitudes)."""
        return 360.0 / (SCREEN_TILE_PIXELS * 2**self.z)


def _attributes_sql(attributes: tuple[str, ...] | None, tagged: bool) -> str:
    """The jsonb of a tile feature's attributes (row ``clipped``): every stored property and the true area,
    or only the named properties (an area is unique to each feature, hence costly in a crowded tile); when
    ``tagged``, also ``layer_id``, the stored layer the feature belongs to (one MVT layer may hold several)."""
    if attributes is None:
        kept = "clipped.properties || jsonb_build_object('area_m2', round(clipped.area_m2::numeric, 1))"
    else:
        kept = kept_properties_sql("clipped", attributes)
    if not tagged:
        return kept
    return (f"({kept}) || jsonb_build_object('layer_id', (CAST(:layer_ids AS integer[]))"
            "[array_position(CAST(:version_ids AS integer[]), clipped.version_id)])")


@lru_cache
def tile_query(attributes: tuple[str, ...] | None = None, tagged: bool = False) -> TextClause:
    """The tile SQL of the features of the versions ``:version_ids`` as one MVT layer, carrying every stored
    attribute and ``area_m2`` (None), or only ``attributes``; ``tagged`` adds each feature's ``layer_id``."""
    return text(
        f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {TILE_BUFFER / TILE_EXTENT}), 4326) AS box
        ),
        picked AS (
            SELECT f.id, f.version_id, f.properties, f.area_m2, f.geom
            FROM layer_features AS f, bounds
            WHERE f.version_id = ANY(CAST(:version_ids AS integer[])) AND f.geom && bounds.box
              AND f.area_m2 >= :min_area_m2
            ORDER BY f.area_m2 DESC
            LIMIT :max_features
        ),
        clipped AS (
            SELECT picked.id, picked.version_id, picked.properties, picked.area_m2, bounds.tile,
                   CASE WHEN picked.geom @ bounds.box THEN picked.geom
                        ELSE ST_ClipByBox2D(picked.geom, bounds.box) END AS geom
            FROM picked, bounds
        ),
        shaped AS (
            SELECT clipped.id, {_attributes_sql(attributes, tagged)} AS properties,
                   ST_AsMVTGeom(
                       ST_Transform(
                           CASE WHEN :simplify_deg > 0 AND ST_NPoints(clipped.geom) > {SIMPLIFY_ABOVE_VERTICES}
                                THEN ST_Simplify(clipped.geom, :simplify_deg, true)
                                ELSE clipped.geom END,
                           3857),
                       clipped.tile, {TILE_EXTENT}, {TILE_BUFFER}, true) AS geom
            FROM clipped
        )
        -- ST_AsMVT skips the NULL geometry of a feature that vanished in the grid; a WHERE on it would make
        -- PostgreSQL compute ST_AsMVTGeom twice.
        SELECT ST_AsMVT(shaped, :layer_name, {TILE_EXTENT}, 'geom', 'id') FROM shaped
        """
    )


@dataclass(frozen=True)
class TileLayerQuery:
    """One MVT layer of a tile: the features of one or more layer versions under ``layer_name``, with
    ``attributes`` (None: every stored property and ``area_m2``). With ``layer_ids`` (one per version, same
    order), each feature also carries ``layer_id``, so a client tells apart the layers that share the MVT layer.
    ``max_features`` holds for the MVT layer as a whole."""

    version_ids: tuple[int, ...]
    layer_name: str
    attributes: tuple[str, ...] | None = None
    layer_ids: tuple[int, ...] | None = None


def render_tiles(
    connection: Connection,
    layers: list[TileLayerQuery],
    address: TileAddress,
    settings: TileSettings | None = None,
) -> bytes:
    """One MVT holding one layer per entry of ``layers``, in that order (clients draw them so); a layer with
    no feature in the tile is left out, and a tile of none is empty bytes.

    Each MVT layer is named ``layer_name`` (clients style by it); its features carry the stored properties
    plus ``area_m2`` (true area, m²), or only the entry's ``attributes`` (and ``layer_id`` when asked); the
    MVT feature id is the feature's id, unique across layers.

    An MVT is a protobuf message of repeated layers, so the tiles ``ST_AsMVT`` makes of each layer, put one
    after the other, are one valid tile. Must run inside a transaction (``SET LOCAL``); raises
    :class:`TileTimeoutError` when one layer's query runs past the timeout.
    """
    settings = settings or tile_settings()
    pixel_m = address.pixel_size_m
    parameters = {
        "z": address.z,
        "x": address.x,
        "y": address.y,
        "min_area_m2": settings.min_feature_pixels * pixel_m * pixel_m,
        "max_features": settings.max_features,
        "simplify_deg": address.pixel_size_deg / 4 if address.z < SIMPLIFY_BELOW_ZOOM else 0.0,
    }
    # SET LOCAL takes no bind parameters; the value is an int from the settings, not user input.
    connection.execute(text(f"SET LOCAL statement_timeout = {int(settings.timeout_ms)}"))
    parts = []
    try:
        for layer in layers:
            tagged = layer.layer_ids is not None
            tile = connection.execute(tile_query(layer.attributes, tagged), {
                **parameters, "version_ids": list(layer.version_ids), "layer_name": layer.layer_name,
                **({"layer_ids": list(layer.layer_ids or ())} if tagged else {})}).scalar_one()
            parts.append(bytes(tile or b""))
    except OperationalError as error:
        if isinstance(error.orig, QueryCanceled):
            raise TileTimeoutError(Message("tile.timeout", z=address.z, x=address.x, y=address.y,
                                           ms=settings.timeout_ms)) from None
        raise
    return b"".join(parts)

WEB_MERCATOR_QUAD = "WebMercatorQuad"
WEB_MERCATOR_QUAD_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
WEB_MERCATOR_HALF_WIDTH_M = EARTH_CIRCUMFERENCE_M / 2
"""x (and y) of the grid's edges from its origin, metres (EPSG:3857)."""
STANDARD_PIXEL_M = 0.00028
"""The standardized rendering pixel of OGC tile matrix sets (0.28 mm), for scale denominators."""


def web_mercator_quad() -> dict[str, object]:
    """The WebMercatorQuad tile matrix set (OGC 17-083r4, Two Dimensional Tile Matrix Set 2.0, JSON): the grid
    these tiles are cut on, zoom 0 to :data:`MAX_ZOOM`, tile matrix ``z`` with rows ``y`` (from the north) and
    columns ``x``."""
    matrices = []
    for z in range(MAX_ZOOM + 1):
        cell = EARTH_CIRCUMFERENCE_M / (SCREEN_TILE_PIXELS * 2**z)
        matrices.append({
            "id": str(z), "scaleDenominator": cell / STANDARD_PIXEL_M, "cellSize": cell, "cornerOfOrigin": "topLeft",
            "pointOfOrigin": [-WEB_MERCATOR_HALF_WIDTH_M, WEB_MERCATOR_HALF_WIDTH_M],
            "tileWidth": SCREEN_TILE_PIXELS, "tileHeight": SCREEN_TILE_PIXELS,
            "matrixWidth": 2**z, "matrixHeight": 2**z,
        })
    return {
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    }
