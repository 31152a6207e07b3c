"""Map styles for GIS clients: ``GET /styles/blueprint.json``, the planning layers in the platform's colours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from api.boundary import BoundaryRoute
from api.language import preferred_language
from layers.maplibre import maplibre_style

router = APIRouter(tags=["tiles"], route_class=BoundaryRoute)


@router.get("/styles/blueprint.json", response_class=JSONResponse)
def blueprint_style(
    request: Request,
    lang: Annotated[str | None, Query(description="zh or en (names and legend); default from Accept-Language, "
                                                  "else zh")] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> JSONResponse:
    """A MapLibre style (spec v8) of every planning layer over the composite vector tile: the platform's own
    colours, land-use zones coloured by class, and its legend under `metadata["blueprint:legend"]`."""
    base = str(request.base_url).rstrip("/")
    language = preferred_language(lang, accept_language)
    return JSONResponse(maplibre_style(f"{base}/tiles/composite.json", language),
                        headers={"Cache-Control": "public, no-cache", "Vary": "Accept-Language"})
