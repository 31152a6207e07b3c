"""Liveness, readiness and metrics, for load balancers and Prometheus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.problems import PROBLEM_MEDIA_TYPE, ProblemError
from gis.messages import Message, Text, phrases
from gis.metrics import REGISTRY
from gis.readiness import readiness

router = APIRouter(tags=["operations"])

phrases("health", failed=Text("以下检查未通过：{checks}。", "These checks failed: {checks}."))


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers. No database call, so a slow database never gets a live instance
    restarted."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"content": {PROBLEM_MEDIA_TYPE: {}}, "description": "not ready"}})
async def ready() -> JSONResponse:
    """Readiness: the database answers and its schema is at this release's migration head. A load balancer
    sends traffic only to a ready instance."""
    report: dict[str, Any] = await run_in_threadpool(readiness)
    if not report["ready"]:
        failed = [name for name, check in report["checks"].items() if not check["ok"]]
        raise ProblemError(503, "not-ready", Message("health.failed", checks=failed),
                           checks=report["checks"], headers={"Retry-After": "5"})
    return JSONResponse(report)

@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
async def metrics() -> Response:
    """Request counts and latencies by route, screening and tile timings and the database pool, in the
    Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
