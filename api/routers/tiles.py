"""Vector tiles API (Mapbox Vector Tile, Web Mercator XYZ grid): one layer, ``GET /tiles/{layer}/{z}/{x}/{y}.pbf``,
or several in one tile, ``GET /tiles/composite/{z}/{x}/{y}.pbf``; and their TileJSON documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.boundary import BoundaryRoute
from api.problems import ProblemError
from gis.messages import message_of
from gis.metrics import TILE_LATENCY, timed
from gis.tiles import InvalidTileError, TileAddress, TileTimeoutError
from layers.tilejson import composite_tilejson, layer_tilejson
from layers.tiles import (
    MAX_ID,
    CompositeRequestError,
    CompositeSource,
    TileLayerNotFoundError,
    TileSource,
    cached_tile,
    known_composite,
    known_source,
    layer_tile,
    resolve_composite,
    resolve_tile_source,
)

router = APIRouter(tags=["tiles"], route_class=BoundaryRoute)
T = TypeVar("T")

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
PINNED_CACHE = "public, max-age=31536000, immutable"
"""A tile of a named version never changes."""
CURRENT_CACHE = "public, no-cache"
"""The current version may change at any import: keep the tile, but revalidate it (ETag) every time."""
TILE_RESPONSES: dict[int | str, dict] = {
    200: {"content": {MVT_MEDIA_TYPE: {}}, "description": "the tile"},
    204: {"description": "no feature in this tile"},
    304: {"description": "the client's copy (If-None-Match) is current"},
}
LAYERS_DESCRIPTION = (
    "layer ids or kind slugs, comma-separated, drawn in this order (bottom first), each optionally pinned to a "
    "version as `id:version` (a list of pinned versions is cached for good); one layer per kind. Default: "
    "every kind's current layer, in the platform's draw order")


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _address(z: int, x: int, y: int) -> TileAddress:
    try:
        return TileAddress(z, x, y)
    except InvalidTileError as error:
        raise ProblemError(400, "invalid-tile", message_of(error), z=z, x=x, y=y) from None


async def resolved_source(resolve: Callable[[], T]) -> T:
    """A tile source looked up in the thread pool, its failures as problems."""
    try:
        return await run_in_threadpool(resolve)
    except TileLayerNotFoundError as error:
        raise ProblemError(404, "not-found", message_of(error)) from None
    except CompositeRequestError as error:
        raise ProblemError(400, "invalid-parameter", message_of(error),
                           parameter="layers") from None


async def tile_response(source: TileSource | CompositeSource, address: TileAddress, *, pinned: bool,
                         headers: dict[str, str], if_none_match: str | None, accept_encoding: str | None) -> Response:
    """The tile of ``source`` (200, gzip when accepted), 204 when empty, 304 when the client's copy is current.

    A cached tile is answered in the event loop; anything that needs the database runs in the thread pool.
    """
    etag = source.etag()
    headers = {"ETag": etag, "Cache-Control": PINNED_CACHE if pinned else CURRENT_CACHE, "Vary": "Accept-Encoding",
               **headers}
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    try:
        with timed(TILE_LATENCY, source="cache") as labels:
            tile = cached_tile(source, address)
            if tile is None:
                labels["source"] = "database"
                tile = await run_in_threadpool(layer_tile, source, address)
    except TileTimeoutError as error:
        raise ProblemError(503, "tile-timeout", message_of(error),
                           headers={"Retry-After": "5"}) from None
    if tile.empty:
        return Response(status_code=204, headers=headers)
    if "gzip" in (accept_encoding or "").lower():  # tiles are stored compressed: no work per request
        return Response(tile.gzipped, media_type=MVT_MEDIA_TYPE, headers={**headers, "Content-Encoding": "gzip"})
    return Response(tile.data, media_type=MVT_MEDIA_TYPE, headers=headers)


@router.get("/tiles/composite/{z}/{x}/{y}.pbf", response_class=Response, responses=TILE_RESPONSES)
async def get_composite_tile(
    z: int,
    x: int,
    y: int,
    layers: Annotated[str | None, Query(max_length=4000, description=LAYERS_DESCRIPTION)] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """Several planning layers in one Mapbox vector tile: one MVT layer per layer, named after its kind, so a
    map asks one tile per view tile for all its layers.

    Attributes as in a layer's own tile. The ETag is made from the versions of the layers in it, so a new
    version of any of them changes it; `X-Layer-Versions` names them.
    """
    address = _address(z, x, y)
    source = known_composite(layers) or await resolved_source(lambda: resolve_composite(layers))
    return await tile_response(source, address, pinned=source.pinned,
                                headers={"X-Layer-Versions": source.versions_header()},
                                if_none_match=if_none_match, accept_encoding=accept_encoding)


@router.get("/tiles/{layer}/{z}/{x}/{y}.pbf", response_class=Response, responses=TILE_RESPONSES)
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
    (from zoom 15; below, its name and the planning attributes of its kind).
    """
    address = _address(z, x, y)
    source = known_source(layer, v) or await resolved_source(lambda: resolve_tile_source(layer, v))
    return await tile_response(source, address, pinned=v is not None,
                                headers={"X-Layer-Version": str(source.version)},
                                if_none_match=if_none_match, accept_encoding=accept_encoding)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/tiles/composite.json", response_class=JSONResponse)
async def get_composite_tilejson(
    request: Request,
    layers: Annotated[str | None, Query(max_length=4000, description=LAYERS_DESCRIPTION)] = None,
) -> JSONResponse:
    """TileJSON 3.0.0 of the composite tile: its URL template, bounds, zooms and each MVT layer's fields."""
    source = await resolved_source(lambda: resolve_composite(layers))
    return JSONResponse(await run_in_threadpool(composite_tilejson, source, _base(request), layers))


@router.get("/tiles/{layer}.json", response_class=JSONResponse)
async def get_layer_tilejson(
    layer: str,
    request: Request,
    v: Annotated[int | None, Query(ge=1, le=MAX_ID, description="a layer version (default: current)")] = None,
) -> JSONResponse:
    """TileJSON 3.0.0 of a planning layer's tiles (id or kind slug): URL template, bounds from the layer's
    extent, zooms, and its MVT layer with its fields and their types."""
    source = await resolved_source(lambda: resolve_tile_source(layer, v))
    return JSONResponse(await run_in_threadpool(layer_tilejson, source, _base(request), layer, v))
