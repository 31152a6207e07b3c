"""Screening API: overlay a proposed site with every planning layer (store only when asked); site files."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, File, Form, Request, UploadFile

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.heavy_lane import HeavyLaneRoute, lane_engine
from api.problems import ProblemError, problem_responses
from api.read_routing import read_engine
from api.responses import FastJSONResponse
from api.schemas import ScreeningIn
from api.uploads import save_upload
from gis.db import get_engine, read_only
from gis.messages import Message, Text, phrases
from projects.screening import Screener, ScreeningRequest, load_screening, report_for, store_screening
from projects.sites import prepare_site, site_from_file

router = APIRouter(prefix="/api/v1", tags=["screening"], route_class=BoundaryRoute)
phrases("screenings", not_stored=Text("没有已保存的检测“{id}”。", "There is no stored screening {id!r}."))


def post_screening(body: ScreeningIn, caller: Caller, http: Request) -> FastJSONResponse:
    """The conflict report of a site: each conflict, and a summary with `eligible_for_code`.

    Overlaps with other projects name the project only for officials (department, NDRC, admin). A request
    of 256 KB or more (a site of about 6,000 vertices or more) is screened at a lower priority, at most a
    few at a time; when it waits too long or runs past its timeout it gets a 503 problem with `Retry-After`."""
    # the large requests are answered by api.heavy_lane's worker process, which calls this function
    site = prepare_site(body.site, body.crs)
    request = ScreeningRequest(site=site, project_type=body.project_type, land_use=body.land_use,
                               industry=body.industry)
    engine = lane_engine()
    # An anonymous screening that keeps nothing reads what everyone reads: a current replica will do (not in
    # the heavy lane's worker, which has no request and whose sessions run at a lower priority).
    reads = read_engine(http) if caller is None and http is not None else engine
    with engine.begin() if body.store else read_only(reads) as connection:
        report = Screener(connection).screen(request)
        if body.store:
            store_screening(connection, report, actor=caller.label if caller else "public")
    # The report is plain JSON data already; skipping FastAPI's recursive encoder matters for big overlaps.
    return FastJSONResponse(report_for(caller, report.to_dict()))


router.add_api_route("/screenings", post_screening, methods=["POST"], response_model=None,
                     route_class_override=HeavyLaneRoute)


@router.get("/screenings/{screening_id}")
def get_screening(screening_id: str, caller: Caller) -> dict[str, Any]:
    """A stored screening, exactly as it was reported (other projects named only for officials)."""
    with get_engine().connect() as connection:
        report = load_screening(connection, screening_id)
    if report is None:
        raise ProblemError(404, "not-found", Message("screenings.not_stored", id=screening_id))
    return report_for(caller, report)


SITE_FILE_SUFFIXES = (".geojson", ".json", ".zip", ".gpkg", ".kml", ".dxf")


@router.post("/sites/from-file", responses=problem_responses(415))
def post_site_file(
    file: Annotated[UploadFile, File(description="GeoJSON, zipped Shapefile, GeoPackage, KML or DXF")],
    crs: Annotated[str | None, Form(description="CRS of the coordinates: EPSG:4548, GCJ02…; default: what "
                                                "the file declares, else WGS84", max_length=200)] = None,
) -> dict[str, Any]:
    """A site (预选址) from a file, as WGS84 GeoJSON to screen or submit; nothing is stored.

    Every polygon of the file, and every closed polyline of a CAD drawing (红线), makes up the site."""
    with tempfile.TemporaryDirectory(prefix="blueprint-site-") as folder:
        path = save_upload(file, Path(folder), SITE_FILE_SUFFIXES,
                           Text(".geojson、.zip（Shapefile）、.gpkg、.kml或.dxf文件",
                                "a .geojson, .zip (Shapefile), .gpkg, .kml or .dxf file"))
        site = site_from_file(path, crs or None)
    return {"site": shapely.geometry.mapping(site.geometry), "crs": "EPSG:4326", "source_crs": site.source_crs,
            "area_m2": round(site.area_m2, 2), "file": path.name}
