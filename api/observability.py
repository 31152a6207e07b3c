"""Request metrics at the outermost edge: every answer, problems and 404s included, counted by route."""

from __future__ import annotations

from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis.metrics import HTTP_LATENCY, HTTP_REQUESTS


def _route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/v1/proposals/{proposal_id}``): one series per route, never
    per URL, so a scan of random paths cannot grow the metrics without bound."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestMetrics:
    """Pure ASGI middleware: count each answer and time it to its last body byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = "500"

        async def send_and_observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                route, method = _route_template(scope), scope["method"]
                HTTP_LATENCY.labels(route, method).observe(perf_counter() - started)
                HTTP_REQUESTS.labels(route, method, status).inc()

        await self.app(scope, receive, send_and_observe)
