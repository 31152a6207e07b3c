"""Errors of the spatial core.

Each carries what a person needs to fix the input: a short title, a detail sentence and, where there is
one, a location (lon, lat in the input CRS). The API maps them to RFC 9457 problem details; the CLI prints
them. ``slug`` becomes the problem ``type`` URI, so clients can tell one problem from another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _restored(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class PicklableError(Exception):
    """An error pickled as its fields rather than through ``__init__`` (whose arguments differ from class to
    class), so that one raised in a worker process reaches the server's problem handlers unchanged."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _restored, (type(self), self.args, self.__dict__)


@dataclass
class SpatialInputError(PicklableError, ValueError):
    """Input that the spatial core refuses; never written anywhere."""

    slug: str
    title: str
    detail: str
    location: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail


class UnknownCrsError(SpatialInputError):
    def __init__(self, crs: str, reason: str = "") -> None:
        super().__init__(
            "unknown-crs",
            "Unknown coordinate reference system",
            f"CRS {crs!r} is not known. Use an EPSG code such as EPSG:4490 (CGCS2000), EPSG:4548 "
            f"(CGCS2000 / 3-degree Gauss-Kruger CM 117E), EPSG:4326 (WGS84), or GCJ02 for coordinates "
            f"copied from Chinese web maps." + (f" ({reason})" if reason else ""),
            extra={"crs": crs},
        )
