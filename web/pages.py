"""The map pages (Jinja2 + folium), served by the same FastAPI app as the API.

Pages: ``/`` and ``/map`` the one-blueprint map (一张蓝图总图) with draw-and-screen, ``/login`` and
``/logout``, ``/proposals/new`` and ``/proposals/{id}/edit`` the applicant's proposal (项目申报),
``/proposals/mine`` the applicant's own proposals, ``/queue`` a department's work queue (待我审查),
``/proposals/{id}/review`` the proposal review map (项目审查) with the opinion form, ``/ndrc`` the NDRC
overview (发改委统筹). Labels are Chinese by default, English with ``?lang=en``. The HTML carries no proposal
data: the pages' JavaScript reads proposals from the JSON API, which decides who sees what. The session is
the HttpOnly cookie of ``POST /api/v1/auth/session`` (see :mod:`api.auth`), sent by the browser with every
request of every tab; no script can read the token. The page knows only who is logged in (for the
navigation bar). Planning layers are public, as in the API, and come as vector tiles.

Building another map page on this infrastructure (e.g. the investment map of the parcels issue):

1. In a router of your own, build the map: ``fmap, layers = planning_map(language)`` gives every planning
   layer as vector tiles with its legend lines and toggle; or ``fmap = maps.base_map(extent)`` and
   ``maps.add_planning_layers(fmap, some_layers, language)`` for a chosen few (in one composite vector tile).
   Add your own folium elements (e.g. ``folium.GeoJson`` for a small layer).
2. Write a template that ``{% extends "base.html" %}`` and fills ``panel`` (the left column; include
   ``{% from "macros.html" import layer_panel, search_box, swatch %}`` and call ``layer_panel(layers, t,
   basemaps=basemaps)`` for the layer panel: groups, toggles, opacity, zoom-to-layer, legends and the basemap
   switch, static/js/layer_panel.js; ``search_box(t)`` for the search, static/js/search.js), optionally
   ``map_overlay`` (HTML over the map) and ``scripts`` (your page script from ``/static/js/``, linked as
   ``{{ static_url('js/yours.js') }}``, a URL browsers keep until the file changes; the script uses
   ``window.Blueprint``: ``t``, ``api``, ``session``, ``map``, ``style``, ``formatArea``…; a list row that does
   something on click is made with ``Blueprint.activatable(row, open)`` so that Tab reaches it and Enter opens
   it). On a phone the panel is a bottom sheet under the map (``static/js/shell.js``);
   ``tests/browser/test_pages_sweep.py`` lists every page: add yours there.
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
from fastapi.templating import Jinja2Templates

from gis.db import get_engine
from gis.tiles import tile_settings
from layers.store import list_layers
from projects.accounts import SESSION_COOKIE, Account, Role, account_for_token
from web import maps
from web.assets import (
    NODE_MODULES,
    PAGE_CSS,
    PAGE_JS,
    STATIC_DIR,
    STATIC_URL,
    VENDOR_DIRS,
    VENDOR_URL,
    VersionedStaticFiles,
    static_url,
)
from web.i18n import labels, language_of
from web.legend import proposal_legend, style_config
from web.site_form import site_form_choices, site_form_config

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=STATIC_DIR.parent / "templates")
templates.env.globals["static_url"] = static_url  # templates link their scripts by versioned URL too

EVERYONE: frozenset[Role | None] = frozenset({None, *Role})
"""Every audience of the navigation bar: ``None`` is the public (no login)."""
NAV_LINKS: list[tuple[str, str, str, frozenset[Role | None]]] = [
    ("map", "/map", "nav.map", EVERYONE),
    ("selection", "/selection", "nav.selection", EVERYONE),
    ("mine", "/proposals/mine", "nav.mine", frozenset({Role.APPLICANT})),
    ("queue", "/queue", "nav.queue", frozenset({Role.DEPARTMENT})),
    ("ndrc", "/ndrc", "nav.ndrc", frozenset({Role.NDRC})),
    ("investment", "/investment", "nav.investment", EVERYONE),
    ("supervision", "/supervision", "nav.supervision", frozenset({Role.DEPARTMENT, Role.NDRC, Role.ADMIN})),
    ("inspections", "/inspections", "nav.inspections", EVERYONE),
    ("departments", "/departments", "nav.departments", EVERYONE),
    ("windows", "/windows", "nav.windows", frozenset({Role.WINDOW, Role.DEPARTMENT})),
    # departments read commission times on the supervision pages
    ("hall", "/hall", "nav.hall", EVERYONE - {Role.DEPARTMENT}),
]
"""(page key, path, label key, who sees the link) of the navigation bar: the link shows to the audiences whose
work the page is (an account with extra roles sees theirs too). The pages themselves answer anyone, so the bar
keeps to one line at 1440 px in English."""


Language = Annotated[str | None, Query(description="zh (default) or en")]


def nav_links(account: Account | None) -> list[tuple[str, str, str]]:
    """The navigation bar's (page key, path, label key) for ``account`` (None: the public)."""
    def shown(audience: frozenset[Role | None]) -> bool:
        if account is None:
            return None in audience
        return any(account.holds(role) for role in audience if role is not None)
    return [(key, path, label) for key, path, label, audience in NAV_LINKS if shown(audience)]


def install(app: FastAPI) -> None:
    """Add the pages and the static files (own assets and the npm-installed map libraries) to ``app``."""
    app.include_router(router)
    for name, directory in VENDOR_DIRS.items():
        path = NODE_MODULES / directory
        if not path.is_dir():
            logger.warning("map asset %s is missing (%s): run scripts/bootstrap", name, path)
        app.mount(f"{VENDOR_URL}/{name}", VersionedStaticFiles(directory=path, check_dir=False),
                  name=f"vendor-{name}")
    app.mount(STATIC_URL, VersionedStaticFiles(directory=STATIC_DIR), name="static")


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


def session_account(request: Request) -> Account | None:
    """Who is logged in on this browser (the session cookie's account), None for the public."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with get_engine().connect() as connection:
        return account_for_token(connection, token)


def _render(
    request: Request,
    template: str,
    *,
    page: str,
    language: str,
    title_key: str,
    config: dict[str, Any],
    context: dict[str, Any],
) -> HTMLResponse:
    """Render ``template`` with the frame's context (navigation, session, labels, configuration)."""
    account = session_account(request)
    table = labels(language)
    page_config = {"page": page, "lang": language, "api": "/api/v1", "labels": table,
                   "user": account.to_dict() if account else None, **config}
    response = templates.TemplateResponse(request, template, {
        "page": page,
        "lang": language,
        "t": table,
        "title": table[title_key],
        "nav_links": nav_links(account),
        "other_language_url": _switch_language(request, language),
        "user": page_config["user"],
        "page_css": PAGE_CSS,
        "page_js": PAGE_JS,
        "config": page_config,
        # The nonce of this request's Content-Security-Policy (api.security), for the page's inline scripts.
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        **context,
    })
    if account is None and request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")  # expired or revoked
    response.headers["Cache-Control"] = "no-cache"
    return response


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
    parts = maps.render_map(fmap, getattr(request.state, "csp_nonce", ""))
    basemaps = [basemap.as_config() for basemap in maps.basemaps_of(fmap)]
    map_config = {
        "styles": style_config(),
        "map": parts.variable,
        "layers": [layer.as_config() for layer in layers],
        "basemaps": basemaps,
        "detailZoom": tile_settings().detail_zoom,
        **(config or {}),
    }
    return _render(request, template, page=page, language=language, title_key=title_key, config=map_config,
                   context={"map": parts, "layers": layers, "proposal_legend": proposal_legend(language),
                            "basemaps": basemaps, **(context or {})})


def render_plain(
    request: Request, template: str, *, page: str, language: str, title_key: str, config: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Render a page without the planning map (login, logout, the OGC API's pages) in the same frame."""
    return _render(request, template, page=page, language=language, title_key=title_key, config=config or {},
                   context={"map": None, **(context or {})})


@router.get("/", response_class=HTMLResponse)
@router.get("/map", response_class=HTMLResponse)
def blueprint_page(request: Request, lang: Language = None) -> HTMLResponse:
    """一张蓝图总图: every planning layer (toggled, with its legend); anyone draws or uploads a candidate site
    and sees its screening at once (an applicant turns it into a proposal); once logged in, every proposal
    the account may see, its site coloured by its screening result and its conflicts highlighted."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    return _site_page(request, "blueprint.html", "map", language, fmap, layers, "nav.map", None)


def _site_page(request: Request, template: str, page: str, language: str, fmap: folium.Map,
               layers: list[maps.MapLayer], title_key: str, proposal_id: int | None) -> HTMLResponse:
    """A map page with the site tools: draw or upload a site, screen it, measure."""
    draw = maps.add_draw(fmap, site=True)
    return render_page(request, template, page=page, language=language, fmap=fmap, layers=layers,
                       title_key=title_key,
                       config={"proposalId": proposal_id, "drawItems": f"drawnItems_{draw.get_name()}",
                               "drawControl": draw.get_name(), **site_form_config()},
                       context={"choices": site_form_choices(language), "proposal_id": proposal_id})


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


def _next_page(next_path: str | None, language: str) -> str:
    """Where to go after logging in: a path of this site only (never another site's URL)."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return f"/map?lang={language}"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: Language = None,
               next: Annotated[str | None, Query(max_length=2000)] = None) -> HTMLResponse:  # noqa: A002
    """登录: username and secret; the session then holds in every tab until logout or 12 hours."""
    language = language_of(lang)
    return render_plain(request, "login.html", page="login", language=language, title_key="login.title",
                        config={"next": _next_page(next, language)})


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request, lang: Language = None) -> HTMLResponse:
    """退出登录: a button that ends the session (a link alone never logs anyone out)."""
    return render_plain(request, "logout.html", page="logout", language=language_of(lang), title_key="login.logout")


def _proposal_page(request: Request, language: str, proposal_id: int | None) -> HTMLResponse:
    fmap, layers = planning_map(language)
    return _site_page(request, "apply.html", "apply", language, fmap, layers, "nav.apply", proposal_id)


@router.get("/proposals/new", response_class=HTMLResponse)
def new_proposal_page(request: Request, lang: Language = None) -> HTMLResponse:
    """项目申报: the applicant's proposal: its facts and its site, drawn or uploaded, screened at once."""
    return _proposal_page(request, language_of(lang), None)


@router.get("/proposals/mine", response_class=HTMLResponse)
def my_proposals_page(request: Request, lang: Language = None) -> HTMLResponse:
    """我的项目: the applicant's proposals with their state, waiting departments and code."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    return render_page(request, "mine.html", page="mine", language=language, fmap=fmap, layers=layers,
                       title_key="nav.mine")


@router.get("/proposals/{proposal_id}/edit", response_class=HTMLResponse)
def edit_proposal_page(request: Request, proposal_id: int, lang: Language = None) -> HTMLResponse:
    """项目申报 of a draft or returned proposal: revise its site, see the new screening, submit."""
    return _proposal_page(request, language_of(lang), proposal_id)
