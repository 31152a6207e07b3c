"""Uploaded files (issued documents and progress photos): size limits and a whitelist of types recognised
by their content, never by the name or the type the client claims.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from hashlib import sha256

from gis.messages import Message
from projects.supervision.errors import SupervisionInputError

DOCUMENT_TYPES = ("application/pdf", "application/ofd", "image/jpeg", "image/png")
"""PDF, OFD (GB/T 33190, the format of Chinese electronic licences) and scans."""
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return sha256(self.content).hexdigest()


def sniff(content: bytes) -> str | None:
    """The media type of ``content`` judged by its first bytes (an OFD is a ZIP holding ``OFD.xml``)."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "OFD.xml" in archive.namelist():
                    return "application/ofd"
        except zipfile.BadZipFile:
            return None
    return None


def safe_filename(name: str | None, fallback: str) -> str:
    """The last path part of ``name`` without control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip(" .")
    return name[:200] or fallback


def check_file(content: bytes, claimed_type: str | None, filename: str | None, *, allowed: tuple[str, ...],
               max_bytes: int, field: str) -> CheckedFile:
    """The file if it is non-empty, small enough and of an allowed type that matches what the client claims."""
    if not content:
        raise SupervisionInputError(field, Message("supervision.file_empty"))
    if len(content) > max_bytes:
        raise SupervisionInputError(field, Message("supervision.file_large", size=len(content), limit=max_bytes))
    actual = sniff(content)
    if actual not in allowed:
        raise SupervisionInputError(field, Message("supervision.file_type", allowed=list(allowed)))
    claimed = (claimed_type or "").split(";")[0].strip().lower()
    if claimed not in _GENERIC_TYPES and claimed != actual:
        raise SupervisionInputError(field, Message("supervision.file_claimed", claimed=claimed, actual=actual))
    extension = {"application/pdf": "pdf", "application/ofd": "ofd", "image/jpeg": "jpg", "image/png": "png",
                 "image/webp": "webp"}[actual]
    return CheckedFile(safe_filename(filename, f"{field}.{extension}"), actual, content)
