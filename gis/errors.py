"""Errors of the spatial core.

Each carries what a person needs to fix the input: a detail :class:`~gis.messages.Message` (rendered in
the caller's language by the API, in English by the CLI) and, where there is one, a location (lon, lat in
the input CRS). ``slug`` becomes the problem ``type`` URI, whose title the API keeps, so clients can tell one
problem from another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gis.messages import Message, Text, phrases


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
    detail: Message
    location: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def __str__(self) -> str:
        return str(self.detail)


phrases(
    "crs",
    unknown=Text("无法识别坐标系“{crs}”。请使用EPSG代码，如EPSG:4490（CGCS2000）、EPSG:4548（CGCS2000 3度带"
                 "高斯-克吕格，中央经线117°E）、EPSG:4326（WGS84），网络地图（高德、腾讯）复制的坐标请选GCJ02。{reason}",
                 "CRS {crs!r} is not known. Use an EPSG code such as EPSG:4490 (CGCS2000), EPSG:4548 (CGCS2000 / "
                 "3-degree Gauss-Kruger CM 117E), EPSG:4326 (WGS84), or GCJ02 for coordinates copied from Chinese "
                 "web maps.{reason}"),
    reason=Text("（{reason}）", " ({reason})"),
)


class UnknownCrsError(SpatialInputError):
    def __init__(self, crs: str, reason: Message | None = None) -> None:
        super().__init__(
            "unknown-crs",
            Message("crs.unknown", crs=crs, reason=Message("crs.reason", reason=reason) if reason else ""),
            extra={"crs": crs},
        )
