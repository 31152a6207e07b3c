"""OGC API – Features: Part 1 Core (OGC 17-069r4) and Part 2 CRS by reference (OGC 18-058r1), so that QGIS,
GDAL/OGR (OAPIF driver) and OWSLib add the planning layers directly.

Collections are the stored planning layers by stable name: the layer kind's slug (``land_use``,
``ecological_red_line``; see :func:`layers.store.list_layers`). Items are the features of the layer's
current version, or of ``?version=N``. An old numeric collection id (``/ogc/collections/2/items``) answers
308 Permanent Redirect to the same URL by name. Encodings: JSON and GeoJSON, and HTML with ``f=html`` (or
a browser's ``Accept: text/html``). Coordinates are CRS84 (WGS84 lon/lat) unless ``crs`` asks for another
of :data:`gis.crs.SERVED_CRS` (EPSG:4326, EPSG:4490 CGCS2000, EPSG:4548/4527 CGCS2000 Gauss-Krüger
117°E, EPSG:3857), in that CRS's own axis order and transformed in PostGIS; ``bbox-crs`` says the CRS of
``bbox``. ``datetime`` must be a valid RFC 3339 instant or interval but does not filter: planning
features carry no time of their own. Unknown query parameters are refused; every error is an RFC 9457
problem. The API definition for OGC clients is ``/ogc/api`` (OpenAPI 3.0); the app's own is
``/openapi.json`` (3.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api import ogc_filters
from api.boundary import BoundaryRoute
from api.language import request_language
from api.openapi30 import openapi_30
from api.problems import ProblemError
from gis.crs import CRS84_SERVED, SERVED_CRS, ServedCrs, UnservedCrsError, served_crs
from gis.messages import Message, Text, english_only, message_of, phrases
from layers import tilesets
from layers.queryables import json_schema
from layers.store import MAX_PAGE_SIZE, BBox, BBoxError, features_geojson, list_layers
from web import ogc_pages

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"], route_class=BoundaryRoute)

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
OPENAPI_31 = "application/vnd.oai.openapi+json;version=3.1"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *ogc_filters.CONFORMANCE,
    *tilesets.CONFORMANCE,
]
DEFAULT_LIMIT = 1000
"""Features per page when no ``limit`` is given: two pages for a 2,000-feature layer."""
MAX_INTEGER = 2**62
"""Largest limit or offset taken (PostgreSQL bigints); a larger limit is then lowered to the page size."""

COMMON_PARAMETERS = frozenset({"f", "lang"})
COLLECTION_PARAMETERS = COMMON_PARAMETERS | {"version"}
ITEM_PARAMETERS = COLLECTION_PARAMETERS | {"crs"}
ITEMS_PARAMETERS = ITEM_PARAMETERS | {"bbox", "bbox-crs", "limit", "offset", "datetime"} | ogc_filters.FILTER_PARAMETERS
"""Every query parameter the items take besides the simple property filters of the collection's queryables
(:func:`api.ogc_filters.property_parameters`); any other is refused with a 400."""

_CRS_URIS = [crs.uri for crs in SERVED_CRS]
_PARAMETER_DOCS: dict[str, dict[str, Any]] = {
    "f": {"description": "encoding of the response: json (GeoJSON for features) or html",
          "schema": {"type": "string", "enum": ["json", "html"]}},
    "lang": {"description": "language of the HTML pages: zh (default) or en",
             "schema": {"type": "string", "enum": ["zh", "en"]}},
    "version": {"description": "a layer version (default: the current, highest one)",
                "schema": {"type": "integer", "minimum": 1}},
    "limit": {"description": f"features per page; a larger limit is lowered to {MAX_PAGE_SIZE}",
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_LIMIT}},
    "offset": {"description": "features to skip (the next links page on with it)",
               "schema": {"type": "integer", "minimum": 0, "default": 0}},
    "bbox": {"description": "features that intersect this box: lower corner, upper corner, in the axis order "
                            "of bbox-crs (CRS84: west,south,east,north; west > east crosses the antimeridian)",
             "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
             "style": "form", "explode": False},
    "bbox-crs": {"description": "the CRS of bbox",
                 "schema": {"type": "string", "format": "uri", "enum": _CRS_URIS, "default": CRS84_SERVED.uri}},
    "crs": {"description": "the CRS of the geometries in the response (axis order as the CRS defines)",
            "schema": {"type": "string", "format": "uri", "enum": _CRS_URIS, "default": CRS84_SERVED.uri}},
    "datetime": {"description": "an RFC 3339 instant or interval (../end, start/..); planning features carry "
                                "no time, so it does not filter",
                 "schema": {"type": "string"}},
    **ogc_filters.FILTER_PARAMETER_DOCS,
}


def _declared(names: Iterable[str]) -> dict[str, Any]:
    """``openapi_extra`` declaring the query parameters ``names`` (parsed by the route itself, which
    answers a 400 problem where FastAPI would answer 422)."""
    return {"parameters": [{"name": name, "in": "query", "required": False, **_PARAMETER_DOCS[name]}
                           for name in sorted(names)]}


def _responses(*media_types: str, moved: bool = False) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": "OK", "content": {media_type: {"schema": {}} for media_type in media_types}}}
    if moved:
        responses[308] = {"description": "an old numeric collection id: the same URL by the collection's name"}
    return responses


def _get(path: str, parameters: Iterable[str], *media_types: str, moved: bool = False) -> Callable[..., Any]:
    """Register a GET route (declared in the API definition) and the same route for HEAD."""

    def register(endpoint: Callable[..., Response]) -> Callable[..., Response]:
        router.add_api_route(path, endpoint, methods=["GET"], response_class=JSONResponse,
                             responses=_responses(*media_types, moved=moved),
                             openapi_extra=_declared(parameters))
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)
        return endpoint

    return register


# --- request parsing ----------------------------------------------------------------------------------


phrases(
    "ogc",
    integer=Text("{name}须为整数，而不是“{value}”", "{name} must be an integer, not {value!r}"),
    at_least=Text("{name}须不小于{minimum}", "{name} must be at least {minimum}"),
    at_most=Text("{name}须不大于{maximum}", "{name} must be at most {maximum}"),
    unknown=Text("未知的查询参数：{unknown}；此资源接受：{known}",
                 "unknown query parameter(s) {unknown}; this resource takes {known}"),
    encoding=Text("f须为json或html，而不是“{value}”", "f must be json or html, not {value!r}"),
    not_rfc3339=Text("“{value}”不是RFC 3339日期（2025-06-30）或日期时间（2025-06-30T08:00:00Z）",
                     "{value!r} is not an RFC 3339 date (2025-06-30) or date-time (2025-06-30T08:00:00Z)"),
    not_a_date=Text("“{value}”不是有效的日期或时间{reason}", "{value!r} is not a valid date or time: {reason}"),
    open_instant=Text("时刻不能是开放的（'..'）；请给出日期或日期时间",
                      "an instant cannot be open ('..'); give a date or date-time"),
    not_interval=Text("“{value}”既不是时刻也不是“起/止”区间",
                      "{value!r} is neither an instant nor an interval start/end"),
    unbounded=Text("区间至少须有一端（'../..'不行）", "an interval needs at least one bound ('../..' is not one)"),
    ends_before=Text("区间“{value}”的结束早于开始", "the interval {value!r} ends before it starts"),
    renamed=Text("数据集现以名称标识：{id}即“{slug}”（{location}）。",
                 "Collections are named now: {id} is {slug!r} ({location})."),
    no_collection=Text("没有数据集“{id}”；现有数据集：{collections}。",
                       "There is no collection {id!r}; the collections are {collections}."),
    no_collection_yet=Text("没有数据集“{id}”；尚无任何数据集。", "There is no collection {id!r}; there are none yet."),
    no_version=Text("数据集{collection}的版本为{versions}，没有第{number}版。",
                    "Collection {collection} has versions {versions}, not {number}."),
    no_feature=Text("数据集{collection}的第{version}版中没有要素“{feature}”。",
                    "Collection {collection} has no feature {feature!r} in version {version}."),
)


def _bad(parameter: str, detail: Message) -> ProblemError:
    return ProblemError(400, "invalid-parameter", detail, parameter=parameter)


def _check_parameters(request: Request, known: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise _bad(unknown[0], Message("ogc.unknown", unknown=unknown, known=sorted(known)))


def _wants_html(request: Request) -> bool:
    """HTML for ``f=html``, JSON for ``f=json``; without ``f``, HTML for a browser (Accept: text/html and no
    JSON type), JSON for every GIS client."""
    encoding = request.query_params.get("f")
    if encoding is not None:
        if encoding not in ("json", "html"):
            raise _bad("f", Message("ogc.encoding", value=encoding))
        return encoding == "html"
    accept = request.headers.get("accept", "")
    return HTML in accept and "json" not in accept


def _parse_int(name: str, value: str | None, default: int, minimum: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, Message("ogc.integer", name=name, value=value)) from None
    if number < minimum:
        raise _bad(name, Message("ogc.at_least", name=name, minimum=minimum))
    if number > MAX_INTEGER:
        raise _bad(name, Message("ogc.at_most", name=name, maximum=MAX_INTEGER))
    return number


def _crs(request: Request, name: str) -> ServedCrs:
    value = request.query_params.get(name)
    if value is None:
        return CRS84_SERVED
    try:
        return served_crs(value)
    except UnservedCrsError as error:
        raise _bad(name, message_of(error)) from None


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}([Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?")


def _instant(text: str) -> datetime | None:
    """A bound of a ``datetime`` value: None for an open end (``..`` or empty)."""
    if text in ("", ".."):
        return None
    if not _RFC3339.fullmatch(text):
        raise _bad("datetime", Message("ogc.not_rfc3339", value=text))
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError as error:
        raise _bad("datetime", Message("ogc.not_a_date", value=text, reason=english_only(str(error)))) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_datetime(value: str | None) -> None:
    """Check ``datetime``: an instant, or an interval ``start/end`` with at most one open end."""
    if value is None:
        return
    parts = value.split("/")
    if len(parts) == 1:
        if _instant(parts[0]) is None:
            raise _bad("datetime", Message("ogc.open_instant"))
        return
    if len(parts) != 2:
        raise _bad("datetime", Message("ogc.not_interval", value=value))
    start, end = _instant(parts[0]), _instant(parts[1])
    if start is None and end is None:
        raise _bad("datetime", Message("ogc.unbounded"))
    if start is not None and end is not None and start > end:
        raise _bad("datetime", Message("ogc.ends_before", value=value))


def _layer(collection_id: str, request: Request) -> dict[str, Any]:
    """The stored layer named ``collection_id``; a 308 to the name for an old numeric id, else a 404."""
    layers = list_layers()
    for layer in layers:
        if layer["slug"] == collection_id:
            return layer
    by_number = next((layer for layer in layers if collection_id.isdigit() and str(layer["id"]) == collection_id),
                     None)
    if by_number is not None:
        path = request.url.path.replace(f"/collections/{collection_id}", f"/collections/{by_number['slug']}", 1)
        location = str(request.url.replace(path=path))
        raise ProblemError(308, "collection-renamed",
                           Message("ogc.renamed", id=collection_id, slug=by_number["slug"], location=location),
                           headers={"Location": location}, collection=by_number["slug"])
    raise ProblemError(404, "not-found",
                       Message("ogc.no_collection", id=collection_id, collections=[layer["slug"] for layer in layers])
                       if layers else Message("ogc.no_collection_yet", id=collection_id))


def _version(layer: dict[str, Any], request: Request) -> dict[str, Any]:
    """The layer version asked for with ``version`` (default: the current one)."""
    current = layer["versions"][-1]
    number = _parse_int("version", request.query_params.get("version"), current["version"], 1)
    version = next((entry for entry in layer["versions"] if entry["version"] == number), None)
    if version is None:
        raise ProblemError(404, "not-found",
                           Message("ogc.no_version", collection=layer["slug"], number=number,
                                   versions=[entry["version"] for entry in layer["versions"]]),
                           parameter="version")
    return version


# --- documents ----------------------------------------------------------------------------------------


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _self_links(request: Request, html: bool, data_type: str, title: str) -> list[dict[str, str]]:
    """``self`` in the encoding answered and ``alternate`` in the other one."""
    as_json = _link(str(request.url.include_query_params(f="json")), "self", data_type, title)
    as_html = _link(str(request.url.include_query_params(f="html")), "self", HTML, title)
    (as_json if html else as_html)["rel"] = "alternate"
    return [as_html, as_json] if html else [as_json, as_html]


def _answer(request: Request, html: bool, page: str, body: dict[str, Any], media_type: str = JSON,
            headers: dict[str, str] | None = None) -> Response:
    if html:
        response: Response = ogc_pages.render(request, page, body, request_language(request))
        response.headers.update(headers or {})
        return response
    return JSONResponse(body, media_type=media_type, headers=headers)


@_get("", COMMON_PARAMETERS, JSON, HTML)
def landing_page(request: Request) -> Response:
    """The landing page: what this API is and where its definition, conformance and data are."""
    _check_parameters(request, COMMON_PARAMETERS)
    html = _wants_html(request)
    base = _base(request)
    title = "One Blueprint (一张蓝图) planning layers"
    return _answer(request, html, "landing", {
        "title": title,
        "description": "Xiamen's planning layers (land use, ecological red line, basic farmland, development "
                       "boundary, water protection, flood control, land acquisition) as OGC API – Features.",
        "links": [
            *_self_links(request, html, JSON, "this document"),
            _link(f"{base}/ogc/api", "service-desc", OPENAPI_30, "the API definition (OpenAPI 3.0)"),
            _link(f"{base}/openapi.json", "service-desc", OPENAPI_31, "the whole platform's API (OpenAPI 3.1)"),
            _link(f"{base}/docs", "service-doc", HTML, "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", JSON, "conformance classes implemented"),
            _link(f"{base}/ogc/collections", "data", JSON, "the planning layers"),
            *tilesets.landing_tile_links(base),
        ],
    })


@_get("/api", (), OPENAPI_30)
def api_definition(request: Request) -> Response:
    """The OGC API's definition as OpenAPI 3.0 (the clients of OGC API – Features read 3.0)."""
    _check_parameters(request, frozenset())
    document = openapi_30(request.app.openapi(), "/ogc", "One Blueprint (一张蓝图) OGC API – Features")
    # Paths relative to the API's root (/ogc, the server URL), where OGC clients look them up: GDAL reads the
    # parameters of /collections/<name>/items to learn which filters it may send to the server.
    document["servers"] = [{"url": f"{_base(request)}/ogc"}]
    document["paths"] = {path.removeprefix("/ogc") or "/": item for path, item in document["paths"].items()}
    document["paths"].update(ogc_filters.collection_items_paths(document["paths"]["/collections/{collection_id}/items"],
                                                                list_layers()))
    return JSONResponse(document, media_type=OPENAPI_30)


@_get("/conformance", COMMON_PARAMETERS, JSON, HTML)
def conformance(request: Request) -> Response:
    """The conformance classes this API implements."""
    _check_parameters(request, COMMON_PARAMETERS)
    html = _wants_html(request)
    return _answer(request, html, "conformance", {
        "conformsTo": CONFORMANCE, "links": _self_links(request, html, JSON, "conformance classes")})


def _collection(layer: dict[str, Any], version: dict[str, Any], base: str,
                self_links: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A collection document (``self_links``: those of the request answered, default a plain ``self``)."""
    href = f"{base}/ogc/collections/{layer['slug']}"
    query = "" if version["version"] == layer["current_version"] else f"?version={version['version']}"
    kind_name = layer["kind_name"] or {"zh": layer["kind"], "en": layer["kind"]}
    links = self_links or [_link(href + query, "self", JSON, layer["name"])]
    separator = "&" if query else "?"
    collection: dict[str, Any] = {
        "id": layer["slug"],
        "title": layer["name"],
        "description": f"{kind_name['zh']} {kind_name['en']}; version {version['version']} of "
                       f"{layer['current_version']}, {version['feature_count']} features, imported from "
                       f"{version['source_crs']}",
        "itemType": "feature",
        "crs": _CRS_URIS,
        "storageCrs": CRS84_SERVED.uri,
        "layerKind": layer["kind"],
        "version": version["version"],
        "featureCount": version["feature_count"],
        "links": [
            *links,
            _link(f"{href}/items{query}", "items", GEOJSON, f"features of {layer['name']}"),
            _link(f"{href}/items{query}{separator}f=html", "items", HTML, f"features of {layer['name']}"),
            _link(f"{href}/queryables", ogc_filters.QUERYABLES_REL, ogc_filters.JSON_SCHEMA, "what filters may name"),
            _link(f"{href}/schema", ogc_filters.SCHEMA_REL, ogc_filters.JSON_SCHEMA, "the features' properties"),
            *tilesets.collection_tile_links(base, layer["slug"]),
        ],
    }
    if version["extent"]:
        collection["extent"] = {"spatial": {"bbox": [version["extent"]], "crs": CRS84_SERVED.uri}}
    return collection


@_get("/collections", COMMON_PARAMETERS, JSON, HTML)
def collections(request: Request) -> Response:
    """Every stored planning layer as a collection (its current version)."""
    _check_parameters(request, COMMON_PARAMETERS)
    html = _wants_html(request)
    base = _base(request)
    return _answer(request, html, "collections", {
        "links": _self_links(request, html, JSON, "the planning layers"),
        "collections": [_collection(layer, layer["versions"][-1], base) for layer in list_layers()],
    })


@_get("/collections/{collection_id}", COLLECTION_PARAMETERS, JSON, HTML, moved=True)
def collection(collection_id: str, request: Request) -> Response:
    """One planning layer: its title, CRSs, extent (CRS84) and links to its items."""
    _check_parameters(request, COLLECTION_PARAMETERS)
    html = _wants_html(request)
    layer = _layer(collection_id, request)
    return _answer(request, html, "collection",
                   _collection(layer, _version(layer, request), _base(request),
                               _self_links(request, html, JSON, layer["name"])))


def _features_answer(request: Request, html: bool, page: str, body: dict[str, Any], layer: dict[str, Any],
                     version: dict[str, Any], crs: ServedCrs) -> Response:
    """Items or one item: GeoJSON, or the HTML page (which also shows the collection), with ``Content-Crs``."""
    if html:
        body = {**body, "collection": _collection(layer, version, _base(request)), "contentCrs": crs.uri}
    return _answer(request, html, page, body, GEOJSON, {"Content-Crs": f"<{crs.uri}>"})


@_get("/collections/{collection_id}/items", ITEMS_PARAMETERS, GEOJSON, HTML, moved=True)
def items(collection_id: str, request: Request) -> Response:
    """Features of the collection: ``bbox`` (in ``bbox-crs``, default CRS84), ``limit`` and ``offset``,
    geometries in ``crs``; ``next`` and ``prev`` links page on.

    A limit above the maximum is lowered to it, as the standard recommends.
    """
    params = request.query_params
    layer = _layer(collection_id, request)
    _check_parameters(request, ITEMS_PARAMETERS | ogc_filters.property_parameters(layer["kind"]))
    html = _wants_html(request)
    crs = _crs(request, "crs")
    limit = min(_parse_int("limit", params.get("limit"), DEFAULT_LIMIT, 1), MAX_PAGE_SIZE)
    offset = _parse_int("offset", params.get("offset"), 0, 0)
    try:
        bbox = BBox.parse(params["bbox"], _crs(request, "bbox-crs"), antimeridian=True) if "bbox" in params else None
    except BBoxError as error:
        raise _bad("bbox", message_of(error)) from None
    _check_datetime(params.get("datetime"))
    version = _version(layer, request)
    page = features_geojson(layer["id"], bbox=bbox, crs=crs, limit=limit, offset=offset, version=version["version"],
                            extra_where=ogc_filters.items_filter(layer["kind"], params))
    kept = {key: value for key, value in params.items() if key not in ("limit", "offset")}

    def page_href(page_offset: int) -> str:
        return str(request.url.replace(query=urlencode({**kept, "limit": limit, "offset": page_offset}, safe=",:/")))

    links = [*_self_links(request, html, GEOJSON, "this page"),
             _link(f"{_base(request)}/ogc/collections/{layer['slug']}", "collection", JSON, layer["name"])]
    data_type = HTML if html else GEOJSON
    if offset + page["numberReturned"] < page["numberMatched"]:
        links.append(_link(page_href(offset + limit), "next", data_type, "next page"))
    if offset > 0:
        links.append(_link(page_href(max(0, offset - limit)), "prev", data_type, "previous page"))
    body = {**page, "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"), "links": links}
    return _features_answer(request, html, "items", body, layer, version, crs)


@_get("/collections/{collection_id}/items/{feature_id}", ITEM_PARAMETERS, GEOJSON, HTML, moved=True)
def item(collection_id: str, feature_id: str, request: Request) -> Response:
    """One feature of the collection's current version (or of ``version``), its geometry in ``crs``."""
    _check_parameters(request, ITEM_PARAMETERS)
    html = _wants_html(request)
    crs = _crs(request, "crs")
    layer = _layer(collection_id, request)
    version = _version(layer, request)
    is_id = feature_id.isdigit() and int(feature_id) < 2**63  # feature ids are PostgreSQL bigints
    features = features_geojson(layer["id"], feature_id=int(feature_id), crs=crs, limit=1,
                                version=version["version"])["features"] if is_id else []
    if not features:
        raise ProblemError(404, "not-found", Message("ogc.no_feature", collection=layer["slug"], feature=feature_id,
                                                     version=version["version"]))
    collection_href = f"{_base(request)}/ogc/collections/{layer['slug']}"
    feature = {**features[0], "links": [
        *_self_links(request, html, GEOJSON, "this feature"),
        _link(collection_href, "collection", JSON, layer["name"]),
    ]}
    return _features_answer(request, html, "item", feature, layer, version, crs)


def _schema(collection_id: str, request: Request, features: bool) -> Response:
    _check_parameters(request, COMMON_PARAMETERS)
    layer = _layer(collection_id, request)
    href = f"{_base(request)}/ogc/collections/{layer['slug']}/{'schema' if features else 'queryables'}"
    body = json_schema(layer["kind"], schema_id=href, title=layer["name"], language=request_language(request),
                       features=features)
    return JSONResponse(body, media_type=ogc_filters.JSON_SCHEMA)


@_get("/collections/{collection_id}/queryables", COMMON_PARAMETERS, ogc_filters.JSON_SCHEMA, moved=True)
def queryables(collection_id: str, request: Request) -> Response:
    """The properties a filter may name (Part 3), as JSON Schema, from the layer kind's attribute schema."""
    return _schema(collection_id, request, features=False)


@_get("/collections/{collection_id}/schema", COMMON_PARAMETERS, ogc_filters.JSON_SCHEMA, moved=True)
def schema(collection_id: str, request: Request) -> Response:
    """The properties of the collection's features, as JSON Schema."""
    return _schema(collection_id, request, features=True)
