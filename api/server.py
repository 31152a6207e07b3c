"""The HTTP server: uvicorn with the platform's client timeouts.

Uvicorn closes idle keep-alive connections but waits for ever on a client that sends its headers or its
body slowly (slowloris), each such client holding a connection. :class:`TimedHttpProtocol` gives a client
``BLUEPRINT_HEADER_TIMEOUT_S`` from connecting (or from the first byte of a request) to the end of the
headers, and ``BLUEPRINT_BODY_TIMEOUT_S`` between two pieces of a body; past either the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.settings import ServerSettings


class TimedHttpProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol with a header timeout and a body idle timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = ServerSettings()
        self.header_timeout_s, self.body_timeout_s = settings.header_timeout_s, settings.body_timeout_s
        self.client_deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float | None) -> None:
        if self.client_deadline is not None:
            self.client_deadline.cancel()
        self.client_deadline = None if seconds is None else self.loop.call_later(seconds, self._too_slow)

    def _too_slow(self) -> None:
        self.client_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm(None)
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout_s)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout_s)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self.body_timeout_s)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._arm(None)


def uvicorn_config(*, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """How ``blueprint serve`` (and the tests' live server) runs the app."""
    return uvicorn.Config("api.app:create_app", factory=True, host=host, port=port, log_level=log_level,
                          http=TimedHttpProtocol, timeout_keep_alive=ServerSettings().keep_alive_timeout_s)
