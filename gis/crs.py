"""Input coordinate reference systems: naming them, checking data against them, bringing data to WGS84.

Every layer and site arrives in a CRS the user names: an EPSG code pyproj knows (Xiamen's planning data is
usually CGCS2000, EPSG:4490, or its 3-degree Gauss-Krüger zone with central meridian 117°E, EPSG:4548) or
GCJ-02 (国测局坐标) for coordinates copied from Amap/Tencent web maps. The platform stores WGS84 lon/lat
(EPSG:4326); CGCS2000 and WGS84 differ by a few centimetres, which PROJ treats as a null transformation.

Axis order: this module always works with x = easting/longitude and y = northing/latitude (pyproj
``always_xy=True``), whatever order the EPSG definition lists, because GeoJSON and shapely are x-first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry.base import BaseGeometry

from gis.errors import SpatialInputError, UnknownCrsError
from gis.gcj02 import gcj02_to_wgs84
from gis.geometry import format_coords
from gis.messages import Message, Text, english_only, phrases

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
CGCS2000_GK_117E = "EPSG:4548"

GCJ02 = "GCJ02"
# GCJ-02 only exists in mainland China; outside it the web maps use plain WGS84.
_GCJ02_AREA_NAME = Text("中国大陆", "mainland China")
_GCJ02_AREA = (73.0, 18.0, 136.0, 54.0)
# Labels whose data already is WGS84 lon/lat, so no transformation is needed.
_WGS84_LABELS = frozenset({WGS84, "OGC:CRS84"})
# The area-of-use check is there to catch gross mistakes (wrong CRS, swapped axes, zeros). An EPSG area of use
# is a convention, and the maths stays exact a little beyond it: Xiamen reaches 118.5°E, the very edge of
# EPSG:4548, so data lapping over the edge by up to this many degrees is accepted.
AREA_OF_USE_MARGIN_DEG = 1.0

phrases(
    "crs",
    bd09=Text("不支持百度BD-09坐标，请导出为GCJ-02或WGS84",
              "Baidu BD-09 is not supported; export the data as GCJ-02 or WGS84"),
    proj_said=Text("PROJ无法解析该坐标系{said}", "PROJ says: {said}"),
    not_horizontal=Text("{type}“{name}”不是二维平面坐标系", "{type} {name!r} is not a 2D horizontal CRS"),
    the_geometry=Text("该几何", "The geometry"),
    feature=Text("第{index}个要素", "Feature {index}"),
    of_feature=Text("第{index}个要素的", " of feature {index}"),
    non_finite=Text("{subject}含有非有限数值的坐标（NaN或无穷大）{shown}，请删除或修正该节点。",
                    "{subject} has a coordinate that is not a finite number (NaN or infinity){shown}. "
                    "Remove or fix that vertex."),
    shown=Text("：（{point}）", ": ({point})"),
    lat_lon_swapped=Text("坐标疑似经纬度颠倒：{of}第一个点为（{point}）；GeoJSON与本平台均要求经度在前（x为经度）。",
                         "Coordinates look like latitude/longitude swapped: the first point{of} is ({point}); "
                         "GeoJSON and this platform use longitude first (x = longitude)."),
    north_east_swapped=Text("坐标疑似北坐标与东坐标颠倒：{of}第一个点为（{point}），而在{crs}中本平台要求x为东坐标、"
                            "y为北坐标（即使EPSG定义北坐标在前）。请交换两列。",
                            "Coordinates look like northing/easting swapped: the first point{of} is ({point}), but "
                            "in {crs} this platform takes x = easting and y = northing, even where the EPSG "
                            "definition lists northing first. Swap the two columns."),
    outside=Text("{subject}有一点位于（{point}），超出{crs}{name}的适用范围（{area}）。{hint}",
                 "{subject} has a point at ({point}), outside the area of use of {crs} ({name}): {area}. {hint}"),
    area=Text("{name}经度{west}至{east}、纬度{south}至{north}", "{name} ({west} to {east}, {south} to {north})"),
    hint_metres=Text("这些数值像是投影坐标（米）而不是度，请选择投影坐标系，如EPSG:4548（CGCS2000 3度带高斯-克吕格，"
                     "中央经线117°E）。",
                     "These look like projected metres, not degrees; name the projected CRS, e.g. EPSG:4548 "
                     "(CGCS2000 / 3-degree Gauss-Kruger CM 117E)."),
    hint_degrees=Text("这些数值像是经纬度（度），请选择地理坐标系，如EPSG:4490（CGCS2000）或EPSG:4326（WGS84）。",
                      "These look like longitude/latitude degrees; name a geographic CRS such as EPSG:4490 "
                      "(CGCS2000) or EPSG:4326 (WGS84)."),
    hint_zone_prefix=Text("东坐标{easting}前面似乎带有带号{zone}：请使用带带号的坐标系（如39带用EPSG:4527），"
                          "或去掉带号。",
                          "The easting {easting} looks like it carries the zone number {zone} in front; use the "
                          "zone-numbered CRS (e.g. EPSG:4527 for zone 39) or drop the prefix."),
    hint_no_zone=Text("东坐标前没有带号：请使用以中央经线命名的坐标系（如中央经线117°E用EPSG:4548），或加上带号。",
                      "The easting has no zone number in front; use the CRS named by central meridian (e.g. "
                      "EPSG:4548 for CM 117E) or add the prefix."),
    hint_check=Text("请检查所选坐标系是否与数据一致。", "Check that the CRS named matches the data."),
    transform_failed=Text("第{index}个要素无法从{crs}转换到WGS84（PROJ未返回有限数值）。请检查所选坐标系是否与数据一致。",
                          "Feature {index} could not be transformed from {crs} to WGS84 (PROJ returned no finite "
                          "result). Check that the CRS named matches the data."),
)

GeometryInput = TypeVar("GeometryInput", BaseGeometry, NDArray[np.object_])


@dataclass(frozen=True)
class InputCrs:
    """A CRS named by the user for incoming coordinates.

    ``label`` is the normalised name ("EPSG:4548", "OGC:CRS84", "GCJ02", or the PROJ/WKT text of a CRS
    without an authority code). For GCJ-02, ``crs`` is EPSG:4326, the geographic base it is offset from.
    """

    label: str
    is_gcj02: bool
    crs: pyproj.CRS


@dataclass(frozen=True)
class _AreaOfUse:
    """Where a CRS may be used: ``lonlat`` in degrees as published, ``box`` in the CRS's own x/y units with
    the margin added (a side without a finite limit is infinite)."""

    name: Text
    lonlat: tuple[float, float, float, float]
    box: tuple[float, float, float, float]

    def describe(self) -> Message:
        west, south, east, north = self.lonlat
        return Message("crs.area", name=self.name, west=_deg(west, "E", "W"), east=_deg(east, "E", "W"),
                       south=_deg(south, "N", "S"), north=_deg(north, "N", "S"))


def _published(name: str) -> Text:
    """An EPSG area of use's name: English only, so Chinese messages give the bounds alone."""
    return english_only(name.rstrip("."))


def _deg(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):g}°{positive if value >= 0 else negative}"


@lru_cache(maxsize=128)
def parse_crs(text: str | None, default: str = WGS84) -> InputCrs:
    """Parse a user-given CRS name (results are cached: building a pyproj CRS costs more than a screening's
    Python work).

    Accepts "EPSG:4490", "epsg:4548", a bare code "4326", GCJ-02 spelt "GCJ02"/"GCJ-02"/"gcj_02" (any case),
    OGC URNs/URLs such as "urn:ogc:def:crs:EPSG::4490" or "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    and anything else pyproj understands (PROJ strings, WKT). ``None`` or blank text means ``default``.
    Raises UnknownCrsError for anything unknown, and for CRSs that are not 2D horizontal (geocentric,
    vertical, ...).
    """
    raw = default if text is None or not text.strip() else text.strip()
    squashed = raw.upper().replace("-", "").replace("_", "").replace(" ", "")
    if squashed == GCJ02:
        return InputCrs(label=GCJ02, is_gcj02=True, crs=pyproj.CRS.from_user_input(WGS84))
    if squashed in {"BD09", "BD09LL", "BAIDU"}:
        raise UnknownCrsError(raw, Message("crs.bd09"))
    spec = f"EPSG:{raw}" if raw.isdigit() else raw
    try:
        crs = pyproj.CRS.from_user_input(spec)
    except CRSError as exc:
        raise UnknownCrsError(raw, Message("crs.proj_said", said=english_only(str(exc).split(": (")[0]))) from exc
    if crs.is_compound or not (crs.is_geographic or crs.is_projected):
        raise UnknownCrsError(raw, Message("crs.not_horizontal", type=crs.type_name, name=crs.name))
    authority = crs.to_authority(min_confidence=100)
    # An authority code is a faithful, short label; a CRS without one keeps its own definition as label.
    label = f"{authority[0]}:{authority[1]}" if authority else crs.srs
    return InputCrs(label=label, is_gcj02=False, crs=crs)


@lru_cache(maxsize=64)
def _to_wgs84_transformer(label: str) -> pyproj.Transformer:
    # pyproj Transformers are thread-safe since 3.1, so one cached instance serves every request thread.
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(label), WGS84, always_xy=True)


@lru_cache(maxsize=64)
def _area_of_use(label: str) -> _AreaOfUse | None:
    if label == GCJ02:
        return _AreaOfUse(_GCJ02_AREA_NAME, _GCJ02_AREA, _with_margin(_GCJ02_AREA))
    crs = pyproj.CRS.from_user_input(label)
    area = crs.area_of_use
    if area is None:
        return None
    lonlat = (area.west, area.south, area.east, area.north)
    if crs.is_geographic:
        return _AreaOfUse(_published(area.name), lonlat, _with_margin(lonlat))
    from_wgs84 = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    try:
        box = from_wgs84.transform_bounds(*_with_margin(lonlat), densify_pts=21)
        if not all(math.isfinite(v) for v in box):
            # The margin can reach a pole where e.g. Mercator is infinite; fall back to the published area.
            box = from_wgs84.transform_bounds(*lonlat, densify_pts=21)
    except ProjError:
        return None  # PROJ cannot project its own area of use: nothing sensible to check against
    west, south, east, north = (v if math.isfinite(v) else math.copysign(math.inf, s)
                                for v, s in zip(box, (-1, -1, 1, 1), strict=True))
    return _AreaOfUse(_published(area.name), lonlat, (west, south, east, north))


def _with_margin(lonlat: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    west, south, east, north = lonlat
    m = AREA_OF_USE_MARGIN_DEG
    if west <= east:
        west, east = max(west - m, -180.0), min(east + m, 180.0)
    else:  # crosses the antimeridian
        west, east = west - m, east + m
    return west, max(south - m, -90.0), east, min(north + m, 90.0)


def _inside(
    area: _AreaOfUse, is_geographic: bool, xmin: NDArray, ymin: NDArray, xmax: NDArray, ymax: NDArray
) -> NDArray[np.bool_]:
    west, south, east, north = area.box
    y_ok = (ymin >= south) & (ymax <= north)
    if is_geographic and west > east:  # an area across the antimeridian
        return y_ok & ((xmin >= west) | (xmax <= east))
    return y_ok & (xmin >= west) & (xmax <= east)


def _as_array(geoms: BaseGeometry | NDArray[np.object_]) -> NDArray[np.object_]:
    return np.atleast_1d(np.asarray(geoms, dtype=object))


def check_area_of_use(geoms: BaseGeometry | NDArray[np.object_], crs: InputCrs, first_index: int = 0) -> None:
    """Refuse coordinates that cannot be in ``crs``; ``geoms`` (one geometry or an array) are in that CRS.

    Raises SpatialInputError with slug
      - "non-finite-coordinate" for NaN or infinite coordinates,
      - "lat-lon-swapped" when the data lies outside the area of use but would lie inside it with x and y
        swapped (latitude/longitude, or northing/easting for a projected CRS),
      - "outside-crs-area" when it lies outside the CRS's area of use (for GCJ-02: mainland China,
        73–136°E, 18–54°N), widened by AREA_OF_USE_MARGIN_DEG.
    ``extra["feature_index"]`` is the index of the first offending feature (0 for a single geometry; counted
    from ``first_index`` when ``geoms`` is a slice of a layer) and ``location`` its first offending coordinate
    (input CRS). Works on feature bounding boxes, so 200,000
    features take one vectorised pass. Missing and empty geometries are skipped (validation reports them).
    A CRS without a published area of use (e.g. a bare PROJ string) is only checked for finite coordinates.
    """
    arr = _as_array(geoms)
    # Messages about an array name the feature; a single geometry is just "the geometry".
    def subject(index: int) -> Message:
        return Message("crs.the_geometry") if isinstance(geoms, BaseGeometry) else Message("crs.feature", index=index)

    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    bounds = shapely.bounds(arr)
    # GEOS skips NaN when building envelopes, so the vertices themselves are looked at.
    if not np.isfinite(shapely.get_coordinates(arr)).all():
        non_finite = ~np.isfinite(bounds).all(axis=1) | ~np.isfinite(shapely.length(arr))
        index = int(np.argmax(present & non_finite))
        coords = shapely.get_coordinates(arr[index])
        bad = coords[~np.isfinite(coords).all(axis=1)]
        shown = Message("crs.shown", point=format_coords(*bad[0])) if len(bad) else ""
        raise SpatialInputError(
            "non-finite-coordinate",
            Message("crs.non_finite", subject=subject(first_index + index), shown=shown),
            extra={"feature_index": first_index + index, "crs": crs.label},
        )
    area = _area_of_use(crs.label)
    if area is None:
        return
    is_geographic = crs.crs.is_geographic
    xmin, ymin, xmax, ymax = bounds.T
    outside = present & ~_inside(area, is_geographic, xmin, ymin, xmax, ymax)
    if not outside.any():
        return
    index = int(np.argmax(outside))
    coords = shapely.get_coordinates(arr[index])
    extra = {"feature_index": first_index + index, "crs": crs.label}
    if _inside(area, is_geographic, ymin[index], xmin[index], ymax[index], xmax[index]):
        first = (float(coords[0, 0]), float(coords[0, 1]))
        of = "" if isinstance(geoms, BaseGeometry) else Message("crs.of_feature", index=first_index + index)
        detail = Message("crs.lat_lon_swapped" if is_geographic else "crs.north_east_swapped", of=of,
                         point=format_coords(*first), crs=crs.label)
        raise SpatialInputError("lat-lon-swapped", detail, location=first, extra=extra)
    x, y = coords[:, 0], coords[:, 1]
    k = int(np.argmax(~_inside(area, is_geographic, x, y, x, y)))
    first = (float(x[k]), float(y[k]))
    name = english_only("GCJ-02" if crs.is_gcj02 else crs.crs.name)
    raise SpatialInputError(
        "outside-crs-area",
        Message("crs.outside", subject=subject(first_index + index), point=format_coords(*first), crs=crs.label,
                name=name, area=area.describe(), hint=_hint(first, crs)),
        location=first,
        extra=extra,
    )


def _hint(point: tuple[float, float], crs: InputCrs) -> Message:
    """A guess at the real mistake behind out-of-area coordinates, from the size of the numbers."""
    x, y = point
    looks_like_degrees = abs(x) <= 180 and abs(y) <= 90
    if not crs.crs.is_projected:
        if not looks_like_degrees:
            return Message("crs.hint_metres")
    elif looks_like_degrees:
        return Message("crs.hint_degrees")
    elif "Gauss-Kruger" in crs.crs.name:
        # Gauss-Krüger eastings are written with or without the zone number in front (39500000 vs 500000).
        if x >= 1e7:
            return Message("crs.hint_zone_prefix", easting=format_coords(x), zone=int(x // 1e6))
        if "zone" in crs.crs.name:
            return Message("crs.hint_no_zone")
    return Message("crs.hint_check")


def _gcj02_xy_to_wgs84(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack((lon, lat))


def to_wgs84(geoms: GeometryInput, crs: InputCrs) -> GeometryInput:
    """Reproject geometries from ``crs`` to WGS84 lon/lat (EPSG:4326, x = longitude), dropping Z.

    Takes one shapely geometry or a numpy array of them (None stays None) and returns the same shape.
    One vectorised pass over all coordinates; GCJ-02 is undone with gis.gcj02.gcj02_to_wgs84.
    """
    if crs.is_gcj02:
        return shapely.transform(geoms, _gcj02_xy_to_wgs84)
    if crs.label in _WGS84_LABELS:
        return shapely.force_2d(geoms) if shapely.has_z(geoms).any() else geoms
    transformer = _to_wgs84_transformer(crs.label)

    def project(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geoms, project)


def to_wgs84_checked(geoms: GeometryInput, crs: InputCrs, first_index: int = 0) -> GeometryInput:
    """check_area_of_use, then to_wgs84; also refuses a result with non-finite coordinates.

    Raises SpatialInputError (slugs as check_area_of_use, or "transform-failed"); feature indexes in messages
    count from ``first_index``.
    """
    check_area_of_use(geoms, crs, first_index)
    result = to_wgs84(geoms, crs)
    if crs.label in _WGS84_LABELS:
        return result
    arr = _as_array(result)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    failed = present & ~np.isfinite(shapely.bounds(arr)).all(axis=1)
    if failed.any():
        index = int(np.argmax(failed))
        raise SpatialInputError(
            "transform-failed",
            Message("crs.transform_failed", index=first_index + index, crs=crs.label),
            extra={"feature_index": first_index + index, "crs": crs.label},
        )
    return result


# --- Output CRSs (OGC API – Features – Part 2: CRS by reference) ----------------------------------------

OGC_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class ServedCrs:
    """A CRS the platform serves coordinates in, named by its OGC URI.

    ``srid`` is the PostGIS SRID to ``ST_Transform`` to; ``northing_first`` says the CRS's axis order (as
    its EPSG definition lists it) puts latitude/northing first, so coordinates are swapped after the
    transform; ``geographic`` CRSs are in degrees (7 decimals, about 1 cm), projected ones in metres
    (3 decimals, 1 mm). Only CRS84 is lon/lat; EPSG:4326 and EPSG:4490 (CGCS2000) are lat/lon, and
    EPSG:4548/4527 (CGCS2000 Gauss-Krüger 3° CM 117°E, without and with the zone-39 prefix on the
    easting) are northing, easting.
    """

    uri: str
    srid: int
    northing_first: bool
    geographic: bool
    name: str

    @property
    def decimals(self) -> int:
        return 7 if self.geographic else 3


def _served(uri: str, srid: int) -> ServedCrs:
    crs = pyproj.CRS.from_user_input(OGC_CRS84 if uri == OGC_CRS84 else f"EPSG:{srid}")
    northing_first = crs.axis_info[0].direction in ("north", "south")
    return ServedCrs(uri, srid, northing_first, crs.is_geographic, crs.name)


SERVED_CRS: tuple[ServedCrs, ...] = tuple(
    _served(uri, srid) for uri, srid in (
        (OGC_CRS84, 4326),
        (f"{_EPSG_URI}4326", 4326),
        (f"{_EPSG_URI}4490", 4490),
        (f"{_EPSG_URI}4548", 4548),
        (f"{_EPSG_URI}4527", 4527),
        (f"{_EPSG_URI}3857", 3857),
    )
)
"""Every CRS the OGC API offers for output (``crs``) and bounding boxes (``bbox-crs``); CRS84 first, the
default, as the platform stores WGS84 lon/lat."""
CRS84_SERVED = SERVED_CRS[0]


class UnservedCrsError(ValueError):
    """A CRS the OGC API does not serve; the message names the ones it does."""

    def __init__(self, text: str) -> None:
        super().__init__(Message("crs.unserved", crs=text, served=[c.uri for c in SERVED_CRS]))


phrases("crs", unserved=Text("不支持坐标系“{crs}”；请使用以下之一：{served}",
                             "{crs!r} is not a supported CRS; use one of {served}"))


def served_crs(text: str) -> ServedCrs:
    """The served CRS named ``text``: its OGC URI (http or https), a safe CURIE ``[EPSG:4490]``, or
    ``EPSG:4490`` / ``OGC:CRS84``; :class:`UnservedCrsError` for any other."""
    name = text.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    name = name.replace("https://", "http://", 1)
    authority, _, code = name.upper().partition(":")
    if code and authority == "EPSG" and code.isdigit():
        name = f"{_EPSG_URI}{int(code)}"
    elif code and authority == "OGC" and code == "CRS84":
        name = OGC_CRS84
    for crs in SERVED_CRS:
        if crs.uri == name:
            return crs
    raise UnservedCrsError(text)
