"""The map pages (Jinja2 + folium), served by the same FastAPI app as the API.

Pages: ``/`` and ``/map`` the one-blueprint map (一张蓝图总图), ``/queue`` a department's work queue
(待我审查), ``/proposals/{id}/review`` the proposal review map (项目审查) with the opinion form, ``/ndrc``
the NDRC overview (发改委统筹). Labels are Chinese by default, English
with ``?lang=en``. The HTML carries no proposal data: the pages' JavaScript logs in (a bearer token from
``POST /api/v1/auth/token`` kept in ``sessionStorage``) and reads proposals from the JSON API, which
decides who sees what. Planning layers are public, as in the API, and come as vector tiles.

Building another map page on this infrastructure (e.g. the investment map of the parcels issue):

1. In a router of your own, build the map: ``fmap, layers = planning_map(language)`` gives every planning
   layer as vector tiles with its legend lines and toggle; or ``fmap = maps.base_map(extent)`` and
   ``maps.add_planning_layers(fmap, some_layers, language)`` for a chosen few. Add your own folium elements
   (e.g. ``folium.GeoJson`` for a small layer, or a ``maps.VectorTileLayer``).
2. Write a template that ``{% extends "base.html" %}`` and fills ``panel`` (the left column; include
   ``{% from "macros.html" import layer_panel, swatch %}`` and call ``layer_panel(layers, t)`` for the
   layer legend with toggles), optionally ``map_overlay`` (HTML over the map) and ``scripts`` (your page
   script from ``/static/js/``, which uses ``window.Blueprint``: ``t``, ``api``, ``session``, ``map``,
   ``style``, ``formatArea``…).
3. Return ``render_page(request, "your.html", page="investment", language=language, fmap=fmap,
   layers=layers, title_key="nav.investment", config={...})``. Extra labels go into
   :data:`web.i18n.LABELS`; extra colours into :mod:`web.legend`; any npm package into
   ``web/assets/package.json`` and :data:`web.assets.VENDOR_DIRS` (served at ``/static/vendor/<name>/``).
   folium resources without a local copy are refused (:func:`web.maps.localise_assets`), so no page can
   reach a CDN; ``tests/test_pages.py`` checks every ``src`` and ``href``.
4. Add a link to ``NAV_LINKS`` below so the page appears in the navigation bar.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import folium
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from gis.tiles import tile_settings
from layers.store import list_layers
from web import maps
from web.assets import NODE_MODULES, PAGE_CSS, PAGE_JS, STATIC_DIR, STATIC_URL, VENDOR_DIRS, VENDOR_URL
from web.i18n import labels, language_of
from web.legend import proposal_legend, style_config
from web.settings import map_settings

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=STATIC_DIR.parent / "templates")

NAV_LINKS: list[tuple[str, str, str]] = [
    ("map", "/map", "nav.map"),
    ("queue", "/queue", "nav.queue"),
    ("ndrc", "/ndrc", "nav.ndrc"),
    ("investment", "/investment", "nav.investment"),
    ("supervision", "/supervision", "nav.supervision"),
    ("inspections", "/inspections", "nav.inspections"),
]
"""(page key, path, label key) of the navigation bar."""

Language = Annotated[str | None, Query(description="zh (default) or en")]


def install(app: FastAPI) -> None:
    """Add the pages and the static files (own assets and the npm-installed map libraries) to ``app``."""
    app.include_router(router)
    for name, directory in VENDOR_DIRS.items():
        path = NODE_MODULES / directory
        if not path.is_dir():
            logger.warning("map asset %s is missing (%s): run scripts/bootstrap", name, path)
        app.mount(f"{VENDOR_URL}/{name}", StaticFiles(directory=path, check_dir=False), name=f"vendor-{name}")
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")


def _extent(layers: list[dict[str, Any]]) -> list[float] | None:
    extents = [layer["extent"] for layer in layers if layer["extent"]]
    if not extents:
        return None
    return [min(e[0] for e in extents), min(e[1] for e in extents),
            max(e[2] for e in extents), max(e[3] for e in extents)]


def planning_map(language: str) -> tuple[folium.Map, list[maps.MapLayer]]:
    """A map of every stored planning layer (vector tiles), fitted to their extent."""
    stored = list_layers()
    fmap = maps.base_map(_extent(stored))
    return fmap, maps.add_planning_layers(fmap, stored, language)


def _switch_language(request: Request, language: str) -> str:
    return str(request.url.include_query_params(lang="en" if language == "zh" else "zh"))


def render_page(
    request: Request,
    template: str,
    *,
    page: str,
    language: str,
    fmap: folium.Map,
    layers: list[maps.MapLayer],
    title_key: str,
    config: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Render a map page: the map's parts, labels, legend and the JavaScript configuration.

    The response is never cached without revalidation: it names the current layer versions.
    """
    # The nonce of this request's Content-Security-Policy (api.security), for the page's inline scripts.
    nonce = getattr(request.state, "csp_nonce", "")
    parts = maps.render_map(fmap, nonce)
    settings = map_settings()
    table = labels(language)
    page_config = {
        "page": page,
        "lang": language,
        "api": "/api/v1",
        "labels": table,
        "styles": style_config(),
        "map": parts.variable,
        "layers": [layer.as_config() for layer in layers],
        "basemap": {"configured": bool(settings.basemap_url), "crs": settings.basemap_crs},
        "detailZoom": tile_settings().detail_zoom,
        **(config or {}),
    }
    response = templates.TemplateResponse(request, template, {
        "page": page,
        "lang": language,
        "t": table,
        "title": table[title_key],
        "nav_links": NAV_LINKS,
        "other_language_url": _switch_language(request, language),
        "map": parts,
        "layers": layers,
        "proposal_legend": proposal_legend(language),
        "basemap": settings,
        "page_css": PAGE_CSS,
        "page_js": PAGE_JS,
        "config": page_config,
        "csp_nonce": nonce,
        **(context or {}),
    })
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/", response_class=HTMLResponse)
@router.get("/map", response_class=HTMLResponse)
def blueprint_page(request: Request, lang: Language = None) -> HTMLResponse:
    """一张蓝图总图: every planning layer (toggled, with its legend) and, once logged in, every proposal
    the account may see, its site coloured by its screening result and its conflicts highlighted."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    return render_page(request, "blueprint.html", page="map", language=language, fmap=fmap, layers=layers,
                       title_key="nav.map")


@router.get("/proposals/{proposal_id}/review", response_class=HTMLResponse)
def review_page(request: Request, proposal_id: int, lang: Language = None) -> HTMLResponse:
    """项目审查: a proposal's site and earlier revisions, conflict overlaps, markings and opinions; a
    department user draws a marking and saves it through the API."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    draw = maps.add_draw(fmap)
    return render_page(request, "review.html", page="review", language=language, fmap=fmap, layers=layers,
                       title_key="nav.review",
                       config={"proposalId": proposal_id, "drawItems": f"drawnItems_{draw.get_name()}",
                               "drawControl": draw.get_name()})


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, lang: Language = None) -> HTMLResponse:
    """待我审查: the proposals waiting for the logged-in official's department, the longest waiting first,
    each linked to its review page; their sites on the map."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    return render_page(request, "queue.html", page="queue", language=language, fmap=fmap, layers=layers,
                       title_key="nav.queue")


@router.get("/ndrc", response_class=HTMLResponse)
def ndrc_page(request: Request, lang: Language = None) -> HTMLResponse:
    """发改委统筹: every proposal with its conflicts and opinions, on a table (filtered, sorted, searched) and
    a map, with the start-review, approve (赋码, on eligible proposals, after a confirmation) and return
    actions; refusals, returns and decisions are shown with their reasons in the page's language."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    return render_page(request, "ndrc.html", page="ndrc", language=language, fmap=fmap, layers=layers,
                       title_key="nav.ndrc")
