"""Layers API: the catalogue of stored layers and their features as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.problems import ProblemError
from layers.catalogue import LAYER_KINDS
from layers.store import MAX_PAGE_SIZE, BBox, features_geojson, list_layers

router = APIRouter(prefix="/api/v1", tags=["layers"])


@router.get("/layer-kinds")
def get_layer_kinds() -> list[dict[str, Any]]:
    """The layer kinds of the catalogue, each with its responsible department and conflict rules."""
    return [
        {
            "kind": kind.slug,
            "name": {"zh": kind.name.zh, "en": kind.name.en},
            "department": kind.department.value,
            "colour": kind.colour,
            "rules": [rule.rule_id for rule in kind.rules],
        }
        for kind in LAYER_KINDS.values()
    ]


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
        raise ProblemError(400, "invalid-bbox", "Invalid bbox", str(error)) from None


@router.get("/layers/{layer_id}/features", response_class=JSONResponse)
def get_layer_features(
    layer_id: int,
    bbox: Annotated[str | None, Query(description="west,south,east,north in WGS84 degrees")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    version: Annotated[int | None, Query(ge=1, description="a layer version; default the current")] = None,
) -> JSONResponse:
    """A page of features as an RFC 7946 FeatureCollection (WGS84 lon/lat)."""
    collection = features_geojson(layer_id, bbox=parse_bbox(bbox), limit=limit, offset=offset, version=version)
    return JSONResponse(collection, media_type="application/geo+json")
