"""A position typed by a person (定位坐标): two numbers, read in the order and the CRS their size tells.

What planners paste into a search box: WGS84 or CGCS2000 longitude and latitude in degrees, in either order
(``118.09, 24.48`` or ``24.48, 118.09``, optionally with ``°`` and a hemisphere letter ``N``/``E``), or
CGCS2000 3-degree Gauss-Krüger metres, easting and northing in either order: without a zone number in front
of the easting (``590000, 2708000``) they are read in the zone of the planning area, central meridian 117°E
(EPSG:4548); with it (``39590000, 2708000``) in the zone it names (EPSG:4513–4533 for zones 25–45, e.g.
EPSG:4527 for zone 39). A CRS written first (``EPSG:4548 590000 2708000``, ``GCJ02 118.1 24.5``) is taken as
named, x (easting, longitude) first. CGCS2000 and WGS84 lon/lat differ by centimetres: one reading serves both.

The order is detected only where it is unambiguous: a longitude above 90° (all of China), a northing of seven
digits against an easting of six (or eight with the zone), or, for two values both within ±90°, the one
order that falls in mainland China. Anything else is refused as ambiguous, with how to write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shapely.geometry import Point

from gis.crs import CGCS2000_GK_117E, WGS84, InputCrs, parse_crs, to_wgs84_checked
from gis.errors import SpatialInputError
from gis.messages import Message, Text, phrases

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_VALUE = rf"(?P<{{name}}>{_NUMBER})\s*°?\s*(?P<{{name}}_h>[NSEWnsew])?"
_POSITION = re.compile(
    r"^\s*(?:(?P<crs>EPSG\s*:\s*\d{4,6}|GCJ-?02)\s*[,;:]?\s*)?"
    + _VALUE.format(name="a") + r"\s*(?:[,，;；/]|\s)\s*" + _VALUE.format(name="b") + r"\s*$",
    re.IGNORECASE,
)

CHINA_LONLAT = (73.0, 18.0, 136.0, 54.0)
"""Mainland China (west, south, east, north degrees), where an order of two values under 90° is looked for."""
GK_ZONED_FIRST_EPSG, GK_ZONED_ZONES = 4513, range(25, 46)
"""EPSG:4513 is CGCS2000 / 3-degree Gauss-Kruger zone 25; the codes run on to zone 45 (EPSG:4533)."""
_EASTING_MAX = 1e6  # a Gauss-Krüger easting without zone is under 1,000 km (false easting 500 km)
_NORTHING_MIN = 1e6  # northings of 1,000 km and more: latitudes above 9°N, all of China


@dataclass(frozen=True)
class Position:
    """A point in WGS84 (``lon``, ``lat`` degrees), and as it was typed: ``x``, ``y`` in ``crs`` (x = easting
    or longitude), ``swapped`` when it was typed y first (latitude/northing first)."""

    lon: float
    lat: float
    crs: str
    x: float
    y: float
    swapped: bool

    def as_dict(self) -> dict[str, object]:
        return {"lon": self.lon, "lat": self.lat, "crs": self.crs, "x": self.x, "y": self.y, "swapped": self.swapped}


phrases(
    "position",
    ambiguous=Text("“{text}”被读作两个坐标，但{reason}。请用带半球字母的经纬度（118.09E 24.48N），或把坐标系写在前面、"
                   "x（东坐标、经度）在先：'EPSG:4326 118.09 24.48'、'EPSG:4548 590000 2708000'。",
                   "{text!r} is read as two coordinates, but {reason}. Write longitude and latitude with hemisphere "
                   "letters (118.09E 24.48N), or put the CRS first and x (easting, longitude) second: "
                   "'EPSG:4326 118.09 24.48', 'EPSG:4548 590000 2708000'."),
    metres=Text("半球字母只用于度数，而这些是米", "hemisphere letters go with degrees, and these are metres"),
    same_letters=Text("两个值带有同一类字母（N/S或E/W）", "both values carry a letter of the same kind (N/S or E/W)"),
    above_90=Text("两个值都大于90°，都不可能是纬度", "both values are above 90°, so neither is a latitude"),
    either_order=Text("两个值都在±90°以内，哪个是经度都有可能",
                      "both are within ±90° and either order could be longitude first"),
    no_zone=Text("前面带带号{zone}的东坐标不属于CGCS2000三度带（25至45带）",
                 "an easting with zone number {zone} in front is no CGCS2000 3-degree zone (25 to 45)"),
    no_northing=Text("没有一个值是与六位（或带带号的八位）东坐标相配的七位高斯-克吕格北坐标",
                     "neither value is a Gauss-Krüger northing of seven digits beside an easting of six (or eight, "
                     "with the zone number in front)"),
)


class AmbiguousPositionError(SpatialInputError):
    def __init__(self, text: str, reason: Message) -> None:
        super().__init__("ambiguous-coordinates", Message("position.ambiguous", text=text, reason=reason),
                         extra={"input": text})


def read_position(text: str) -> Position | None:
    """The position ``text`` writes, or None when it is not two numbers (so it is no position at all).

    Raises :class:`AmbiguousPositionError` when the order or the CRS cannot be told, and the
    :func:`gis.crs.to_wgs84_checked` errors (``outside-crs-area``, ``lat-lon-swapped``, ``unknown-crs``)
    when the numbers do not fit the CRS they were read in.
    """
    match = _POSITION.match(text)
    if match is None:
        return None
    a, b = float(match["a"]), float(match["b"])
    if match["crs"]:
        crs = parse_crs(re.sub(r"\s", "", match["crs"]))
        return _position(a, b, crs, swapped=False)
    hemispheres = ((match["a_h"] or "").upper(), (match["b_h"] or "").upper())
    if abs(a) <= 180 and abs(b) <= 180:
        return _degrees(text, a, b, hemispheres)
    if any(hemispheres):
        raise AmbiguousPositionError(text, Message("position.metres"))
    return _gauss_kruger(text, a, b)


def _position(x: float, y: float, crs: InputCrs, *, swapped: bool) -> Position:
    point = to_wgs84_checked(Point(x, y), crs)
    return Position(float(point.x), float(point.y), crs.label, x, y, swapped)


def _in_china(lon: float, lat: float) -> bool:
    west, south, east, north = CHINA_LONLAT
    return west <= lon <= east and south <= lat <= north


def _degrees(text: str, a: float, b: float, hemispheres: tuple[str, str]) -> Position:
    wgs84 = parse_crs(WGS84)
    kinds = tuple("lat" if h in ("N", "S") else "lon" if h in ("E", "W") else "" for h in hemispheres)
    if any(kinds):
        if kinds[0] == kinds[1]:
            raise AmbiguousPositionError(text, Message("position.same_letters"))
        lat_first = kinds[0] == "lat" or kinds[1] == "lon"
        lon, lat = (b, a) if lat_first else (a, b)
        lon = -abs(lon) if "W" in hemispheres else lon
        lat = -abs(lat) if "S" in hemispheres else lat
        return _position(lon, lat, wgs84, swapped=lat_first)
    if abs(a) > 90 >= abs(b):
        return _position(a, b, wgs84, swapped=False)
    if abs(b) > 90 >= abs(a):
        return _position(b, a, wgs84, swapped=True)
    if abs(a) > 90:
        raise AmbiguousPositionError(text, Message("position.above_90"))
    fits = [_in_china(a, b), _in_china(b, a)]
    if fits == [True, False]:
        return _position(a, b, wgs84, swapped=False)
    if fits == [False, True]:
        return _position(b, a, wgs84, swapped=True)
    raise AmbiguousPositionError(text, Message("position.either_order"))


def _gauss_kruger(text: str, a: float, b: float) -> Position:
    for easting, northing, swapped in ((a, b, False), (b, a, True)):
        if 1e7 <= easting < 1e8 and _NORTHING_MIN <= northing < 1e7:
            zone = int(easting // 1e6)
            if zone not in GK_ZONED_ZONES:
                raise AmbiguousPositionError(text, Message("position.no_zone", zone=zone))
            crs = parse_crs(f"EPSG:{GK_ZONED_FIRST_EPSG + zone - GK_ZONED_ZONES.start}")
            return _position(easting, northing, crs, swapped=swapped)
    for easting, northing, swapped in ((a, b, False), (b, a, True)):
        if 0 < easting < _EASTING_MAX <= northing < 1e7:
            return _position(easting, northing, parse_crs(CGCS2000_GK_117E), swapped=swapped)
    raise AmbiguousPositionError(text, Message("position.no_northing"))
