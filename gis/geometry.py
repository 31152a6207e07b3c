"""Parsing and validating polygon input (shapely 2): GeoJSON sites, imported layer features.

Nothing here knows the CRS: geometries stay in whatever CRS they came in, and locations in messages are in
that CRS (x first). Rings are numbered as given: ring 0 is a polygon's outer boundary, rings 1, 2, ... its
holes; in a MultiPolygon, polygons are numbered from 0 too.

A person must be able to fix what is refused, so every refusal says what is wrong and where, e.g.
"polygon 1, ring 0 self-intersects at 118.1, 24.5".
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.errors import GEOSException
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from shapely.geometry.base import BaseGeometry

from gis.errors import SpatialInputError
from gis.messages import Message, Text, english_only, phrases

# GEOS type ids (shapely.get_type_id)
_POINT, _LINESTRING, _LINEARRING, _POLYGON, _MULTIPOLYGON, _COLLECTION = 0, 1, 2, 3, 6, 7
_HELD = {_POINT: Text("点", "points"), _LINESTRING: Text("未闭合的线", "open lines"),
         _LINEARRING: Text("未闭合的线", "open lines")}
"""What a file's non-polygonal features are called in a refusal."""

# Example nesting of each GeoJSON geometry type's "coordinates", quoted when the nesting is wrong.
_NESTING = {
    "Point": Text("[x, y]", "[x, y]"),
    "MultiPoint": Text("[[x, y], ...]", "[[x, y], ...]"),
    "LineString": Text("[[x, y], [x, y], ...]", "[[x, y], [x, y], ...]"),
    "MultiLineString": Text("[[[x, y], ...], ...]（线的列表）", "[[[x, y], ...], ...] (a list of lines)"),
    "Polygon": Text("[[[x, y], ...], ...]（环的列表，外环在前）",
                    "[[[x, y], ...], ...] (a list of rings, the outer ring first)"),
    "MultiPolygon": Text("[[[[x, y], ...], ...], ...]（面的列表）", "[[[[x, y], ...], ...], ...] (a list of polygons)"),
}
_GEOMETRY_TYPES = (*_NESTING, "GeometryCollection")
# GeometryCollections may nest; real sites never go deeper than this.
_MAX_COLLECTION_DEPTH = 8


def format_coords(*values: float) -> str:
    """Coordinates for messages: up to 8 decimals (1 mm in degrees), trailing zeros dropped."""
    return ", ".join(f"{v:.8f}".rstrip("0").rstrip(".") if math.isfinite(v) else str(v) for v in values)


# --------------------------------------------------------------------------------------------------- GeoJSON

phrases(
    "geojson",
    at=Text("{message}（位置：{path}）", "{message} (at {path})"),
    null=Text("空值null", "null"),
    boolean=Text("布尔值{value}", "{value}"),
    number=Text("数值 {value!r}", "the number {value!r}"),
    string=Text("字符串 {value!r}", "the string {value!r}"),
    list=Text("含{count}项的列表", "a list of {count} item(s)"),
    object=Text("对象", "an object"),
    other=Text("{name}类型的值", "{name}"),
    position_not_finite=Text("某个位置的坐标不是有限数值", "a position has a coordinate that is not a finite number"),
    number_for_position=Text("此处应为位置 [x, y]，却是一个数值；{kind}的坐标嵌套方式为 {nesting}",
                             "found a number where a position [x, y] was expected; {kind} coordinates are nested "
                             "as {nesting}"),
    lists_for_position=Text("此处应为位置 [x, y]，却是列表的列表；{kind}的坐标嵌套方式为 {nesting}",
                            "found a list of lists where a position [x, y] was expected; {kind} coordinates are "
                            "nested as {nesting}"),
    coordinate_not_number=Text("坐标必须是数值，实际为{got}", "a coordinate must be a number, got {got}"),
    position_form=Text("位置必须是含两个数值的 [x, y]，实际为{got}",
                       "a position must be [x, y] with two numbers, got {got}"),
    expected_list=Text("此处应为{what}的列表（{kind}的坐标嵌套方式为 {nesting}），实际为{got}",
                       "expected a list of {what} ({kind} coordinates are nested as {nesting}), got {got}"),
    positions=Text("位置", "positions"),
    rings=Text("环", "rings"),
    lines=Text("线", "lines"),
    polygons=Text("面", "polygons"),
    line_too_short=Text("线至少需要2个位置，实际只有1个", "a line needs at least 2 positions, got 1"),
    ring_too_short=Text("第{ring}环只有{count}个位置；闭合环至少需要4个（3个角点，末尾重复第一个点）",
                        "ring {ring} has {count} position(s); a closed ring needs at least 4 (3 corners and the "
                        "first repeated at the end)"),
    ring_not_closed=Text("第{ring}环未闭合：起点为 {start}，终点为 {end}；请在末尾重复第一个位置",
                         "ring {ring} is not closed: it starts at {start} but ends at {end}; repeat the first "
                         "position at the end"),
    expected_geometry=Text("此处应为GeoJSON几何对象，实际为{got}", "expected a GeoJSON geometry object, got {got}"),
    too_deep=Text("GeometryCollection嵌套超过{depth}层", "GeometryCollections nested more than {depth} deep"),
    geometries_list=Text("GeometryCollection需要“geometries”列表，实际为{got}",
                         "a GeometryCollection needs a 'geometries' list, got {got}"),
    no_coordinates=Text("{kind}没有“coordinates”成员", "{kind} has no 'coordinates' member"),
    no_type=Text("对象没有“type”成员", "the object has no 'type' member"),
    case_hint=Text("；GeoJSON类型区分大小写，是否应为“{close}”？",
                   "; GeoJSON types are case-sensitive, did you mean {close!r}?"),
    expected_hint=Text("；应为以下之一：{allowed}", "; expected one of {allowed}"),
    unknown_type=Text("未知类型“{kind}”{hint}", "unknown type {kind!r}{hint}"),
    not_json=Text("不是有效的JSON：第{line}行第{column}列有误{reason}",
                  "not valid JSON: {reason} at line {line}, column {column}"),
    bad_number=Text("{value} 不是有效的JSON数值", "{value} is not a valid JSON number"),
    nested_too_deeply=Text("JSON嵌套过深", "JSON nested too deeply"),
    expected_object=Text("此处应为GeoJSON对象，实际为{got}", "expected a GeoJSON object, got {got}"),
    features_list=Text("FeatureCollection需要“features”列表，实际为{got}",
                       "a FeatureCollection needs a 'features' list, got {got}"),
    one_feature=Text("应恰好有一个要素，实际有{count}个；选址是一个Polygon或MultiPolygon，请将各部分合并为一个MultiPolygon",
                     "expected exactly one feature, got {count}; a site is one Polygon or MultiPolygon, so put its "
                     "parts into one MultiPolygon"),
    expected_feature=Text("此处应为Feature，实际为{got}", "expected a Feature, got {got}"),
    no_geometry=Text("Feature没有“geometry”成员", "the Feature has no 'geometry' member"),
    null_geometry=Text("Feature的几何为null；选址需要Polygon或MultiPolygon。",
                       "The Feature's geometry is null; a site needs a Polygon or MultiPolygon."),
    cannot_build=Text("无法构建该几何{reason}", "the geometry cannot be built: {reason}"),
)


def _malformed(path: str, message: Message) -> SpatialInputError:
    return SpatialInputError(
        "malformed-geojson",
        Message("geojson.at", message=message, path=path) if path != "$" else message,
        extra={"path": path},
    )


class _NonFiniteJsonNumber(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    # Python's json accepts NaN/Infinity, which are not JSON and not coordinates.
    raise _NonFiniteJsonNumber(name)


def _json_kind(value: Any) -> Message:
    if value is None:
        return Message("geojson.null")
    if isinstance(value, bool):
        return Message("geojson.boolean", value=str(value).lower())
    if isinstance(value, int | float):
        return Message("geojson.number", value=value)
    if isinstance(value, str):
        return Message("geojson.string", value=value[:40])
    if isinstance(value, list | tuple):
        return Message("geojson.list", count=len(value))
    if isinstance(value, dict):
        return Message("geojson.object")
    return Message("geojson.other", name=type(value).__name__)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _position(value: Any, path: str, kind: str) -> tuple[float, float]:
    if isinstance(value, list | tuple) and len(value) >= 2 and _is_number(value[0]) and _is_number(value[1]):
        x, y = float(value[0]), float(value[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise _malformed(path, Message("geojson.position_not_finite"))
        return x, y
    if _is_number(value):
        raise _malformed(path, Message("geojson.number_for_position", kind=kind, nesting=_NESTING[kind]))
    if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
        raise _malformed(path, Message("geojson.lists_for_position", kind=kind, nesting=_NESTING[kind]))
    if isinstance(value, list | tuple) and len(value) >= 2:
        i = 0 if not _is_number(value[0]) else 1
        raise _malformed(f"{path}[{i}]", Message("geojson.coordinate_not_number", got=_json_kind(value[i])))
    raise _malformed(path, Message("geojson.position_form", got=_json_kind(value)))


def _list(value: Any, path: str, kind: str, what: str) -> list[Any]:
    """``value`` as a list of ``what`` (positions, rings, lines, polygons)."""
    if not isinstance(value, list | tuple):
        raise _malformed(path, Message("geojson.expected_list", what=Message(f"geojson.{what}"), kind=kind,
                                       nesting=_NESTING[kind], got=_json_kind(value)))
    return list(value)


_PLAIN_POSITIONS_FROM = 64
"""From this many positions on, a list of plain ``[x, y]`` positions is converted by numpy at once."""


def _plain_positions(items: list[Any]) -> NDArray[np.float64] | None:
    """``items`` as an (n, 2) array when every position is ``[x, y]`` of finite numbers, else None.

    A site of 99,000 vertices took 0.3-0.5 s position by position, holding the interpreter that every other
    request of the process needs; numpy converts it in milliseconds. Anything else (a third coordinate on
    some positions only, a boolean, a string) is left to the checks position by position and their messages.
    """
    if len(items) < _PLAIN_POSITIONS_FROM:
        return None
    try:
        coords = np.array(items, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if coords.ndim != 2 or coords.shape[1] != 2 or not np.isfinite(coords).all():
        return None
    # numpy reads true and "1.5" as numbers; GeoJSON coordinates are numbers only.
    if not {type(c) for position in items for c in position} <= {float, int}:
        return None
    return coords


def _positions(value: Any, path: str, kind: str) -> list[tuple[float, float]] | NDArray[np.float64]:
    items = _list(value, path, kind, "positions")
    plain = _plain_positions(items)
    if plain is not None:
        return plain
    return [_position(v, f"{path}[{i}]", kind) for i, v in enumerate(items)]


def _line(value: Any, path: str, kind: str) -> list[tuple[float, float]] | NDArray[np.float64]:
    points = _positions(value, path, kind)
    if len(points) == 1:
        raise _malformed(path, Message("geojson.line_too_short"))
    return points


def _ring(value: Any, path: str, ring: int) -> list[tuple[float, float]] | NDArray[np.float64]:
    points = _positions(value, path, "Polygon")
    if len(points) < 4:
        raise _malformed(path, Message("geojson.ring_too_short", ring=ring, count=len(points)))
    if tuple(points[0]) != tuple(points[-1]):
        raise _malformed(path, Message("geojson.ring_not_closed", ring=ring, start=format_coords(*points[0]),
                                       end=format_coords(*points[-1])))
    return points


def _polygon(value: Any, path: str) -> Polygon:
    rings = [_ring(r, f"{path}[{i}]", i) for i, r in enumerate(_list(value, path, "Polygon", "rings"))]
    return Polygon(rings[0], rings[1:]) if rings else Polygon()


def _geometry(obj: Any, path: str, depth: int = 0) -> BaseGeometry:
    if not isinstance(obj, dict):
        raise _malformed(path, Message("geojson.expected_geometry", got=_json_kind(obj)))
    kind = obj.get("type")
    if kind == "GeometryCollection":
        if depth >= _MAX_COLLECTION_DEPTH:
            raise _malformed(path, Message("geojson.too_deep", depth=_MAX_COLLECTION_DEPTH))
        members = obj.get("geometries")
        if not isinstance(members, list):
            raise _malformed(path, Message("geojson.geometries_list", got=_json_kind(members)))
        return GeometryCollection(
            [_geometry(m, f"{path}.geometries[{i}]", depth + 1) for i, m in enumerate(members)]
        )
    if not isinstance(kind, str) or kind not in _NESTING:
        raise _unknown_type(kind, path, _GEOMETRY_TYPES)
    if "coordinates" not in obj:
        raise _malformed(path, Message("geojson.no_coordinates", kind=kind))
    coords, at = obj["coordinates"], f"{path}.coordinates"
    match kind:
        case "Point":
            return Point() if coords == [] else Point(_position(coords, at, kind))
        case "MultiPoint":
            return MultiPoint(_positions(coords, at, kind))
        case "LineString":
            return LineString(_line(coords, at, kind))
        case "MultiLineString":
            lines = _list(coords, at, kind, "lines")
            return MultiLineString([_line(v, f"{at}[{i}]", kind) for i, v in enumerate(lines)])
        case "Polygon":
            return _polygon(coords, at)
        case _:  # MultiPolygon
            polygons = _list(coords, at, kind, "polygons")
            return MultiPolygon([_polygon(v, f"{at}[{i}]") for i, v in enumerate(polygons)])


def _unknown_type(kind: Any, path: str, allowed: tuple[str, ...]) -> SpatialInputError:
    if kind is None:
        return _malformed(path, Message("geojson.no_type"))
    close = [t for t in allowed if isinstance(kind, str) and t.lower() == kind.lower()]
    hint = Message("geojson.case_hint", close=close[0]) if close else \
        Message("geojson.expected_hint", allowed=list(allowed))
    return _malformed(path, Message("geojson.unknown_type", kind=kind, hint=hint))


def parse_geojson_geometry(obj: dict[str, Any] | str | bytes) -> BaseGeometry:
    """Parse one GeoJSON geometry (RFC 7946) into a 2D shapely geometry, in the CRS it was written in.

    Accepts a geometry object, a Feature, or a FeatureCollection with exactly one feature, as a dict or as
    JSON text. Z values and further position members are dropped: plans are 2D. A foreign ``crs`` member
    (GeoJSON 2008) is ignored; the caller names the CRS. Raises SpatialInputError slug "malformed-geojson"
    (with the JSON path in ``extra["path"]``) for anything malformed, including unclosed rings and rings or
    lines with too few positions, and "empty-geometry" for a Feature whose geometry is null.
    """
    if isinstance(obj, str | bytes):
        try:
            obj = json.loads(obj, parse_constant=_refuse_constant)
        except json.JSONDecodeError as exc:
            raise _malformed("$", Message("geojson.not_json", reason=english_only(exc.msg), line=exc.lineno,
                                          column=exc.colno)) from exc
        except _NonFiniteJsonNumber as exc:
            raise _malformed("$", Message("geojson.bad_number", value=str(exc))) from exc
        except RecursionError as exc:
            raise _malformed("$", Message("geojson.nested_too_deeply")) from exc
    if not isinstance(obj, dict):
        raise _malformed("$", Message("geojson.expected_object", got=_json_kind(obj)))
    path = "$"
    if obj.get("type") == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise _malformed(path, Message("geojson.features_list", got=_json_kind(features)))
        if len(features) != 1:
            raise _malformed(path, Message("geojson.one_feature", count=len(features)))
        obj, path = features[0], "$.features[0]"
        if not isinstance(obj, dict) or obj.get("type") != "Feature":
            raise _malformed(path, Message("geojson.expected_feature", got=_json_kind(obj)))
    if obj.get("type") == "Feature":
        if "geometry" not in obj:
            raise _malformed(path, Message("geojson.no_geometry"))
        path = f"{path}.geometry"
        obj = obj["geometry"]
        if obj is None:
            raise SpatialInputError("empty-geometry", Message("geojson.null_geometry"))
    elif obj.get("type") not in _GEOMETRY_TYPES:
        raise _unknown_type(obj.get("type"), path, ("Feature", "FeatureCollection", *_GEOMETRY_TYPES))
    try:
        return _geometry(obj, path)
    except SpatialInputError:
        raise
    except (GEOSException, ValueError, TypeError) as exc:
        # Structure was checked above, so this is a defect of the input we did not foresee, not a crash.
        raise _malformed(path, Message("geojson.cannot_build", reason=english_only(str(exc)))) from exc


# ---------------------------------------------------------------------------------------------- invalidity


@dataclass
class GeometryIssue:
    """One thing wrong with one feature: its index in the input (None for a single geometry), a sentence
    saying what and where, and the coordinate concerned in the input CRS."""

    index: int | None
    reason: Message
    location: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "reason": self.reason,
            "location": list(self.location) if self.location is not None else None,
        }


_GEOS_REASON = re.compile(r"^(?P<kind>[^\[]*?)\s*\[(?P<coords>[^\]]*)\]\s*$")


@dataclass(frozen=True)
class _Ring:
    part: int  # polygon index within a multi-geometry, 0 for a single polygon
    ring: int  # 0 = outer ring, 1.. = holes


@dataclass
class _Invalidity:
    kind: str  # GEOS's reason without the location, lower case, e.g. "self-intersection"
    issue: GeometryIssue


def _polygon_parts(geom: BaseGeometry) -> tuple[list[Polygon | None], str]:
    """The polygons a geometry's rings live in (None for non-polygon parts), and the word for a part
    (a ``validity`` message name: ``polygon`` or ``part``; empty for a lone polygon)."""
    if isinstance(geom, Polygon):
        return [geom], ""
    if isinstance(geom, MultiPolygon | GeometryCollection):
        word = "polygon" if isinstance(geom, MultiPolygon) else "part"
        return [g if isinstance(g, Polygon) else None for g in geom.geoms], word
    return [], ""


def _rings_at(geom: BaseGeometry, kind: str, location: tuple[float, float] | None) -> list[_Ring]:
    """The rings GEOS's complaint is about: those through ``location`` (a finite point), or for complaints
    about too few points or non-finite coordinates, the rings that have them."""
    parts, _ = _polygon_parts(geom)
    refs: list[_Ring] = []
    rings: list[BaseGeometry] = []
    for p, polygon in enumerate(parts):
        if polygon is not None and not polygon.is_empty:
            for r, ring in enumerate([polygon.exterior, *polygon.interiors]):
                refs.append(_Ring(p, r))
                rings.append(ring)
    if not rings:
        return []
    if kind == "invalid coordinate":
        return [ref for ref, ring in zip(refs, rings, strict=True)
                if not np.isfinite(shapely.get_coordinates(ring)).all()]
    if kind.startswith("too few"):
        return [ref for ref, ring in zip(refs, rings, strict=True)
                if len(np.unique(shapely.get_coordinates(ring), axis=0)) < 3]
    if location is None:
        return []
    distances = shapely.distance(np.array(rings, dtype=object), Point(location))
    # GEOS computes crossing points in floating point; allow a relative error far below any real feature.
    scale = max(1.0, *(abs(v) for v in location))
    return [ref for ref, d in zip(refs, distances, strict=True) if d <= 1e-9 * scale]


phrases(
    "validity",
    ring=Text("第{ring}环", "ring {ring}"),
    polygon=Text("第{part}个面", "polygon {part}"),
    part=Text("第{part}部分", "part {part}"),
    polygon_ring=Text("{part}的第{ring}环", "{part}, ring {ring}"),
    both=Text("{first}与{second}", "{first} and {second}"),
    at=Text("（位于 {point}）", " at {point}"),
    whole=Text("该{type}", "the {type}"),
    the_polygon=Text("该面", "the polygon"),
    parts_overlap=Text("{parts}相互重叠{at}；{type}的各个面只能在点上相接",
                       "{parts} overlap{at}; the polygons of a {type} may only touch at points"),
    rings_cross=Text("{subject}相互交叉或重叠{at}", "{subject} cross or overlap{at}"),
    self_intersects=Text("{subject}自相交{at}", "{subject} self-intersects{at}"),
    touches_itself=Text("{subject}自身相接{at}；一个环不能两次经过同一点",
                        "{subject} touches itself{at}; a ring may not pass through the same point twice"),
    hole_outside=Text("{subject}是位于外环（第0环）之外的洞{at}",
                      "{subject} is a hole lying outside its outer ring (ring 0){at}"),
    holes_nested=Text("{subject}是位于另一个洞内的洞{at}；洞不能嵌套",
                      "{subject} is a hole inside another hole{at}; holes may not nest"),
    interior_disconnected=Text("{polygon}的洞将其内部分割成互不相连的几块{at}",
                               "the holes of {polygon} cut its interior into separate pieces{at}"),
    lies_inside=Text("{inner}位于{outer}之内", "{inner} lies inside {outer}"),
    one_inside_another=Text("一个面位于另一个面之内", "one polygon lies inside another"),
    nested_shells=Text("{pair}{at}；{type}的各个面不能嵌套", "{pair}{at}; the polygons of a {type} may not nest"),
    too_few_points=Text("{subject}的不同点太少{at}{need}", "{subject} has too few distinct points{at}{need}"),
    need_corners=Text("（一个环至少需要3个不同的角点）", " (a ring needs at least 3 distinct corners)"),
    not_finite=Text("{subject}含有非有限数值的坐标（NaN或无穷大）",
                    "{subject} has a coordinate that is not a finite number (NaN or infinity)"),
    other=Text("{subject}无效（{kind}）{at}", "{subject} is invalid ({kind}){at}"),
    empty=Text("几何为空", "empty geometry"),
    not_polygon=Text("不是面（实际为{got}）", "not a polygon (got {got})"),
    repair_left_nothing=Text("{reason}；修复后没有剩下任何面", "{reason}; repair left no polygon"),
)


def _part(word: str, part: int) -> Message:
    return Message(f"validity.{word}", part=part)


def _name(ref: _Ring, word: str) -> Message:
    ring = Message("validity.ring", ring=ref.ring)
    return Message("validity.polygon_ring", part=_part(word, ref.part), ring=ref.ring) if word else ring


def _both(names: list[Message]) -> Message | str:
    """Names joined with "and" ("与"), in order: ``a and b and c``."""
    if not names:
        return ""
    joined = names[0]
    for name in names[1:]:
        joined = Message("validity.both", first=joined, second=name)
    return joined


def _names(refs: list[_Ring], word: str) -> Message | str:
    return _both([_name(ref, word) for ref in refs])


def _message(geom: BaseGeometry, kind: str, location: tuple[float, float] | None) -> Message:
    refs = _rings_at(geom, kind, location)
    _, word = _polygon_parts(geom)
    at = Message("validity.at", point=format_coords(*location)) if location is not None else ""
    whole = Message("validity.whole", type=geom.geom_type)
    subject = _names(refs, word) if refs else whole
    parts = sorted({ref.part for ref in refs})
    if kind == "self-intersection":
        if len(parts) > 1:
            return Message("validity.parts_overlap", parts=_both([_part(word, p) for p in parts]), at=at,
                           type=geom.geom_type)
        if len(refs) > 1:
            return Message("validity.rings_cross", subject=subject, at=at)
        return Message("validity.self_intersects", subject=subject, at=at)
    if kind == "ring self-intersection":
        return Message("validity.touches_itself", subject=subject, at=at)
    if kind == "hole lies outside shell":
        holes = [ref for ref in refs if ref.ring > 0] or refs
        return Message("validity.hole_outside", subject=_names(holes, word) or whole, at=at)
    if kind == "holes are nested":
        holes = [ref for ref in refs if ref.ring > 0] or refs
        return Message("validity.holes_nested", subject=_names(holes, word) or whole, at=at)
    if kind == "interior is disconnected":
        polygon = _part(word, parts[0]) if word and parts else Message("validity.the_polygon")
        return Message("validity.interior_disconnected", polygon=polygon, at=at)
    if kind == "nested shells":
        inner = parts[0] if parts else None
        polygons, _ = _polygon_parts(geom)
        outer = next((p for p, poly in enumerate(polygons) if p != inner and poly is not None
                      and location is not None and poly.covers(Point(location))), None)
        pair = Message("validity.lies_inside", inner=_part(word, inner), outer=_part(word, outer)) \
            if word and inner is not None and outer is not None else Message("validity.one_inside_another")
        return Message("validity.nested_shells", pair=pair, at=at, type=geom.geom_type)
    if kind.startswith("too few"):
        need = Message("validity.need_corners") if refs else ""
        return Message("validity.too_few_points", subject=subject, at=at, need=need)
    if kind == "invalid coordinate":
        return Message("validity.not_finite", subject=subject)
    return Message("validity.other", subject=whole, kind=kind, at=at)


def _explain(geom: BaseGeometry, reason: str) -> _Invalidity:
    """Turn GEOS's reason for an invalid ``geom`` ("Self-intersection[118.1 24.5]") into an _Invalidity."""
    match = _GEOS_REASON.match(reason)
    kind = (match.group("kind") if match else reason).strip().lower()
    location: tuple[float, float] | None = None
    if match:
        numbers = match.group("coords").split()
        try:
            location = (float(numbers[0]), float(numbers[1]))
        except (IndexError, ValueError):
            location = None
    if location is not None and not all(map(math.isfinite, location)):
        location = None  # GEOS reports the NaN itself for "Invalid Coordinate"
    return _Invalidity(kind, GeometryIssue(None, _message(geom, kind, location), location))


def _invalidity(geom: BaseGeometry) -> _Invalidity | None:
    reason = shapely.is_valid_reason(geom)
    return None if reason is None or reason == "Valid Geometry" else _explain(geom, reason)


def describe_invalidity(geom: BaseGeometry) -> GeometryIssue | None:
    """Why ``geom`` is invalid, in words a person can act on, or None when it is valid.

    Turns GEOS's ``is_valid_reason`` (e.g. "Self-intersection[118.1 24.5]") into e.g. "polygon 1, ring 0
    self-intersects at 118.1, 24.5", naming the polygon and ring where they can be found. ``location`` is
    the coordinate GEOS reports (input CRS), None when it is not a finite point. ``index`` is None.
    """
    found = _invalidity(geom)
    return found.issue if found else None


# ---------------------------------------------------------------------------------------------- conversion


phrases(
    "site",
    not_polygonal=Text("应为Polygon或MultiPolygon，实际为{got}。", "Expected a Polygon or MultiPolygon, got {got}."),
    nothing=Text("空", "nothing"),
    collection=Text("含有{others}的GeometryCollection", "a GeometryCollection containing {others}"),
    too_many_vertices=Text("{what}有{vertices:,}个节点，上限为{limit:,}个。请简化边界（0.1米容差仍足够准确）后重新提交。",
                           "The {what} has {vertices:,} vertices; the limit is {limit:,}. Simplify the outline "
                           "(a tolerance of 0.1 m keeps it accurate) and submit it again."),
    site=Text("选址", "site"),
    marking=Text("标注", "marking"),
    empty=Text("选址几何为空，请绘制或上传一个面。", "The site geometry is empty; draw or upload a polygon."),
    no_area=Text("选址几何中没有任何有面积的面，请绘制或上传一个面。",
                 "The site geometry has no polygon with any area; draw or upload a polygon."),
    invalid=Text("选址不是有效的面：{reason}。", "The site is not a valid polygon: {reason}."),
    no_site_in_file=Text("{source}中只有{held}，没有面状要素或闭合线，无法形成选址。请上传选址边界（红线）的面，"
                         "或CAD图中的闭合多段线。",
                         "{source} holds {held} but no polygon or closed line, so it draws no site. Upload the "
                         "site's boundary (红线) as a polygon, or as a closed polyline in a CAD drawing."),
)


def _not_polygonal(geom: BaseGeometry | None) -> SpatialInputError:
    got: Message | str = geom.geom_type if geom is not None else Message("site.nothing")
    if isinstance(geom, GeometryCollection):
        others = sorted({g.geom_type for g in geom.geoms if not isinstance(g, Polygon | MultiPolygon)})
        got = Message("site.collection", others=others)
    return SpatialInputError("not-polygonal", Message("site.not_polygonal", got=got), extra={"geometry_type": got})


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Polygon -> MultiPolygon of one; MultiPolygon unchanged; GeometryCollection of (multi)polygons ->
    MultiPolygon of them all (not unioned, so overlapping members make it invalid). Anything else raises
    SpatialInputError slug "not-polygonal". Same CRS as the input."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    if isinstance(geom, GeometryCollection) and all(isinstance(g, Polygon | MultiPolygon) for g in geom.geoms):
        return MultiPolygon([p for g in geom.geoms for p in to_multipolygon(g).geoms])
    raise _not_polygonal(geom)


def _polygonal_part(geom: BaseGeometry) -> MultiPolygon:
    """The polygons inside a make_valid result, dropping collapsed lines and points."""
    parts = shapely.get_parts(geom)
    polygons = parts[np.isin(shapely.get_type_id(parts), (_POLYGON, _MULTIPOLYGON))]
    return MultiPolygon([p for g in polygons for p in to_multipolygon(g).geoms if not p.is_empty])


def count_vertices(geom: BaseGeometry | None) -> int:
    """Number of coordinates, counting each ring's closing point (what GEOS stores and processes)."""
    return 0 if geom is None else int(shapely.get_num_coordinates(geom))


def subdivide(geom: BaseGeometry, max_vertices: int, max_depth: int = 32) -> list[Polygon]:
    """The polygons of ``geom`` cut into parts of at most ``max_vertices`` vertices, as PostGIS's
    ``ST_Subdivide`` cuts them: each part of more is halved across its bounding box's longer side
    (GEOS's rectangle clipping, linear in the vertices), until none has more or it has been halved
    ``max_depth`` times. The parts tile ``geom`` exactly, edge to edge along the cuts; lines and points a
    cut leaves along an edge are dropped.

    Any CRS (the cuts halve boxes in the geometry's own units). On a site of 100,000 vertices, 30 ms
    where ``ST_Subdivide`` took 200 ms and more."""
    parts: list[Polygon] = []
    pending = [(geom, 0)]
    while pending:
        piece, depth = pending.pop()
        if count_vertices(piece) <= max_vertices or depth >= max_depth:
            parts.extend(polygon for polygon in shapely.get_parts(piece) if not polygon.is_empty)
            continue
        west, south, east, north = piece.bounds
        if east - west >= north - south:
            middle = (west + east) / 2
            halves = [(west, south, middle, north), (middle, south, east, north)]
        else:
            middle = (south + north) / 2
            halves = [(west, south, east, middle), (west, middle, east, north)]
        for box in halves:
            polygons = [part for part in shapely.get_parts(shapely.clip_by_rect(piece, *box))
                        if isinstance(part, Polygon) and not part.is_empty]
            if polygons:
                pending.append((polygons[0] if len(polygons) == 1 else MultiPolygon(polygons), depth + 1))
    return parts


# ---------------------------------------------------------------------------------------------- validation


@dataclass
class ValidationReport:
    """The result of validate_polygons.

    ``geometries`` is aligned with the input: a MultiPolygon (same CRS as the input) for every feature that
    is usable, None where the feature has an issue. ``repaired`` lists the features that were invalid and
    were repaired, with what was wrong.
    """

    geometries: NDArray[np.object_]
    issues: list[GeometryIssue] = field(default_factory=list)
    repaired: list[GeometryIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def validate_polygons(geoms: NDArray[np.object_], repair: bool = False) -> ValidationReport:
    """Check every feature of a layer or batch: present, polygonal, valid (OGC simple features).

    Missing (None) and empty geometries are issues "empty geometry"; points and lines "not a polygon (got
    LineString)". Invalid polygons are issues with describe_invalidity's reason and location, unless
    ``repair`` is set: then they are rebuilt with ``shapely.make_valid(method="structure")`` (rings are
    treated as area boundaries, overlapping parts unioned), keeping the polygonal part, and listed in
    ``repaired``; a repair that leaves no polygon stays an issue. Empty and non-polygonal features are never
    repaired. Validity is tested on the whole array at once; only invalid features are looked at one by one.
    """
    arr = np.asarray(geoms, dtype=object).ravel()
    out = np.full(len(arr), None, dtype=object)
    issues: list[GeometryIssue] = []
    repaired: list[GeometryIssue] = []

    type_ids = shapely.get_type_id(arr)
    empty = shapely.is_missing(arr) | shapely.is_empty(arr)
    issues += [GeometryIssue(int(i), Message("validity.empty")) for i in np.flatnonzero(empty)]

    single = np.flatnonzero(~empty & (type_ids == _POLYGON))
    if len(single):
        out[single] = shapely.multipolygons(arr[single], indices=np.arange(len(single)))
    multi = np.flatnonzero(~empty & (type_ids == _MULTIPOLYGON))
    out[multi] = arr[multi]
    for i in np.flatnonzero(~empty & ~np.isin(type_ids, (_POLYGON, _MULTIPOLYGON))):
        geom = arr[i]
        try:
            out[i] = to_multipolygon(geom)
        except SpatialInputError as exc:
            first = shapely.get_coordinates(geom)[:1]
            issues.append(GeometryIssue(int(i), Message("validity.not_polygon", got=exc.extra["geometry_type"]),
                                        (float(first[0, 0]), float(first[0, 1])) if len(first) else None))

    candidates = np.flatnonzero(~shapely.is_missing(out))
    invalid = candidates[~shapely.is_valid(out[candidates])]
    reasons = shapely.is_valid_reason(out[invalid])
    fixed = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False) if repair else None
    for k, i in enumerate(invalid):
        # A lone Polygon is described as given, so the message says "ring 0", not "polygon 0, ring 0".
        issue = _explain(arr[i] if type_ids[i] == _POLYGON else out[i], reasons[k]).issue
        issue.index = int(i)
        out[i] = None
        if fixed is not None:
            polygons = _polygonal_part(fixed[k])
            if not polygons.is_empty:
                out[i] = polygons
                repaired.append(issue)
                continue
            issue.reason = Message("validity.repair_left_nothing", reason=issue.reason)
        issues.append(issue)
    issues.sort(key=lambda issue: issue.index if issue.index is not None else -1)
    return ValidationReport(out, issues, repaired)


def require_vertex_limit(geom: BaseGeometry, max_vertices: int, what: str) -> None:
    """Refuse a ``what`` (``site`` or ``marking``) of more than ``max_vertices`` coordinates
    ("too-many-vertices")."""
    vertices = count_vertices(geom)
    if vertices > max_vertices:
        raise SpatialInputError(
            "too-many-vertices",
            Message("site.too_many_vertices", what=Message(f"site.{what}"), vertices=vertices, limit=max_vertices),
            extra={"vertices": vertices, "limit": max_vertices},
        )


def require_site(geom: BaseGeometry | None, max_vertices: int = 100_000) -> MultiPolygon:
    """Accept one proposed project site (预选址) or refuse it with a reason the applicant can act on.

    Returns the site as a MultiPolygon in the input CRS. Raises SpatialInputError with slug
    "empty-geometry", "not-polygonal" (naming the type given), "too-many-vertices" (count and limit),
    "self-intersection" or "invalid-geometry" (describe_invalidity's message, location in the input CRS).
    """
    if geom is None or geom.is_empty:
        raise SpatialInputError("empty-geometry", Message("site.empty"))
    site = to_multipolygon(geom)
    if site.is_empty:
        raise SpatialInputError("empty-geometry", Message("site.no_area"))
    require_vertex_limit(site, max_vertices, "site")
    # A lone Polygon is described as given, so the message says "ring 0" rather than "polygon 0, ring 0".
    problem = _invalidity(geom if isinstance(geom, Polygon) else site)
    if problem is not None:
        self_intersecting = problem.kind in ("self-intersection", "ring self-intersection")
        raise SpatialInputError(
            "self-intersection" if self_intersecting else "invalid-geometry",
            Message("site.invalid", reason=problem.issue.reason),
            location=problem.issue.location,
            extra={"geos_reason": problem.kind},
        )
    return site


# ---------------------------------------------------------------------------------------------- site files


def site_from_features(geoms: NDArray[np.object_], source: str) -> BaseGeometry:
    """The one site drawn by the features of a file (a red-line drawing, 红线图): their polygons unioned.

    CAD drawings (DXF) give a red line as a closed LWPOLYLINE, which GDAL reads as a closed LineString: each
    closed line is taken as the boundary of a polygon. Open lines, points and texts (dimensions, labels) are
    left out. Same CRS as the input. Raises SpatialInputError slug "not-a-site" when no feature encloses an
    area, naming what the file holds instead; a file without any feature is the caller's "empty-file".
    The union is not validated here: require_site checks the result (a self-intersecting red line is refused
    there, with its location).
    """
    parts = shapely.get_parts(np.asarray(geoms, dtype=object)[~shapely.is_missing(geoms)])
    parts = parts[~shapely.is_empty(parts)]
    type_ids = shapely.get_type_id(parts)
    polygons = list(parts[type_ids == _POLYGON])
    lines = parts[np.isin(type_ids, (_LINESTRING, _LINEARRING))]
    closed = lines[shapely.is_closed(lines) & (shapely.get_num_coordinates(lines) >= 4)]
    polygons += [Polygon(line.coords) for line in closed]
    if not polygons:
        other = Text("其他几何", "other geometries")
        kinds = sorted({_HELD.get(int(kind), other) for kind in type_ids}, key=lambda held: held.en)
        held: list[Text] | Text = kinds or Text("无几何", "no geometry")
        raise SpatialInputError("not-a-site", Message("site.no_site_in_file", source=source, held=held),
                                extra={"found": held})
    if len(polygons) == 1:
        return polygons[0]
    if not shapely.is_valid(np.array(polygons, dtype=object)).all():
        return MultiPolygon(polygons)  # require_site names the invalid member and where
    return shapely.union_all(np.array(polygons, dtype=object))
