"""The heavy lane: a screening of a large body runs in a worker process of low CPU priority.

A site of 100,000 vertices is a 4 MB body. Parsing it, building its shapes and encoding its report of
several MB are single calls into C (orjson, shapely) that hold the server process's GIL for up to half a
second each, and its overlay keeps a PostgreSQL backend busy for a second or more: on a machine of two
cores every simple screening beside it waited. So a body of :data:`~api.boundary.LARGE_BODY_BYTES` or more
(a site of about 6,000 vertices or more) is screened whole in a worker process at ``BLUEPRINT_BACKGROUND_NICE``:
parsed and checked as the input boundary does, validated, screened on a session whose backend runs at that
priority too (:func:`gis.db.lower_backend_priority`), its report encoded there. The server process only
moves bytes. At most ``heavy_site_slots`` such screenings run at a time (the slots of
:func:`projects.screening.heavy_slot`, shared with heavy screenings in the process); the workers start on
the first large body. On a machine kept busy by other work, the lane's low priority can stretch a heavy
screening past its statement timeout: the caller is then told to retry (503).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.auth import bearer_token, current_account
from api.boundary import LARGE_BODY_BYTES, BoundaryRoute, _parsed_json, read_json_body
from api.responses import FastJSONResponse
from api.schemas import ScreeningIn
from gis.db import get_engine
from gis.messages import Message
from gis.settings import database_settings
from projects.accounts import Account
from projects.screening import heavy_slot
from projects.settings import screening_settings

_IN_WORKER = False


def _start_worker() -> None:
    """A worker yields the CPU to the server process (they share the server's session and its autogroup),
    and ends when the server process does, even when it was killed (its pool could not stop it then)."""
    global _IN_WORKER
    _IN_WORKER = True
    os.setpriority(os.PRIO_PROCESS, 0, database_settings().background_nice)
    server = os.getppid()

    def end_with_server() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=end_with_server, daemon=True, name="end-with-server").start()


def lane_engine() -> Engine:
    """The engine of a screening route: in a heavy-lane worker, the one of low-priority sessions."""
    return get_engine(background=_IN_WORKER)


def _screened_in_worker(endpoint: Callable[..., Response], body: bytes, caller: Account | None) -> bytes:
    """In a worker: ``body`` parsed and checked as the input boundary does, validated, answered by
    ``endpoint``; the response's body. An error comes back as it was raised, for the server's problem
    handlers; one that cannot be pickled comes back as a RuntimeError (a 500 naming it).

    The cyclic garbage collector pauses meanwhile: the site's hundreds of thousands of coordinates and its
    report's made it run some 700 times per screening, a quarter of the screening's time; what the
    screening leaves is freed by reference counting, and the worker runs nothing else at the time."""
    gc.disable()
    try:
        try:
            parsed = ScreeningIn.model_validate(_parsed_json(body))
        except ValidationError as error:  # worded as FastAPI words the errors of a body
            raise RequestValidationError([{**item, "loc": ("body", *item["loc"])}
                                          for item in error.errors(include_url=False, include_context=False)]
                                         ) from None
        return bytes(endpoint(body=parsed, caller=caller, http=None).body)
    except Exception as error:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            raise RuntimeError(f"{type(error).__name__}: {error}") from None
        raise
    finally:
        gc.enable()


@lru_cache
def _workers(count: int) -> ProcessPoolExecutor:
    # spawn, not fork: the server process has threads and open database connections
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker)


def _answer_in_lane(endpoint: Callable[..., Response], body: bytes, caller: Account | None) -> bytes:
    settings = screening_settings()
    with heavy_slot(settings, Message("screening.request_size", mb=len(body) / 2**20)):
        try:
            return _workers(settings.heavy_site_slots).submit(_screened_in_worker, endpoint, body, caller).result()
        except BrokenProcessPool:
            _workers.cache_clear()  # a worker died (killed, out of memory): the next large body gets new ones
            raise


class HeavyLaneRoute(BoundaryRoute):
    """The screening route: a large body (by its declared length) is answered in the heavy lane.

    The endpoint takes ``body`` (:class:`api.schemas.ScreeningIn`), ``caller`` and ``http`` (the request; None in
    the lane), runs on
    :func:`lane_engine` and answers JSON; the caller is found in the server process.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def routed(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if not (declared.isdigit() and int(declared) >= LARGE_BODY_BYTES):
                return await handler(request)
            body = await read_json_body(request)
            caller = await current_account(request, await bearer_token(request, None,
                                                                      request.headers.get("authorization")))
            content = await run_in_threadpool(_answer_in_lane, self.endpoint, body, caller)
            return Response(content, media_type=FastJSONResponse.media_type)

        return routed
