"""The input boundary: every value a request brings is checked once, here, before any service sees it.

PostgreSQL refuses a NUL byte in text and an integer beyond its column type with an error, which used to
surface as a 500 from deep inside a service. So every API route is a :class:`BoundaryRoute`, which refuses

- a NUL byte in any string: query, path, form field, file name, JSON value or key;
- an integer outside PostgreSQL ``integer`` (±2,147,483,647: ids, versions, offsets, pages, counts) in an
  integer parameter (query, path, form) and anywhere in a JSON body, and a number that is not finite;

with a 422 problem naming the field (``query.version``, ``body.site.coordinates.0.0.1``). A JSON body is read
in chunks and refused (413) before it is parsed when it holds more arrays than the largest site (预选址) or
marking could need — a coordinate position is an array, so a 10-million-vertex site is refused after its
first megabytes. :class:`BodyLimits` bounds the size of every body: ``BLUEPRINT_MAX_JSON_BYTES``, or
``BLUEPRINT_MAX_UPLOAD_BYTES`` for a file upload (multipart, streamed to disk), as set when the app starts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, get_args

import orjson
from fastapi import Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from api.problems import COMMON_PROBLEMS, ProblemError, problem_response
from api.settings import ServerSettings
from gis.messages import Message, Text, phrases
from projects.settings import screening_settings

INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
"""PostgreSQL ``integer``: the type of every id, version, count and page the API takes."""


def max_json_arrays() -> int:
    """Arrays one JSON body may hold: each vertex of a site at the vertex limit is one, and its rings and
    polygons add fewer than as many again (a ring has at least four vertices)."""
    return 2 * screening_settings().max_site_vertices + 1_000


phrases(
    "boundary",
    nul_byte=Text("含有空字符（\\u0000），任何字段都不能含有",
                  "contains a NUL byte (\\u0000), which no field may hold"),
    integer_range=Text("{value}超出范围：整数须在{low:,}与{high:,}之间",
                       "{value} is out of range: integers must lie between {low:,} and {high:,}"),
    not_finite=Text("不是有限数值", "is not a finite number"),
    too_many_arrays=Text("请求中的坐标数组超过{arrays:,}个；选址或标注最多{limit:,}个节点。请简化边界"
                         "（0.1米容差仍足够准确）后重新提交。",
                         "the body holds more than {arrays:,} coordinate arrays; a site or a marking may have at "
                         "most {limit:,} vertices. Simplify the outline (a tolerance of 0.1 m keeps it accurate) "
                         "and send it again."),
    body_too_large=Text("请求数据超过{megabytes:g} MB的上限（{setting}）",
                        "the request body is larger than the limit of {megabytes:g} MB ({setting})"),
)


def _refuse(location: tuple[str | int, ...], message: Message) -> RequestValidationError:
    """A refused value, with its message for :func:`api.validation.validation_message`."""
    return RequestValidationError([{"type": "value_error", "loc": location, "msg": str(message), "input": None,
                                    "ctx": {"message": message}}])


def check_string(location: tuple[str | int, ...], value: str) -> None:
    if "\x00" in value:
        raise _refuse(location, Message("boundary.nul_byte"))


def check_integer(location: tuple[str | int, ...], value: int) -> None:
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        raise _refuse(location, Message("boundary.integer_range", value=value, low=INTEGER_MIN, high=INTEGER_MAX))


def check_json(location: tuple[str | int, ...], value: Any) -> None:
    """Every string (keys too), integer and number of a parsed JSON body, depth first."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [(location, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            check_string(where, item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            check_integer(where, item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _refuse(where, Message("boundary.not_finite"))
        elif isinstance(item, dict):
            for key, child in item.items():
                check_string((*where, key), key)
                stack.append(((*where, key), child))
        elif isinstance(item, list):
            stack.extend(((*where, index), child) for index, child in enumerate(item))


def _is_integer(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)


def _integer_names(dependant: Dependant) -> set[tuple[str, str]]:
    """(location, name) of every integer parameter of a route and of its dependencies."""
    names = {
        (location, field.alias)
        for location, fields in (("query", dependant.query_params), ("path", dependant.path_params),
                                 ("form", dependant.body_params))
        for field in fields if _is_integer(field.field_info.annotation)
    }
    for dependency in dependant.dependencies:
        names |= _integer_names(dependency)
    return names


def _check_parameters(location: str, items: Iterator[tuple[str, Any]], integers: set[tuple[str, str]]) -> None:
    for name, value in items:
        check_string((location, name), name)
        if isinstance(value, UploadFile):
            check_string((location, name, "filename"), value.filename or "")
            continue
        check_string((location, name), value)
        if (location, name) in integers:
            try:
                number = int(value)
            except ValueError:
                continue  # not a number at all: the route's own validation says so
            check_integer((location, name), number)


async def read_json_body(request: Request) -> bytes:
    """The body of a JSON request, read in chunks and refused (413) once it holds too many arrays."""
    chunks: list[bytes] = []
    arrays = 0
    array_limit = max_json_arrays()
    async for chunk in request.stream():
        arrays += chunk.count(b"[")  # brackets inside strings count too: an upper bound, never an undercount
        if arrays > array_limit:
            limit = screening_settings().max_site_vertices
            raise ProblemError(413, "too-many-vertices",
                               Message("boundary.too_many_arrays", arrays=array_limit, limit=limit), limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


class BodyTooLargeError(ProblemError):
    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(413, "body-too-large",
                         Message("boundary.body_too_large", megabytes=limit / 2**20, setting=setting))


class BodyLimits:
    """Pure ASGI middleware bounding every request body: ``BLUEPRINT_MAX_UPLOAD_BYTES`` for file uploads
    (multipart, which Starlette streams to disk), ``BLUEPRINT_MAX_JSON_BYTES`` for anything else. A declared
    length over the limit is refused before a byte is read; a body without one, once it has grown past it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.settings = ServerSettings()  # read once: reading the environment took 0.2 ms a request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.settings
        headers = Headers(scope=scope)
        if headers.get("content-type", "").startswith("multipart/form-data"):
            limit, setting = settings.max_upload_bytes, "BLUEPRINT_MAX_UPLOAD_BYTES"
        else:
            limit, setting = settings.max_json_bytes, "BLUEPRINT_MAX_JSON_BYTES"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            error = BodyTooLargeError(limit, setting)
            response = problem_response(Request(scope), error.status, error.slug, error.detail)
            await response(scope, receive, send)
            return
        received = 0

        async def bounded_receive() -> AsgiMessage:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLargeError(limit, setting)
            return message

        await self.app(scope, bounded_receive, send)


LARGE_BODY_BYTES = 256 * 1024
"""JSON bodies from this size on are parsed and checked in a worker thread."""


_MAY_FAIL_CHECKS = re.compile(rb"\\u0000|(?<![\w.+-])-?\d{10,}(?![\w.])")
"""What a body must hold for :func:`check_json` to refuse it once orjson has parsed it: the escape of a NUL
byte (the only way one enters a JSON string, raw control characters being refused by orjson) or an integer
literal of ten digits or more (2,147,483,648 has ten). orjson parses no number that is not finite."""


def _parsed_json(body: bytes) -> Any:
    """The JSON of a body, checked by :func:`check_json`; malformed JSON is a 422 as FastAPI words it.

    The walk of :func:`check_json` runs only on a body that could fail it: walking the 300,000 values of a
    site of 100,000 vertices took half a second holding the GIL, stalling every other request of the process.
    """
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos),
                                       "msg": f"JSON decode error: {error.msg}", "input": {}}]) from None
    if _MAY_FAIL_CHECKS.search(body):
        check_json(("body",), parsed)
    return parsed


class BoundaryRoute(APIRoute):
    """An API route whose parameters and body pass the input boundary before FastAPI parses them; its
    OpenAPI operation declares the problems every route may answer."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *,
                 responses: dict[int | str, dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(path, endpoint, responses={**COMMON_PROBLEMS, **(responses or {})}, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        integers = _integer_names(self.dependant)
        body_is_form = any(isinstance(field.field_info, params.Form) for field in self.dependant.body_params)

        async def bounded(request: Request) -> Response:
            _check_parameters("path", iter(request.path_params.items()), integers)
            _check_parameters("query", iter(request.query_params.multi_items()), integers)
            if body_is_form:
                form = await request.form()  # cached: FastAPI reads the same form
                _check_parameters("form", iter(form.multi_items()), integers)
            elif self.body_field is not None:
                body = await read_json_body(request)
                # Starlette keeps a body read once in ``_body`` (and its JSON in ``_json``); FastAPI then parses
                # the body this boundary has checked rather than reading the consumed stream again.
                request._body = body
                if body:
                    # A site of 100,000 vertices is 4 MB: parsing and checking it on the event loop held up
                    # every other request of the process; a small body is quicker than the hop to a thread.
                    request._json = await run_in_threadpool(_parsed_json, body) \
                        if len(body) >= LARGE_BODY_BYTES else _parsed_json(body)
            return await handler(request)

        return bounded
