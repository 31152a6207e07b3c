"""Layers API: the catalogue of stored layers and their features as GeoJSON."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.language import request_language
from api.problems import ProblemError, problem_responses
from api.uploads import save_upload
from gis.db import get_engine
from gis.messages import Text, message_of, render_all
from layers.catalogue import LAYER_KINDS
from layers.importer import import_layer
from layers.rule_set import (
    RuleSetNotFoundError,
    rule_as_dict,
    rule_set_as_dict,
    rule_set_history,
    rule_set_in_force,
    rule_set_version,
)
from layers.store import MAX_PAGE_SIZE, BBox, features_geojson, list_layers
from projects.access import require_role
from projects.impact import analyse_and_store

router = APIRouter(prefix="/api/v1", tags=["layers"], route_class=BoundaryRoute)


@router.get("/layer-kinds")
def get_layer_kinds() -> list[dict[str, Any]]:
    """The layer kinds of the catalogue: responsible department, the conflict rules in force (with the rule
    set's version and links to that version, the history of versions and the rules page), and the attributes
    the rules read with their types and allowed values (what an import checks)."""
    with get_engine().connect() as connection:
        rules = rule_set_in_force(connection)
    links = [{"rel": "history", "href": "/api/v1/rule-sets", "type": "application/json"},
             {"rel": "describedby", "href": "/rules" + (f"?version={rules.version}" if rules.version else ""),
              "type": "text/html"},
             *([{"rel": "rule-set", "href": f"/api/v1/rule-sets/{rules.version}", "type": "application/json"}]
               if rules.version else [])]
    return [
        {
            "kind": kind.slug,
            "name": {"zh": kind.name.zh, "en": kind.name.en},
            "department": kind.department.value,
            "colour": kind.colour,
            "rule_set_version": rules.version,
            "rules": [rule_as_dict(rule) for rule in rules.for_kind(kind.slug)],
            "rule_set_links": links,
            "attributes": [attribute.as_dict() for attribute in kind.attributes],
        }
        for kind in LAYER_KINDS.values()
    ]


@router.get("/rule-sets")
def get_rule_sets() -> list[dict[str, Any]]:
    """Every version of the conflict rules, newest (in force) first: when it was loaded and by whom."""
    with get_engine().connect() as connection:
        return rule_set_history(connection)


@router.get("/rule-sets/{version}")
def get_rule_set(version: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> dict[str, Any]:
    """One version of the rules: each rule, the land-use compatibility pairs, the polluting industries, and
    the rules file's text."""
    with get_engine().connect() as connection:
        try:
            return rule_set_as_dict(rule_set_version(connection, version), with_source=True)
        except RuleSetNotFoundError as error:
            raise ProblemError(404, "not-found", message_of(error)) from None


@router.get("/layers")
def get_layers() -> list[dict[str, Any]]:
    """Every stored layer: kind, versions, feature count, extent (WGS84) and source CRS."""
    return list_layers()


def parse_bbox(bbox: str | None) -> BBox | None:
    if bbox is None:
        return None
    try:
        return BBox.parse(bbox)
    except ValueError as error:
        raise ProblemError(400, "invalid-bbox", message_of(error)) from None


@router.get("/layers/{layer_id}/features", response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {}}}})
def get_layer_features(
    layer_id: int,
    request: Request,
    bbox: Annotated[str | None, Query(description="west,south,east,north in WGS84 degrees")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    version: Annotated[int | None, Query(ge=1, description="a layer version; default the current")] = None,
) -> JSONResponse:
    """A page of features as an RFC 7946 FeatureCollection (WGS84 lon/lat), at most ``limit`` (default
    1,000): ``numberMatched`` counts every match and a ``next`` link (``links``) reads on where more are."""
    collection = features_geojson(layer_id, bbox=parse_bbox(bbox), limit=limit, offset=offset, version=version)
    links = []
    if offset + collection["numberReturned"] < collection["numberMatched"]:
        next_page = request.url.include_query_params(limit=limit, offset=offset + limit)
        links.append({"href": str(next_page), "rel": "next", "type": "application/geo+json"})
    return JSONResponse({**collection, "links": links}, media_type="application/geo+json")


UPLOAD_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


@router.post("/layers", status_code=201, responses=problem_responses(415))
def post_layer(
    request: Request,
    caller: Caller,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage, or a zipped Shapefile")],
    kind: Annotated[str, Form(description="layer kind, e.g. ecological_red_line")],
    crs: Annotated[str | None, Form(description="CRS of the coordinates: EPSG:4490, EPSG:4548, GCJ02…")] = None,
    name: Annotated[str | None, Form(description="layer name (default: the file name)")] = None,
    repair: Annotated[bool, Form(description="repair invalid polygons instead of refusing")] = False,
) -> dict[str, Any]:
    """Import an uploaded file as a new version of a layer (admin only); the report says what was repaired."""
    admin = require_role(caller, action=Text("上传规划图层", "uploading a planning layer"))
    with tempfile.TemporaryDirectory(prefix="blueprint-upload-") as folder:
        path = save_upload(file, Path(folder), UPLOAD_SUFFIXES,
                           Text(".geojson、.gpkg，或含Shapefile的.zip文件",
                                "a .geojson, .gpkg, or a .zip holding a Shapefile"))
        report = import_layer(path, kind, crs=crs, name=name or path.stem, repair=repair,
                              actor=admin.label, actor_id=admin.id)
    # What the new version changes for live proposals and coded projects lands in the work lists shortly after.
    background.add_task(analyse_and_store, get_engine(), report.layer_id, report.version,
                        f"{admin.label} (layer import)", in_process=True)
    return render_all(report.to_dict(), request_language(request))
