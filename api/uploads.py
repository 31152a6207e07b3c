"""Uploaded files: refused by their suffix, else copied under their own name, whose suffix says the format."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import UploadFile

from api.problems import ProblemError
from gis.messages import Message, Text, phrases

phrases("upload", unsupported=Text("不支持“{file}”：请上传{formats}", "{file}: upload {formats}"))


def save_upload(file: UploadFile, folder: Path, suffixes: tuple[str, ...], formats: Text) -> Path:
    """Copy ``file`` into ``folder`` under its own (base) name and return its path.

    A name not ending in one of ``suffixes`` is 415 (``formats`` says what to upload instead). The upload
    arrived on disk already, bounded by ``BLUEPRINT_MAX_UPLOAD_BYTES`` (api.app); readers need it under its
    own name.
    """
    filename = Path(file.filename or "upload").name
    if not filename.lower().endswith(suffixes):
        raise ProblemError(415, "unsupported-file", Message("upload.unsupported", file=filename, formats=formats))
    path = folder / filename
    with path.open("wb") as target:
        shutil.copyfileobj(file.file, target, 1 << 20)
    return path
