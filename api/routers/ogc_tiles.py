"""OGC API – Tiles – Part 1 (OGC 20-057) under ``/ogc``: every collection's vector tiles on WebMercatorQuad.

``/ogc/tileMatrixSets`` and ``/ogc/tileMatrixSets/WebMercatorQuad`` (the grid), ``/ogc/collections/{id}/tiles``
(tilesets list), ``…/tiles/WebMercatorQuad`` (tileset metadata) and ``…/tiles/WebMercatorQuad/{tileMatrix}/
{tileRow}/{tileCol}`` (a tile: zoom, row from the north, column — the XYZ ``z/y/x``), answered as
``/tiles/{layer}/{z}/{x}/{y}.pbf`` is (ETag, gzip, 204 when empty, 304). A collection id is the collection's
name in ``/ogc/collections`` (its slug) or its layer id. Collections and the landing page link here through
:func:`layers.tilesets.collection_tile_links` and :func:`layers.tilesets.landing_tile_links`; the conformance
classes are :data:`layers.tilesets.CONFORMANCE`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.boundary import BoundaryRoute
from api.problems import ProblemError
from api.routers.tiles import TILE_RESPONSES, resolved_source, tile_response
from gis.messages import Message, Text, message_of, phrases
from gis.tiles import WEB_MERCATOR_QUAD, InvalidTileError, TileAddress, web_mercator_quad
from layers.tilesets import JSON, collection_source, tileset, tilesets

router = APIRouter(prefix="/ogc", tags=["OGC API - Tiles"], route_class=BoundaryRoute)


phrases("ogc_tiles", no_matrix_set=Text("没有瓦片矩阵集“{id}”；瓦片采用{served}。",
                                       "There is no tile matrix set {id!r}; the tiles are on {served}."))


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _matrix_set(tile_matrix_set_id: str) -> None:
    if tile_matrix_set_id != WEB_MERCATOR_QUAD:
        raise ProblemError(404, "not-found", Message("ogc_tiles.no_matrix_set", id=tile_matrix_set_id,
                                                     served=WEB_MERCATOR_QUAD))


@router.get("/tileMatrixSets", response_class=JSONResponse)
def tile_matrix_sets(request: Request) -> JSONResponse:
    """The tile matrix sets the tiles are offered on: WebMercatorQuad."""
    href = f"{_base(request)}/ogc/tileMatrixSets/{WEB_MERCATOR_QUAD}"
    definition = web_mercator_quad()
    return JSONResponse({"tileMatrixSets": [{
        "id": WEB_MERCATOR_QUAD, "title": definition["title"], "uri": definition["uri"], "crs": definition["crs"],
        "links": [{"href": href, "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": JSON,
                   "title": WEB_MERCATOR_QUAD}]}]}, media_type=JSON)


@router.get("/tileMatrixSets/{tile_matrix_set_id}", response_class=JSONResponse)
def tile_matrix_set(tile_matrix_set_id: str) -> JSONResponse:
    """The definition of a tile matrix set (OGC 17-083r4 JSON)."""
    _matrix_set(tile_matrix_set_id)
    return JSONResponse(web_mercator_quad(), media_type=JSON)


@router.get("/collections/{collection_id}/tiles", response_class=JSONResponse)
async def collection_tilesets(collection_id: str, request: Request) -> JSONResponse:
    """The vector tilesets of a collection (one, on WebMercatorQuad)."""
    source = await resolved_source(lambda: collection_source(collection_id))
    return JSONResponse(await run_in_threadpool(tilesets, source, _base(request), collection_id), media_type=JSON)


@router.get("/collections/{collection_id}/tiles/{tile_matrix_set_id}", response_class=JSONResponse)
async def collection_tileset(collection_id: str, tile_matrix_set_id: str, request: Request) -> JSONResponse:
    """A collection's tileset metadata: the tile URL template, bounds, zooms and its MVT layer's properties."""
    _matrix_set(tile_matrix_set_id)
    source = await resolved_source(lambda: collection_source(collection_id))
    return JSONResponse(await run_in_threadpool(tileset, source, _base(request), collection_id), media_type=JSON)


@router.get("/collections/{collection_id}/tiles/{tile_matrix_set_id}/{tile_matrix}/{tile_row}/{tile_col}",
            response_class=Response, responses=TILE_RESPONSES)
async def collection_tile(
    collection_id: str,
    tile_matrix_set_id: str,
    tile_matrix: int,
    tile_row: int,
    tile_col: int,
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """A vector tile of the collection's current version: tile matrix (zoom), row (from the north), column."""
    _matrix_set(tile_matrix_set_id)
    try:
        address = TileAddress(tile_matrix, tile_col, tile_row)
    except InvalidTileError as error:  # OGC API – Tiles: a tile outside the matrix set is not found
        raise ProblemError(404, "not-found", message_of(error)) from None
    source = await resolved_source(lambda: collection_source(collection_id))
    return await tile_response(source, address, pinned=False, headers={"X-Layer-Version": str(source.version)},
                               if_none_match=if_none_match, accept_encoding=accept_encoding)
