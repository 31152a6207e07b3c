"""Parcels API (招商地块): public, no login — list, detail with constraints, exports, interest.

Everything an anonymous caller gets is built from the parcel field whitelist of :mod:`layers.parcels`
(served through :mod:`projects.parcels`); only the registrations of interest are private (admin and NDRC).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.problems import ProblemError, field_problem
from gis.db import get_engine
from gis.messages import Message, Text, message_of, phrases
from projects.parcels import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    SORT_FIELDS,
    ExportTooLargeError,
    InterestInput,
    InterestInputError,
    ParcelNotOpenError,
    ParcelQuery,
    ParcelQueryError,
    list_interests,
    page_of_parcels,
    parcel_detail,
    parcels_csv,
    parcels_feature_collection,
    register_interest,
)

router = APIRouter(prefix="/api/v1", tags=["parcels"], route_class=BoundaryRoute)
phrases("parcel_filters", unknown_parameter=Text("未知的参数：{unknown}；可用参数：{known}",
                                                 "unknown parameter {unknown}; known: {known}"))

_KNOWN_PARAMETERS = frozenset({
    "district", "land_use", "area_min", "area_max", "acquisition_status", "demolition_status", "availability",
    "bbox", "sort", "page", "page_size", "lang",
})
ParcelCode = Annotated[str, Path(max_length=60, description="parcel code (地块编号)")]


def parcel_query(
    request: Request,
    district: Annotated[str | None, Query(max_length=200, description="GB/T 2260 district codes, comma-separated, "
                                                                      "e.g. 350203,350205")] = None,
    land_use: Annotated[str | None, Query(max_length=200, description="land-use classes, first-level (09) or "
                                                                      "second-level (0901), matched by prefix")] = None,
    area_min: Annotated[float | None, Query(ge=0, le=1e9, description="minimum area in m²")] = None,
    area_max: Annotated[float | None, Query(ge=0, le=1e9, description="maximum area in m²")] = None,
    acquisition_status: Annotated[str | None, Query(max_length=100,
                                                    description="not_started, in_progress, done")] = None,
    demolition_status: Annotated[str | None, Query(max_length=100, description="not_needed, not_started, "
                                                                               "in_progress, done")] = None,
    availability: Annotated[str | None, Query(max_length=100, description="open, reserved, transferred")] = None,
    bbox: Annotated[str | None, Query(max_length=200, description="west,south,east,north (WGS84)")] = None,
    sort: Annotated[str | None, Query(max_length=200, description="up to 3 of " + ", ".join(SORT_FIELDS)
                                                                  + "; prefix - for descending")] = None,
) -> ParcelQuery:
    """The validated filters; an unknown parameter is refused too (a typo must not silently list everything)."""
    unknown = sorted(set(request.query_params) - _KNOWN_PARAMETERS)
    if unknown:
        raise ProblemError(422, "invalid-filter", Message("parcel_filters.unknown_parameter", unknown=unknown,
                                                          known=sorted(_KNOWN_PARAMETERS)), parameter=unknown[0])
    try:
        return ParcelQuery.parse(district=district, land_use=land_use, area_min=area_min, area_max=area_max,
                                 acquisition_status=acquisition_status, demolition_status=demolition_status,
                                 availability=availability, bbox=bbox, sort=sort)
    except ParcelQueryError as error:
        raise ProblemError(422, "invalid-filter", field_problem(error.parameter, error.message),
                           parameter=error.parameter) from None


Filters = Annotated[ParcelQuery, Depends(parcel_query)]


def _export_too_large(error: ExportTooLargeError) -> ProblemError:
    return ProblemError(422, "export-too-large", message_of(error), matched=error.matched)


@router.get("/parcels")
def get_parcels(
    query: Filters,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """Parcels open for investment, filtered, sorted and paginated (at most 200 a page)."""
    with get_engine().connect() as connection:
        return page_of_parcels(connection, query, page=page, page_size=page_size)


@router.get("/parcels.geojson", response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {}}}})
def get_parcels_geojson(query: Filters) -> JSONResponse:
    """Every matching parcel as an RFC 7946 FeatureCollection (WGS84 lon/lat), at most 5,000."""
    try:
        with get_engine().connect() as connection:
            collection = parcels_feature_collection(connection, query)
    except ExportTooLargeError as error:
        raise _export_too_large(error) from None
    return JSONResponse(collection, media_type="application/geo+json")


@router.get("/parcels.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def get_parcels_csv(
    query: Filters, lang: Annotated[Literal["zh", "en"], Query(description="headers and status words")] = "zh",
) -> Response:
    """Every matching parcel as CSV (UTF-8 with BOM, so that Excel shows Chinese), at most 5,000."""
    try:
        with get_engine().connect() as connection:
            content = parcels_csv(connection, query, lang)
    except ExportTooLargeError as error:
        raise _export_too_large(error) from None
    filename = "招商地块.csv" if lang == "zh" else "parcels.csv"
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=\"parcels.csv\"; filename*=UTF-8''{quote(filename)}",
    })


@router.get("/parcels/{code}")
def get_parcel(code: ParcelCode) -> dict[str, Any]:
    """One parcel as a GeoJSON Feature: area in m², 亩 and ha, and its planning constraints in plain words."""
    with get_engine().connect() as connection:
        return parcel_detail(connection, code)


class InterestIn(BaseModel):
    """A registration of interest in a parcel (意向登记); give a phone number, an email, or both."""

    organisation: str = Field(max_length=200, description="企业或机构名称")
    contact_name: str = Field(max_length=100, description="联系人")
    phone: str | None = Field(default=None, max_length=30, description="mobile 13800000000 or 0592-1234567")
    email: str | None = Field(default=None, max_length=200)
    intended_use: str = Field(max_length=2000, description="拟投资项目及用途")


@router.post("/parcels/{code}/interest", status_code=201)
def post_interest(code: ParcelCode, body: InterestIn) -> dict[str, Any]:
    """Register interest in a parcel (public); the contact department gets in touch."""
    try:
        data = InterestInput(**body.model_dump())
    except InterestInputError as error:
        raise ProblemError(422, "invalid-field", field_problem(error.field, error.message), field=error.field) from None
    try:
        with get_engine().begin() as connection:
            return register_interest(connection, code, data)
    except ParcelNotOpenError as error:
        raise ProblemError(409, "parcel-not-open", message_of(error)) from None


@router.get("/parcel-interests")
def get_interests(
    caller: Caller,
    parcel_code: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Investors' registrations of interest, newest first (admin and NDRC only)."""
    if caller is None:
        raise ProblemError(401, "unauthorised", Message("auth.admin_or_ndrc"), headers={"WWW-Authenticate": "Bearer"})
    with get_engine().connect() as connection:
        return list_interests(connection, caller, parcel_code=parcel_code, limit=limit, offset=offset)
