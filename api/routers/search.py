"""Search API (查询定位): ``GET /api/v1/search?q=`` finds districts, towns and streets, parcel codes, proposals
the caller may see, project codes and coordinates, with where the map should go (see :mod:`projects.search`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.problems import ProblemError, problem_responses
from gis.db import get_engine
from gis.messages import message_of
from projects.search import MAX_QUERY_LENGTH, MAX_RESULTS, SearchQueryError, search

router = APIRouter(prefix="/api/v1", tags=["search"], route_class=BoundaryRoute)


@router.get("/search", responses=problem_responses(422))
def get_search(
    caller: Caller,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH,
                            description="a district, town or street (name or code), a parcel code, a proposal "
                                        "name, a project code, or coordinates: WGS84 lon,lat (either order), "
                                        "CGCS2000 Gauss-Krüger x,y (EPSG:4548, or EPSG:4527 with the zone "
                                        "number in front), or 'EPSG:nnnn x y'")],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 10,
) -> dict[str, Any]:
    """Where a text is on the map: results with their bounds (or point) in WGS84, best first."""
    try:
        with get_engine().connect() as connection:
            return search(connection, caller, q, limit)
    except SearchQueryError as error:
        raise ProblemError(422, "invalid-search", message_of(error)) from None
