"""Vector tiles API: ``GET /tiles/{layer}/{z}/{x}/{y}.pbf`` (Mapbox Vector Tile, Web Mercator XYZ grid)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.boundary import BoundaryRoute
from api.problems import ProblemError
from gis.metrics import TILE_LATENCY, timed
from gis.tiles import InvalidTileError, TileAddress, TileTimeoutError
from layers.tiles import (
    MAX_ID,
    TileLayerNotFoundError,
    cached_tile,
    known_source,
    layer_tile,
    resolve_tile_source,
)

router = APIRouter(tags=["tiles"], route_class=BoundaryRoute)

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
PINNED_CACHE = "public, max-age=31536000, immutable"
"""A tile of a named version never changes."""
CURRENT_CACHE = "public, no-cache"
"""The current version may change at any import: keep the tile, but revalidate it (ETag) every time."""


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.pbf",
    response_class=Response,
    responses={
        200: {"content": {MVT_MEDIA_TYPE: {}}, "description": "the tile"},
        204: {"description": "no feature in this tile"},
        304: {"description": "the client's copy (If-None-Match) is current"},
    },
)
async def get_tile(
    layer: str,
    z: int,
    x: int,
    y: int,
    v: Annotated[int | None, Query(ge=1, le=MAX_ID, description="pin a layer version (cached for good)")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """A Mapbox vector tile of a planning layer (id, or kind slug such as `land_use`), built in PostGIS.

    One MVT layer named after the layer kind; attributes are the feature's properties plus `area_m2`
    (from zoom 15; below, what says what a feature is). A pinned, cached tile is answered in the event loop;
    anything that needs the database runs in the thread pool.
    """
    try:
        address = TileAddress(z, x, y)
    except InvalidTileError as error:
        raise ProblemError(400, "invalid-tile", "Invalid tile address", str(error), z=z, x=x, y=y) from None
    try:
        source = known_source(layer, v) or await run_in_threadpool(resolve_tile_source, layer, v)
    except TileLayerNotFoundError as error:
        raise ProblemError(404, "not-found", "Layer not found", str(error)) from None
    etag = source.etag()
    headers = {"ETag": etag, "Cache-Control": PINNED_CACHE if v else CURRENT_CACHE,
               "X-Layer-Version": str(source.version), "Vary": "Accept-Encoding"}
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    try:
        with timed(TILE_LATENCY, source="cache") as labels:
            tile = cached_tile(source, address)
            if tile is None:
                labels["source"] = "database"
                tile = await run_in_threadpool(layer_tile, source, address)
    except TileTimeoutError as error:
        raise ProblemError(503, "tile-timeout", "Tile took too long", str(error),
                           headers={"Retry-After": "5"}) from None
    if tile.empty:
        return Response(status_code=204, headers=headers)
    if "gzip" in (accept_encoding or "").lower():  # tiles are stored compressed: no work per request
        return Response(tile.gzipped, media_type=MVT_MEDIA_TYPE, headers={**headers, "Content-Encoding": "gzip"})
    return Response(tile.data, media_type=MVT_MEDIA_TYPE, headers=headers)
