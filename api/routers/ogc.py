"""OGC API – Features – Part 1: Core (OGC 17-069r4), so QGIS and other GIS clients add planning layers directly.

Conformance classes: Core and GeoJSON. Every stored planning layer is a collection (id: the layer id), its
items are the features of its current version in CRS84 (WGS84 lon/lat). Landing page, conformance and
collections are ``application/json``; items are ``application/geo+json``; errors are RFC 9457 problems.
``datetime`` is accepted but does not filter: planning features carry no time of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.boundary import BoundaryRoute
from api.problems import ProblemError
from layers.store import MAX_PAGE_SIZE, BBox, features_geojson, list_layers

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"], route_class=BoundaryRoute)

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.1"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT = 100
MAX_INTEGER = 2**62
"""Largest limit or offset taken (PostgreSQL bigints); a larger limit is then lowered to the page size."""
ITEMS_PARAMETERS = frozenset({"bbox", "limit", "offset", "datetime", "f"})


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, media_type=JSON)


def _bad(parameter: str, detail: str) -> ProblemError:
    return ProblemError(400, "invalid-parameter", f"Invalid parameter {parameter}", detail, parameter=parameter)


@router.get("", response_class=JSONResponse)
def landing_page(request: Request) -> JSONResponse:
    """The landing page: what this API is and where its definition, conformance and data are."""
    base = _base(request)
    return _json({
        "title": "One Blueprint (一张蓝图) planning layers",
        "description": "Xiamen's planning layers (land use, ecological red line, basic farmland, development "
                       "boundary, water protection, flood control, land acquisition) as OGC API – Features.",
        "links": [
            _link(f"{base}/ogc", "self", JSON, "this document"),
            _link(f"{base}/openapi.json", "service-desc", OPENAPI, "the API definition"),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", JSON, "conformance classes implemented"),
            _link(f"{base}/ogc/collections", "data", JSON, "the planning layers"),
        ],
    })


@router.get("/conformance", response_class=JSONResponse)
def conformance() -> JSONResponse:
    """The conformance classes this API implements."""
    return _json({"conformsTo": CONFORMANCE})


def _collection(layer: dict[str, Any], base: str) -> dict[str, Any]:
    href = f"{base}/ogc/collections/{layer['id']}"
    kind_name = layer["kind_name"] or {"zh": layer["kind"], "en": layer["kind"]}
    collection: dict[str, Any] = {
        "id": str(layer["id"]),
        "title": layer["name"],
        "description": f"{kind_name['zh']} {kind_name['en']}; version {layer['current_version']}, "
                       f"{layer['feature_count']} features, imported from {layer['source_crs']}",
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            _link(href, "self", JSON, layer["name"]),
            _link(f"{href}/items", "items", GEOJSON, f"features of {layer['name']}"),
        ],
    }
    if layer["extent"]:
        collection["extent"] = {"spatial": {"bbox": [layer["extent"]], "crs": CRS84}}
    return collection


@router.get("/collections", response_class=JSONResponse)
def collections(request: Request) -> JSONResponse:
    """Every stored planning layer as a collection."""
    base = _base(request)
    return _json({
        "links": [_link(f"{base}/ogc/collections", "self", JSON, "the planning layers")],
        "collections": [_collection(layer, base) for layer in list_layers()],
    })


def _layer(collection_id: str) -> dict[str, Any]:
    layer = next((layer for layer in list_layers() if str(layer["id"]) == collection_id), None)
    if layer is None:
        raise ProblemError(404, "not-found", "Collection not found", f"There is no collection {collection_id!r}.")
    return layer


@router.get("/collections/{collection_id}", response_class=JSONResponse)
def collection(collection_id: str, request: Request) -> JSONResponse:
    """One planning layer: its title, extent (CRS84) and links to its items."""
    return _json(_collection(_layer(collection_id), _base(request)))


def _parse_bbox(value: str) -> BBox:
    try:
        return BBox.parse(value)
    except ValueError as error:
        raise _bad("bbox", str(error)) from None


def _parse_int(name: str, value: str | None, default: int, minimum: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, f"{name} must be an integer, not {value!r}") from None
    if number < minimum:
        raise _bad(name, f"{name} must be at least {minimum}")
    if number > MAX_INTEGER:
        raise _bad(name, f"{name} must be at most {MAX_INTEGER}")
    return number


@router.get("/collections/{collection_id}/items", response_class=JSONResponse,
            responses={200: {"content": {GEOJSON: {}}}})
def items(collection_id: str, request: Request) -> JSONResponse:
    """Features of the collection: `bbox` (CRS84 west,south,east,north), `limit` (≤ 5000) and `offset`.

    A limit above the maximum is lowered to it, as the standard recommends; `next` links page on.
    """
    params = request.query_params
    unknown = sorted(set(params) - ITEMS_PARAMETERS)
    if unknown:
        raise _bad(unknown[0], f"unknown query parameter(s) {', '.join(unknown)}; "
                               f"known: {', '.join(sorted(ITEMS_PARAMETERS))}")
    limit = min(_parse_int("limit", params.get("limit"), DEFAULT_LIMIT, 1), MAX_PAGE_SIZE)
    offset = _parse_int("offset", params.get("offset"), 0, 0)
    bbox = _parse_bbox(params["bbox"]) if "bbox" in params else None
    layer = _layer(collection_id)
    page = features_geojson(layer["id"], bbox=bbox, limit=limit, offset=offset)
    base = _base(request)
    href = f"{base}/ogc/collections/{collection_id}/items"
    kept = {key: value for key, value in params.items() if key not in ("limit", "offset")}

    def page_href(page_offset: int) -> str:
        query = {**kept, "limit": limit, "offset": page_offset}
        return href + "?" + urlencode(query, safe=",")

    links = [_link(page_href(offset), "self", GEOJSON, "this page"),
             _link(f"{base}/ogc/collections/{collection_id}", "collection", JSON, layer["name"])]
    if offset + page["numberReturned"] < page["numberMatched"]:
        links.append(_link(page_href(offset + limit), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(_link(page_href(max(0, offset - limit)), "prev", GEOJSON, "previous page"))
    body = {**page, "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"), "links": links}
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", response_class=JSONResponse,
            responses={200: {"content": {GEOJSON: {}}}})
def item(collection_id: str, feature_id: str, request: Request) -> JSONResponse:
    """One feature of the collection's current version."""
    layer = _layer(collection_id)
    is_id = feature_id.isdigit() and int(feature_id) < 2**63  # feature ids are PostgreSQL bigints
    features = features_geojson(layer["id"], feature_id=int(feature_id), limit=1)["features"] if is_id else []
    if not features:
        raise ProblemError(404, "not-found", "Feature not found",
                           f"Collection {collection_id} has no feature {feature_id!r} in its current version.")
    base = _base(request)
    collection_href = f"{base}/ogc/collections/{collection_id}"
    feature = {**features[0], "links": [
        _link(f"{collection_href}/items/{feature_id}", "self", GEOJSON, "this feature"),
        _link(collection_href, "collection", JSON, layer["name"]),
    ]}
    return JSONResponse(feature, media_type=GEOJSON)
