"""Responses for large JSON bodies: encoded by orjson, several times faster than the standard library."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """``application/json`` encoded with orjson (NaN and infinity become null, as JSON has neither)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
