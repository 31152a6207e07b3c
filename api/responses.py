"""Responses for large JSON bodies (encoded by orjson, several times faster than the standard library), and
uploads and downloads of stored files."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from fastapi import Response, UploadFile
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """``application/json`` encoded with orjson (NaN and infinity become null, as JSON has neither)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of an upload: one byte past the limit is enough for the service to refuse it,
    without reading a huge upload into memory."""
    return upload.file.read(limit + 1)


def file_download(filename: str, content_type: str, content: bytes) -> Response:
    """A stored file as an attachment under its (UTF-8) name, its type never sniffed by the browser."""
    return Response(content, media_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff"})
