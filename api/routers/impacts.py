"""What a new layer version changes: impact reports in the work lists, and re-screening what they name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from api.auth import Caller
from api.boundary import BoundaryRoute
from gis.db import get_engine
from gis.messages import Text
from layers.tiles import MAX_ID
from projects.access import require_role
from projects.accounts import Role
from projects.impact import analyse_and_store, impact_detail, impact_map, list_impacts, rescreen_impacted

router = APIRouter(prefix="/api/v1", tags=["layer impact"], route_class=BoundaryRoute)


def _reading() -> Connection:
    """A read-only transaction: showing a report can write nothing, least of all a stored screening."""
    return get_engine().connect().execution_options(postgresql_readonly=True)


@router.post("/layers/{layer_id}/versions/{version}/impact", status_code=201)
def post_impact(
    caller: Caller, layer_id: int, version: int,
    against: Annotated[int | None, Query(ge=1, le=MAX_ID, description="compare with (default: the version before)")]
    = None,
) -> dict[str, Any]:
    """Compute what version `version` of a layer changes for every live proposal and coded project
    (admin or NDRC), keep it, and answer the report."""
    actor = require_role(caller, Role.NDRC,
                         action=Text("分析图层版本变更的影响", "analysing what a layer version changes"))
    impact_id = analyse_and_store(get_engine(), layer_id, version, actor.label, against, in_process=True)
    with get_engine().connect() as connection:
        return impact_detail(connection, actor, impact_id)


@router.get("/layer-impacts")
def get_impacts(caller: Caller) -> list[dict[str, Any]]:
    """The impact reports in the caller's work list, newest first: a department sees the changes that
    concern it, the NDRC all of them."""
    with _reading() as connection:
        return list_impacts(connection, caller)


@router.get("/layer-impacts/{impact_id}")
def get_impact(caller: Caller, impact_id: int) -> dict[str, Any]:
    """One impact report: the layer, the versions compared, and each change the caller's work list holds
    (proposal, rule, severity, department, old and new overlap in m²)."""
    with _reading() as connection:
        return impact_detail(connection, caller, impact_id)


@router.get("/layer-impacts/{impact_id}/map", response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {}}}})
def get_impact_map(caller: Caller, impact_id: int) -> JSONResponse:
    """The report's map (RFC 7946, WGS84): the affected sites (`role` site) and the layer's features the new
    version added or the old one had (`added`, `removed`), cut to about 300 m around the sites."""
    with _reading() as connection:
        return JSONResponse(impact_map(connection, caller, impact_id), media_type="application/geo+json")


@router.post("/layer-impacts/{impact_id}/rescreen")
def post_rescreen(caller: Caller, impact_id: int) -> dict[str, Any]:
    """Screen again, against today's layers, every live proposal the report names (NDRC), each in its own
    transaction, on the Dask scheduler when one is configured, audited: the answer names each proposal's
    screening before and its new one with their counts by severity, and the coded projects (and proposals no
    longer live) left as they were. Stored screenings are never changed."""
    with get_engine().begin() as connection:
        return rescreen_impacted(connection, caller, impact_id, in_process=True)
