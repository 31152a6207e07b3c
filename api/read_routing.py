"""Which database a public read goes to, and the caller's last write that it must see.

Public reads (GET and HEAD of maps, tiles, OGC API, layers and parcels, with no login) are served by a
replica when one is current: :class:`PublicReadsFromReplicas` chooses it once per request and every
database call of the request uses it (:func:`gis.db.reads_from`). Everything else goes to the primary.

After a write that succeeded, and only when replicas are configured, the answer carries the primary's WAL
position in a cookie (for the pages) and a header (for API clients, who send it back as the same header).
A read that brings it is served by a replica only once that replica has replayed that far, so an applicant
who just submitted, or the NDRC after a decision, never reads a state older than their own write.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis.db import reads_from
from gis.replica import primary_wal_position, read_router, read_settings
from projects.accounts import SESSION_COOKIE

WAL_COOKIE = "blueprint_wal"
WAL_HEADER = "X-Blueprint-WAL"
"""The primary's WAL position (bytes) after the caller's last write."""
WAL_MEMORY_S = 300
"""How long the pages remember their last write: far beyond any lag a replica may have and still be read."""
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


PUBLIC_READ_PREFIXES = ("/tiles/", "/styles/", "/ogc", "/api/v1/parcels", "/api/v1/layers", "/api/v1/layer-kinds",
                        "/api/v1/public/")
"""Paths whose GET answers are the same for every anonymous caller and read nothing the caller wrote."""


def _last_write(request: Request) -> int | None:
    value = request.headers.get(WAL_HEADER) or request.cookies.get(WAL_COOKIE)
    return int(value) if value and value.isdigit() and len(value) < 20 else None


def read_engine(request: Request) -> Engine:
    """The engine for this request's reads: a current replica, or the primary (see :mod:`gis.replica`)."""
    return read_router().engine_for(after_position=_last_write(request))


class PublicReadsFromReplicas:
    """Pure ASGI middleware: an anonymous GET of a public read path runs on a current replica."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not read_settings().urls
                or not scope["path"].startswith(PUBLIC_READ_PREFIXES)):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if "authorization" in request.headers or SESSION_COOKIE in request.cookies:
            await self.app(scope, receive, send)  # an official's or applicant's view: the primary
            return
        engine = await run_in_threadpool(read_engine, request)
        with reads_from(engine):
            await self.app(scope, receive, send)


class ReadYourWrites:
    """Pure ASGI middleware: a successful write's answer says where the primary's WAL stood after it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS or not read_settings().urls:
            await self.app(scope, receive, send)
            return

        async def send_with_position(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                position = await run_in_threadpool(primary_wal_position)
                headers = MutableHeaders(scope=message)
                headers[WAL_HEADER] = str(position)
                headers.append("Set-Cookie", f"{WAL_COOKIE}={position}; Max-Age={WAL_MEMORY_S}; Path=/; "
                                             "HttpOnly; SameSite=Strict")
            await send(message)

        await self.app(scope, receive, send_with_position)
