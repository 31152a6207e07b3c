"""The FastAPI application: API routers, pages and static assets, with problem-details errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.boundary import BodyLimits
from api.cors import ReadApiCors
from api.observability import RequestMetrics
from api.problems import install_problem_handlers
from api.read_routing import PublicReadsFromReplicas, ReadYourWrites
from api.routers import conditions as conditions_router
from api.routers import departments as departments_router
from api.routers import feasibility as feasibility_router
from api.routers import hall as hall_router
from api.routers import health as health_router
from api.routers import impacts as impacts_router
from api.routers import layers as layers_router
from api.routers import ogc as ogc_router
from api.routers import ogc_tiles as ogc_tiles_router
from api.routers import parcels as parcels_router
from api.routers import proposals as proposals_router
from api.routers import reports as reports_router
from api.routers import rule_diffs as rule_diffs_router
from api.routers import screenings as screenings_router
from api.routers import search as search_router
from api.routers import selections as selections_router
from api.routers import styles as styles_router
from api.routers import supervision as supervision_router
from api.routers import suspension_grounds as suspension_grounds_router
from api.routers import tiles as tiles_router
from api.routers import windows as windows_router
from api.security import SecurityHeaders
from web import calendar_pages, departments_pages, hall_pages, selection_pages, supervision_pages, windows_pages
from web import impact_pages as impact_page
from web import investment as investment_page
from web.assets import static_url, vendor
from web.pages import install as install_pages


def create_app() -> FastAPI:
    app = FastAPI(
        title="One Blueprint (一张蓝图)",
        description="Planning layers, conflict screening and joint review of investment projects on one map.",
        version="0.1.0",
        docs_url=None,  # served below from local assets, its inline script carrying the page's CSP nonce
        redoc_url=None,
    )
    install_problem_handlers(app)
    # Vector tiles and map scripts shrink by half or more; pages stay light on a slow intranet link.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    app.include_router(health_router.router)
    app.include_router(layers_router.router)
    app.include_router(impacts_router.router)
    app.include_router(screenings_router.router)
    app.include_router(selections_router.router)
    app.include_router(proposals_router.router)
    app.include_router(reports_router.router)
    app.include_router(rule_diffs_router.router)
    app.include_router(parcels_router.router)
    app.include_router(tiles_router.router)
    app.include_router(styles_router.router)
    app.include_router(search_router.router)
    app.include_router(ogc_router.router)
    app.include_router(ogc_tiles_router.router)
    app.include_router(investment_page.router)
    app.include_router(selection_pages.router)
    install_pages(app)
    app.include_router(supervision_router.router)
    app.include_router(departments_router.router)
    app.include_router(conditions_router.router)
    app.include_router(feasibility_router.router)
    app.include_router(supervision_pages.router)
    app.include_router(departments_pages.router)
    app.include_router(windows_router.router)
    app.include_router(windows_pages.router)
    app.include_router(hall_router.router)
    app.include_router(hall_pages.router)
    app.include_router(suspension_grounds_router.router)
    app.include_router(calendar_pages.router)
    app.include_router(impact_page.router)
    app.add_middleware(BodyLimits)
    app.add_middleware(ReadApiCors)  # inside the security headers, so preflight answers carry them too
    app.add_middleware(ReadYourWrites)
    app.add_middleware(PublicReadsFromReplicas)
    # Outermost, so that every response, problems and 404s included, carries the security headers.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API",
            swagger_js_url=vendor("swagger-ui", "swagger-ui-bundle.js"),
            swagger_css_url=vendor("swagger-ui", "swagger-ui.css"),
            swagger_favicon_url=static_url("img/blueprint.svg"))
        nonce = request.state.csp_nonce
        return HTMLResponse(bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">'))

    return app
