"""HTTP server settings: where the platform listens, how much a request may bring, and how it says
it is busy."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 200 * 1024 * 1024
    """Largest request body of all, a file upload (multipart: a planning layer, a document, a photo)."""
    max_json_bytes: int = 20 * 1024 * 1024
    """Largest JSON body (a site of 100,000 vertices is about 4 MB)."""
    header_timeout_s: float = 10.0
    """A client has this long, from connecting or from a request's first byte, to send all its headers."""
    body_timeout_s: float = 30.0
    """A client may pause this long between two pieces of a body (an upload on a slow link keeps going)."""
    keep_alive_timeout_s: int = 5
    """An idle keep-alive connection is closed after this long."""
    busy_retry_after_s: int = 10
    """``Retry-After`` (s) of a 503 answered when work ran past its timeout or waited too long for a slot."""
