"""The FastAPI application: API routers, pages and static assets, with problem-details errors."""

from __future__ import annotations

from fastapi import FastAPI

from api.problems import install_problem_handlers
from api.routers import layers as layers_router
from api.routers import proposals as proposals_router
from api.routers import screenings as screenings_router


def create_app() -> FastAPI:
    app = FastAPI(
        title="One Blueprint (一张蓝图)",
        description="Planning layers, conflict screening and joint review of investment projects on one map.",
        version="0.1.0",
    )
    install_problem_handlers(app)
    app.include_router(layers_router.router)
    app.include_router(screenings_router.router)
    app.include_router(proposals_router.router)
    return app
