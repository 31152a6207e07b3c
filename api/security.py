"""Security headers on every response: a Content-Security-Policy with a fresh nonce per request, no framing,
no MIME sniffing, no referrer sent to other sites.

Scripts run only from the platform itself, or inline when they carry the request's nonce: the pages put it
on their own inline scripts and on those folium writes (``request.state.csp_nonce``, read by
:func:`web.pages.render_page`), so an injected ``<script>`` would not run even if it got past escaping.
Styles may be inline (folium's per-map ``<style>`` and the legend swatches' ``style`` attributes: styles
run no code). Images may also come from the configured basemaps. Nothing comes from anywhere else: the API
documentation (/docs) is served from the platform's own copy of Swagger UI too.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.settings import map_settings


def _basemap_sources() -> str:
    """The CSP sources of the configured basemaps' tiles (``{s}`` subdomains as a wildcard), or nothing."""
    sources = []
    for _, basemap in map_settings().configured_basemaps():
        parts = urlsplit(basemap.url)
        if parts.scheme and parts.netloc:
            sources.append(f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}")
    return "".join(dict.fromkeys(sources))


def content_security_policy(nonce: str, page: bool) -> str:
    """The policy of a response; a ``page`` (HTML) may also show the basemaps' tiles."""
    images = _basemap_sources() if page else ""
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{images}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class SecurityHeaders:
    """Pure ASGI middleware: a nonce in ``scope["state"]["csp_nonce"]``, the headers on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                page = headers.get("content-type", "").startswith("text/html")
                headers["Content-Security-Policy"] = content_security_policy(nonce, page)
                headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
            await send(message)

        await self.app(scope, receive, send_with_headers)
