"""Site selection API (智能选址): where a project can go, ranked by how little stands in its way."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.responses import FastJSONResponse
from gis.db import get_engine, read_only
from projects.screening import report_for
from projects.selection import MAX_LIMIT, AreaRange, SelectionRequest, Selector
from projects.sites import prepare_site

router = APIRouter(prefix="/api/v1", tags=["site selection"], route_class=BoundaryRoute)


class SiteSelectionIn(BaseModel):
    """What a site is sought for (project type, intended land use, industry, area) and where."""

    project_type: str = Field(description="01 审批 approval, 02 核准 verification, 03 备案 filing", max_length=2)
    land_use: str = Field(description="intended land-use class, e.g. 1001 industrial", max_length=4)
    industry: str = Field(description="GB/T 4754 division, e.g. C39", max_length=4, pattern=r"^[A-T]\d{2}$")
    area_min: float = Field(description="smallest site area, in `area_unit`", gt=0, lt=1e12)
    area_max: float = Field(description="largest site area, in `area_unit`", gt=0, lt=1e12)
    area_unit: Literal["m2", "mu", "ha"] = Field(
        default="m2", description="m2 (平方米), mu (亩, 1 亩 = 666.67 m²) or ha (公顷, 10,000 m²)")
    districts: list[str] = Field(default=[], max_length=50,
                                 description="GB/T 2260 codes of the districts to search; none: every district")
    search_area: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon or MultiPolygon to search in, in the CRS named by `crs`")
    crs: str = Field(default="EPSG:4326", description="CRS of `search_area`: EPSG:4326, EPSG:4490, GCJ02 …",
                     max_length=200)
    inside_urban_development_boundary: bool = Field(
        default=False, description="only land inside the urban development boundary (城镇开发边界)")
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT, description="how many candidates to screen and return")


@router.post("/site-selections", response_model=None)
def post_site_selection(body: SiteSelectionIn, caller: Caller) -> FastJSONResponse:
    """Candidate sites (investment parcels and contiguous groups of compatible land-use zones, every blocking
    layer subtracted, of the requested size), best first, each with its full screening report and the reasons
    for its rank; with no candidate, the reason. Names the layer versions and the rule set version used."""
    request = SelectionRequest(
        project_type=body.project_type, land_use=body.land_use, industry=body.industry,
        area=AreaRange.of(body.area_min, body.area_max, body.area_unit), districts=tuple(body.districts),
        search_area=prepare_site(body.search_area, body.crs) if body.search_area is not None else None,
        inside_urban_development_boundary=body.inside_urban_development_boundary, limit=body.limit)
    with read_only(get_engine()) as connection:
        result = Selector(connection).select(request).to_dict()
    for candidate in result["candidates"]:  # other projects are named to officials only, as in a screening
        candidate["report"] = report_for(caller, candidate["report"])
    return FastJSONResponse(result)
