"""CQL2 filters (OGC 21-065r2, Common Query Language) as parameterised PostGIS SQL.

The ``cql2`` package (cql2-rs) parses both encodings, text and JSON, into the standard's JSON form; this
module turns that form into a WHERE fragment over the queryables its caller names (:class:`Queryable`):
every literal becomes a bind parameter and every property the SQL the caller gave for it, so nothing of the
input is ever spliced into SQL. A property that is not a queryable, a literal of the wrong type, an
operator or function outside the supported classes: each is a :class:`FilterError` naming the property or
the place (text: line and column; JSON: a JSON Pointer).

Supported (the CQL2 conformance classes, see :data:`CONFORMANCE`): Basic CQL2 (comparisons, ``IS NULL``,
``AND``/``OR``/``NOT``), Advanced Comparison Operators (``LIKE``, ``BETWEEN``, ``IN``) and Spatial Functions
(``S_INTERSECTS``, ``S_WITHIN`` and the other six). A geometry literal is read in the filter CRS, in that
CRS's axis order (latitude first for EPSG:4326 and EPSG:4490, as the standard requires; longitude first
for CRS84), and is transformed once to the column's CRS in the database: the literal, never the column,
so the GiST index serves the predicate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import cql2
import orjson
import shapely
from shapely.validation import explain_validity

from gis.crs import CRS84_SERVED, ServedCrs, check_area_of_use, parse_crs
from gis.errors import SpatialInputError
from gis.messages import Message, Text, english_only, phrases
from gis.sql import SqlFragment

CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
CONFORMANCE = [f"{CQL2}/{name}" for name in (
    "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators", "basic-spatial-functions",
    "basic-spatial-functions-plus", "spatial-functions",
)]
"""The CQL2 conformance classes :func:`to_sql` implements."""

PARAMETER_PREFIX = "cql2_"
"""Bind parameters of a filter are named ``cql2_0``, ``cql2_1`` … by default, apart from the query around them."""

MAX_LITERAL_VERTICES = 10_000
"""The most vertices a geometry literal may have (a district boundary has a few thousand)."""

MAX_NESTING = 100
"""The deepest nesting of brackets a filter may have. cql2's text parser recurses per bracket and overflows
its stack (the whole server process dies) at a few thousand, which fit in one URL; no real filter comes near."""

_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SPATIAL = {
    "s_intersects": "ST_Intersects", "s_within": "ST_Within", "s_contains": "ST_Contains",
    "s_disjoint": "ST_Disjoint", "s_equals": "ST_Equals", "s_touches": "ST_Touches",
    "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses",
}
_GEOJSON_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                            "GeometryCollection"})
_TEXT_POSITION = re.compile(r"-->\s*(\d+):(\d+)")
_JSON_POSITION = re.compile(r"line (\d+) column (\d+)")


class QueryableType(StrEnum):
    """The JSON Schema type of a queryable (``geometry`` is a geometry column)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    GEOMETRY = "geometry"


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its type and the SQL expression of its value on a row.

    ``sql`` is written by the platform (a column, or a typed read of a JSON property), never taken from
    input. ``srid`` is the SRID of a geometry column.
    """

    name: str
    type: QueryableType
    sql: str
    srid: int = 4326


phrases(
    "filter",
    at_line=Text("（第{line}行第{column}列）", " at line {line}, column {column}"),
    unreadable=Text("无法读取{language}筛选条件{where}{expected}",
                    "the {language} filter cannot be read{where}: {expected}"),
    brackets=Text("筛选条件的括号嵌套超过{most}层（第{line}行第{column}列）",
                  "the filter nests brackets more than {most} deep at line {line}, column {column}"),
    too_deep=Text("筛选条件嵌套过深", "the filter is nested too deeply"),
    not_condition=Text("{at}处应为条件，而不是{found}", "expected a condition at {at}, not {found}"),
    no_arguments=Text("{at}处的运算符“{op}”没有参数列表", "the operator {op!r} at {at} has no argument list"),
    two_conditions=Text("{at}处的{op}至少需要两个条件", "{op} at {at} needs at least two conditions"),
    geometry_comparison=Text("几何须用S_EQUALS比较，而不是“{op}”", "geometries are compared with S_EQUALS, not {op!r}"),
    like_text=Text("LIKE比较的是文本", "LIKE compares text"),
    between_numbers=Text("BETWEEN比较的是数值", "BETWEEN compares numbers"),
    unsupported_op=Text("不支持运算符或函数“{op}”；支持：AND、OR、NOT、=、<>、<、<=、>、>=、IS NULL、LIKE、BETWEEN、IN"
                        "及S_空间函数（{spatial}）",
                        "the operator or function {op!r} is not supported; supported: AND, OR, NOT, =, <>, <, <=, >, "
                        ">=, IS NULL, LIKE, BETWEEN, IN and the S_ spatial functions ({spatial})"),
    in_list=Text("{at}处的IN需要一个取值列表", "IN at {at} needs a list of values"),
    in_values=Text("{at}处IN的取值须全为文本或全为数值", "the values of IN at {at} must be all text or all numbers"),
    in_lists=Text("IN列出的是{kind}", "IN lists {kind}"),
    not_queryable=Text("“{name}”不是可查询属性；可查询属性：{queryables}",
                       "{name!r} is not a queryable property; queryables: {queryables}"),
    not_operand=Text("{at}处不支持{found}：请使用属性、带引号的文本或数值",
                     "{found} at {at} is not supported here: use a property, a quoted text, or a number"),
    not_geometry_property=Text("“{name}”不是几何；空间函数接受几何属性和几何字面量",
                               "{name!r} is not a geometry; spatial functions take the geometry property and a "
                               "geometry literal"),
    bbox=Text("{at}处的BBOX须为四个数值", "the BBOX at {at} must be four numbers"),
    not_geometry=Text("{at}处应为几何，而不是{found}", "expected a geometry at {at}, not {found}"),
    northing_first=Text("北坐标/纬度在先", "northing/latitude first"),
    easting_first=Text("东坐标/经度在先", "easting/longitude first"),
    outside_area=Text("{at}处的几何超出{crs}（filter-crs {uri}）的适用范围，其坐标按{order}读取",
                      "the geometry at {at} lies outside the area of use of {crs} (filter-crs {uri}), whose "
                      "coordinates are read {order}"),
    arity=Text("{at}处的{op}需要{count}个参数，而不是{given}个", "{op} at {at} takes {count} argument(s), not {given}"),
    null_comparison=Text("与NULL比较永远不成立；请在{at}处写IS NULL",
                         "comparing with NULL is never true; write IS NULL at {at}"),
    compared_with=Text("却与{kind}比较", "it is compared with {kind}"),
    property_is=Text("属性“{name}”是{kind}", "the property {name!r} is {kind}"),
    value_is=Text("该值是{kind}", "the value is {kind}"),
    quote_hint=Text("（文本值须加引号：'0701'）", " (quote text values: '0701')"),
    mismatch=Text("{at}处类型不符：{what}，{why}{hint}", "type mismatch at {at}: {what}, but {why}{hint}"),
    temporal=Text("时间字面量（规划图层没有时间属性）", "a temporal literal (no planning layer has a time property)"),
    object_with=Text("含{members}成员的对象", "an object with {members}"),
    empty_object=Text("没有成员的对象", "an object with no members"),
    literal=Text("{type}值{value}", "{type} {value}"),
    bad_geometry=Text("{at}处的{type}不是几何{reason}", "the {type} at {at} is not a geometry: {reason}"),
    vertices=Text("{at}处的{type}节点超过{most:,}个", "the {type} at {at} has more than {most:,} vertices"),
    empty=Text("：几何为空", "it is empty"),
    invalid_geometry=Text("{at}处的{type}无效{reason}", "the {type} at {at} is not valid: {reason}"),
)


class FilterError(ValueError):
    """A filter that cannot be run: ``position`` (text: ``line:column``; JSON: a JSON Pointer) or
    ``property`` says where."""

    def __init__(self, message: Message, *, position: str | None = None, property: str | None = None) -> None:
        super().__init__(message)
        self.position = position
        self.property = property


def parse(text: str, language: str = "cql2-text") -> dict[str, Any] | bool:
    """The CQL2-JSON form of a filter written in ``language`` (``cql2-text`` or ``cql2-json``).

    Raises :class:`FilterError` with the line and column of a syntax error.
    """
    _check_nesting(text)
    try:
        expression = cql2.parse_json(text) if language == "cql2-json" else cql2.parse_text(text)
    except (cql2.ParseError, ValueError) as error:
        message = str(error)
        found = (_JSON_POSITION if language == "cql2-json" else _TEXT_POSITION).search(message)
        position = f"{found.group(1)}:{found.group(2)}" if found else None
        expected = next((line.strip(" =") for line in message.splitlines() if "expected" in line), message)
        where = Message("filter.at_line", line=found.group(1), column=found.group(2)) if found else ""
        raise FilterError(Message("filter.unreadable", language=language, where=where, expected=english_only(expected)),
                          position=position) from None
    return expression.to_json()


def _check_nesting(text: str) -> None:
    """Refuse brackets nested deeper than :data:`MAX_NESTING`, counted outside quoted text."""
    depth, quote, escaped = 0, "", False
    for offset, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, offset) + 1
                column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                raise FilterError(Message("filter.brackets", most=MAX_NESTING, line=line, column=column),
                                  position=f"{line}:{column}")
        elif char in ")]}":
            depth -= 1


def to_sql(expression: Any, queryables: Mapping[str, Queryable], crs: ServedCrs = CRS84_SERVED,
           prefix: str = PARAMETER_PREFIX) -> SqlFragment:
    """The parameterised SQL of a CQL2-JSON expression over ``queryables``, geometry literals in ``crs``
    (the filter CRS); its bind parameters are named ``prefix`` and a number."""
    translator = _Translator(queryables, crs, prefix)
    try:
        return SqlFragment(translator.predicate(expression, ""), translator.parameters)
    except RecursionError:  # a chain of thousands of NOTs: no bracket, and still no real filter
        raise FilterError(Message("filter.too_deep"), position="/") from None


@dataclass
class _Operand:
    sql: str
    type: QueryableType | None  # None: a NULL literal
    property: str | None = None


class _Translator:
    def __init__(self, queryables: Mapping[str, Queryable], crs: ServedCrs, prefix: str) -> None:
        self.queryables = queryables
        self.crs = crs
        self.prefix = prefix
        self.parameters: dict[str, Any] = {}

    def bind(self, value: Any, cast: str) -> str:
        name = f"{self.prefix}{len(self.parameters)}"
        self.parameters[name] = value
        return f"CAST(:{name} AS {cast})"

    def predicate(self, node: Any, at: str) -> str:
        """SQL of a boolean expression."""
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        if not isinstance(node, dict) or "op" not in node:
            raise FilterError(Message("filter.not_condition", at=at or "/", found=_describe(node)), position=at or "/")
        op, args = str(node["op"]).lower(), node.get("args")
        if not isinstance(args, list):
            raise FilterError(Message("filter.no_arguments", op=op, at=at or "/"), position=at or "/")
        if op in ("and", "or"):
            if len(args) < 2:
                raise FilterError(Message("filter.two_conditions", op=op.upper(), at=at or "/"), position=at or "/")
            joined = f" {op.upper()} ".join(self.predicate(arg, f"{at}/args/{k}") for k, arg in enumerate(args))
            return f"({joined})"
        if op == "not":
            self._arity(op, args, 1, at)
            return f"(NOT {self.predicate(args[0], f'{at}/args/0')})"
        if op == "isnull":
            self._arity(op, args, 1, at)
            return f"({self.operand(args[0], f'{at}/args/0').sql} IS NULL)"
        if op in _COMPARISONS:
            self._arity(op, args, 2, at)
            left, right = (self.operand(arg, f"{at}/args/{k}") for k, arg in enumerate(args))
            self._comparable(op, left, right, at)
            if left.type is QueryableType.GEOMETRY or right.type is QueryableType.GEOMETRY:
                raise FilterError(Message("filter.geometry_comparison", op=op), position=at or "/")
            return f"({left.sql} {_COMPARISONS[op]} {right.sql})"
        if op == "like":
            self._arity(op, args, 2, at)
            value = self.operand(args[0], f"{at}/args/0")
            pattern = self.operand(args[1], f"{at}/args/1")
            for side in (value, pattern):
                if side.type not in (QueryableType.STRING, None):
                    raise self._mismatch(side, Message("filter.like_text"), at)
            return f"({value.sql} LIKE {pattern.sql})"
        if op == "between":
            self._arity(op, args, 3, at)
            value, low, high = (self.operand(arg, f"{at}/args/{k}") for k, arg in enumerate(args))
            for side in (value, low, high):
                if side.type is not None and side.type not in (QueryableType.INTEGER, QueryableType.NUMBER):
                    raise self._mismatch(side, Message("filter.between_numbers"), at)
            return f"({value.sql} BETWEEN {low.sql} AND {high.sql})"
        if op == "in":
            self._arity(op, args, 2, at)
            return self._in(args, at)
        if op in _SPATIAL:
            self._arity(op, args, 2, at)
            left, right = (self.geometry(arg, f"{at}/args/{k}") for k, arg in enumerate(args))
            return f"{_SPATIAL[op]}({left}, {right})"
        raise FilterError(Message("filter.unsupported_op", op=node["op"], spatial=[name.upper() for name in _SPATIAL]),
                          position=at or "/")

    def _in(self, args: list[Any], at: str) -> str:
        value = self.operand(args[0], f"{at}/args/0")
        items = args[1]
        if not isinstance(items, list):
            raise FilterError(Message("filter.in_list", at=at or "/"), position=f"{at}/args/1")
        if not items:
            return "FALSE"
        kinds = {_literal_type(item) for item in items}
        if len(kinds) != 1 or None in kinds:
            raise FilterError(Message("filter.in_values", at=at or "/"),
                              position=f"{at}/args/1", property=value.property)
        kind = kinds.pop()
        if value.type is not None and _family(value.type) != _family(kind):
            raise self._mismatch(value, Message("filter.in_lists", kind=_words(kind)), at)
        cast = "text[]" if kind is QueryableType.STRING else "double precision[]"
        return f"({value.sql} = ANY({self.bind(list(items), cast)}))"

    def operand(self, node: Any, at: str) -> _Operand:
        """A scalar: a queryable property or a literal (text, number, NULL)."""
        if isinstance(node, dict) and "property" in node:
            name = node["property"]
            queryable = self.queryables.get(name) if isinstance(name, str) else None
            if queryable is None:
                raise FilterError(Message("filter.not_queryable", name=name, queryables=sorted(self.queryables)),
                                  position=at, property=str(name))
            return _Operand(queryable.sql, queryable.type, queryable.name)
        if node is None:
            return _Operand("NULL", None)
        kind = _literal_type(node)
        if kind is None:
            raise FilterError(Message("filter.not_operand", found=_describe(node), at=at), position=at)
        return _Operand(self.bind(node, "text" if kind is QueryableType.STRING else "double precision"), kind)

    def geometry(self, node: Any, at: str) -> str:
        """SQL of a geometry argument: the geometry queryable, or a literal in the column's CRS."""
        if isinstance(node, dict) and "property" in node:
            operand = self.operand(node, at)
            if operand.type is not QueryableType.GEOMETRY:
                raise FilterError(Message("filter.not_geometry_property", name=operand.property), position=at,
                                  property=operand.property)
            return operand.sql
        column_srid = next((q.srid for q in self.queryables.values() if q.type is QueryableType.GEOMETRY), 4326)
        if isinstance(node, dict) and "bbox" in node:
            box = node["bbox"]
            if not (isinstance(box, list) and len(box) in (4, 6) and all(_finite(v) for v in box)):
                raise FilterError(Message("filter.bbox", at=at), position=at)
            half = len(box) // 2  # a 3D box is minx, miny, minz, maxx, maxy, maxz: heights do not filter
            low, high = (box[0], box[1]), (box[half], box[half + 1])
            if self.crs.northing_first:
                low, high = low[::-1], high[::-1]
            literal = shapely.box(low[0], low[1], high[0], high[1])
        elif isinstance(node, dict) and node.get("type") in _GEOJSON_TYPES:
            literal = _geometry_literal(node, at, self.crs.northing_first)
        else:
            raise FilterError(Message("filter.not_geometry", at=at, found=_describe(node)), position=at)
        try:  # PROJ cannot transform what lies far outside the CRS (a 500 from the database otherwise)
            check_area_of_use(literal, parse_crs(self.crs.uri))
        except SpatialInputError:
            order = Message("filter.northing_first" if self.crs.northing_first else "filter.easting_first")
            raise FilterError(Message("filter.outside_area", at=at, crs=self.crs.name, uri=self.crs.uri, order=order),
                              position=at) from None
        wkb = self.bind(shapely.to_wkb(literal), "bytea")
        return f"ST_Transform(ST_GeomFromWKB({wkb}, {int(self.crs.srid)}), {int(column_srid)})"

    @staticmethod
    def _arity(op: str, args: list[Any], count: int, at: str) -> None:
        if len(args) != count:
            raise FilterError(Message("filter.arity", op=op.upper(), at=at or "/", count=count, given=len(args)),
                              position=at or "/")

    def _comparable(self, op: str, left: _Operand, right: _Operand, at: str) -> None:
        if left.type is None or right.type is None:
            raise FilterError(Message("filter.null_comparison", at=at or "/"), position=at or "/",
                              property=left.property or right.property)
        if _family(left.type) != _family(right.type):
            side = left if left.property else right
            other = right if side is left else left
            raise self._mismatch(side, Message("filter.compared_with", kind=_words(other.type)), at)

    @staticmethod
    def _mismatch(side: _Operand, why: Message, at: str) -> FilterError:
        what = Message("filter.property_is", name=side.property, kind=_words(side.type)) if side.property else \
            Message("filter.value_is", kind=_words(side.type))
        hint = Message("filter.quote_hint") if side.type is QueryableType.STRING else ""
        return FilterError(Message("filter.mismatch", at=at or "/", what=what, why=why, hint=hint),
                           position=at or "/", property=side.property)


def _family(kind: QueryableType | None) -> str:
    return "number" if kind in (QueryableType.INTEGER, QueryableType.NUMBER) else str(kind)


_KIND_WORDS = {QueryableType.STRING: Text("文本", "text"), QueryableType.INTEGER: Text("整数", "an integer"),
               QueryableType.NUMBER: Text("数值", "a number"), QueryableType.GEOMETRY: Text("几何", "a geometry")}


def _words(kind: QueryableType | None) -> Text | str:
    return _KIND_WORDS.get(kind, "NULL") if kind else "NULL"


def _literal_type(value: Any) -> QueryableType | None:
    if isinstance(value, str):
        return QueryableType.STRING
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return QueryableType.NUMBER
    return None


def _finite(value: Any) -> bool:
    return _literal_type(value) is QueryableType.NUMBER


def _describe(node: Any) -> Message:
    if isinstance(node, dict):
        if "timestamp" in node or "date" in node or "interval" in node:
            return Message("filter.temporal")
        return Message("filter.object_with", members=list(map(repr, node))) if node else Message("filter.empty_object")
    return Message("filter.literal", type=type(node).__name__, value=repr(node))


def _geometry_literal(node: dict[str, Any], at: str, northing_first: bool) -> shapely.Geometry:
    """A GeoJSON-shaped literal as a valid, x-first shapely geometry."""
    try:
        geometry = shapely.force_2d(shapely.from_geojson(orjson.dumps(node)))
    except (shapely.errors.GEOSException, ValueError, TypeError) as error:
        raise FilterError(Message("filter.bad_geometry", type=node["type"], at=at, reason=english_only(str(error))),
                          position=at) from None
    if shapely.get_num_coordinates(geometry) > MAX_LITERAL_VERTICES:
        raise FilterError(Message("filter.vertices", type=node["type"], at=at, most=MAX_LITERAL_VERTICES), position=at)
    coordinates = shapely.get_coordinates(geometry)
    if not (coordinates.size and bool(shapely.is_valid(geometry)) and math.isfinite(float(coordinates.sum()))):
        reason = english_only(explain_validity(geometry)) if coordinates.size else Message("filter.empty")
        raise FilterError(Message("filter.invalid_geometry", type=node["type"], at=at, reason=reason), position=at)
    return shapely.transform(geometry, lambda xy: xy[:, ::-1]) if northing_first else geometry
