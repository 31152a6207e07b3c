"""Cross-origin reads of the public read API (跨域访问), for MapLibre or OpenLayers pages on other intranet hosts.

Off by default. ``BLUEPRINT_CORS_ORIGINS`` lists the origins allowed (comma-separated, e.g.
``http://gis.xm.gov.cn,http://10.1.2.3:8080``; ``*`` allows any). Only the public read API answers them:
OGC API – Features (``/ogc``), vector tiles (``/tiles``) and the parcels (``/api/v1/parcels…``), for ``GET``
and ``HEAD`` without credentials. Everything else, the pages and every write, stays same-origin.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import PROBLEM_MEDIA_TYPE

READ_API_PREFIXES = ("/ogc", "/tiles", "/api/v1/parcels")
EXPOSED_HEADERS = ["ETag", "Content-Crs", "Content-Disposition", "Link"]
"""Response headers a cross-origin script may read (the tile cache key, the CRS of features, a file's name)."""
PREFLIGHT_MAX_AGE_S = 600


class CorsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    cors_origins: str = ""
    """Origins allowed to read the public read API from their pages, comma-separated; empty: none."""

    def origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]


def _is_read_api(path: str) -> bool:
    return any(path == prefix or path.startswith((f"{prefix}/", f"{prefix}.")) for prefix in READ_API_PREFIXES)


class _ProblemCors(CORSMiddleware):
    """Starlette's CORS, whose refused preflight is an RFC 9457 problem like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        origin = request_headers.get("origin", "")
        body = {"type": "/problems/cross-origin-refused", "title": "Cross-origin request refused",
                "status": response.status_code,
                "detail": f"Pages from {origin or 'this origin'} may not read this API with "
                          f"{request_headers.get('access-control-request-method', 'that method')} and these "
                          "headers; the read API answers GET and HEAD from the origins in BLUEPRINT_CORS_ORIGINS."}
        # No grant on a refusal: the caches keyed by Vary still tell one origin's answer from another's.
        return JSONResponse(body, status_code=response.status_code, media_type=PROBLEM_MEDIA_TYPE,
                            headers={"Vary": response.headers.get("vary", "Origin")})


class ReadApiCors:
    """Pure ASGI middleware: Starlette's CORS handling on the read API's paths, nothing elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        origins = CorsSettings().origins()
        self.cors = _ProblemCors(app, allow_origins=origins, allow_methods=["GET", "HEAD"],
                                   allow_headers=["Accept", "Accept-Language", "If-None-Match"],
                                   expose_headers=EXPOSED_HEADERS, max_age=PREFLIGHT_MAX_AGE_S) if origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is not None and scope["type"] == "http" and _is_read_api(scope["path"]):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
