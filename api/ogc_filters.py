"""OGC API – Features – Part 3 (Filtering) on the HTTP side: the ``filter``, ``filter-lang`` and ``filter-crs``
parameters and the simple property filters (``?landuse_code=0701``) of an items request, as one SQL condition.

A bad filter is a 400 problem (``invalid-filter``) naming the parameter and, as :mod:`gis.cql2` finds them,
the position (line:column of a text filter, a JSON Pointer into a JSON one) or the property. A simple
property filter takes the spellings an import reads (``701`` and ``城镇住宅用地`` are land-use code ``0701``,
``进行中`` is ``in_progress``) and compares for equality.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from functools import reduce
from typing import Any

from api.problems import ProblemError
from gis.cql2 import CONFORMANCE as CQL2_CONFORMANCE
from gis.cql2 import FilterError, QueryableType, parse, to_sql
from gis.crs import CRS84_SERVED, SERVED_CRS, ServedCrs, UnservedCrsError, served_crs
from gis.messages import Message, Text, message_of, phrases
from gis.sql import SqlFragment
from layers.queryables import GEOMETRY, declared_attribute, json_schema, queryables

FEATURES_3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf"
CONFORMANCE = [f"{FEATURES_3}/{name}" for name in (
    "queryables", "queryables-query-parameters", "filter", "features-filter")] + CQL2_CONFORMANCE
"""Part 3 and CQL2 conformance classes the items of every collection implement."""

FILTER_PARAMETERS = frozenset({"filter", "filter-lang", "filter-crs"})
FILTER_LANGUAGES = {"cql2-text": "cql2-text", "cql2-json": "cql2-json", "cql-text": "cql2-text"}
"""``filter-lang`` values and the encoding each is read in. ``cql-text`` is the name of Part 3's drafts, which
GDAL's OAPIF driver (3.6 to 3.10 at least) still sends, and only to an API definition that lists it: what it
writes (comparisons, LIKE, IS NULL, AND/OR/NOT on queryables) is CQL2 text, so it is read as such."""
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
JSON_SCHEMA = "application/schema+json"


def _invalid(detail: Message, parameter: str, **where: Any) -> ProblemError:
    return ProblemError(400, "invalid-filter", detail, parameter=parameter,
                        **{key: value for key, value in where.items() if value is not None})


phrases(
    "filter",
    crs=Text("filter-crs参数有误：{reason}", "filter-crs: {reason}"),
    language=Text("不支持filter-lang“{language}”；请使用cql2-text或cql2-json",
                  "filter-lang {language!r} is not supported; use cql2-text or cql2-json"),
    not_a_number=Text("{name} = {value!r} 不是允许的取值：{name}应为数值",
                      "{name} = {value!r} is not allowed: {name} is a number"),
)


FILTER_PARAMETER_DOCS: dict[str, dict[str, Any]] = {
    "filter": {"description": "a CQL2 condition on the collection's queryables (its /queryables), e.g. "
                              "landuse_code = '0701' AND S_INTERSECTS(geometry, BBOX(118.08, 24.47, 118.12, 24.5))",
               "schema": {"type": "string"}},
    "filter-lang": {"description": "the encoding of filter",
                    "schema": {"type": "string", "enum": list(FILTER_LANGUAGES), "default": "cql2-text"}},
    "filter-crs": {"description": "the CRS of the filter's geometry literals, in that CRS's axis order",
                   "schema": {"type": "string", "format": "uri", "enum": [crs.uri for crs in SERVED_CRS],
                              "default": CRS84_SERVED.uri}},
}
"""The filter parameters of items, for the API definition (``description`` and ``schema`` of each)."""


def property_parameters(kind: str) -> frozenset[str]:
    """The query parameters that filter a collection of ``kind`` by one of its properties."""
    return frozenset(name for name in queryables(kind) if name != GEOMETRY)


def collection_items_paths(items: dict[str, Any], layers: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One API definition path per collection, ``/collections/<name>/items``: the generic items operation
    with the collection's queryables as query parameters besides. GDAL's OAPIF driver reads the parameters
    of exactly this path to learn what it may send to the server (``-where`` as CQL2 or ``name=value``)."""
    paths: dict[str, Any] = {}
    for layer in layers:
        schema = json_schema(layer["kind"], schema_id="", title="")["properties"]
        parameters = [parameter for parameter in items["get"]["parameters"] if parameter["in"] != "path"]
        for name in sorted(property_parameters(layer["kind"])):
            kept = {key: value for key, value in schema[name].items() if key in ("type", "enum", "minimum", "maximum")}
            parameters.append({"name": name, "in": "query", "required": False, "schema": kept,
                               "description": f"features whose {name} ({schema[name]['title']}) is this value"})
        operation = {**items["get"], "parameters": parameters,
                     "operationId": f"{items['get'].get('operationId', 'items')}_{layer['slug']}",
                     "summary": f"Features of {layer['name']}"}
        paths[f"/collections/{layer['slug']}/items"] = {"get": operation}
    return paths


def filter_crs(value: str | None) -> ServedCrs:
    """The CRS of the filter's geometry literals (``filter-crs``): one the collections serve, default CRS84."""
    if value is None:
        return CRS84_SERVED
    try:
        return served_crs(value)
    except UnservedCrsError as error:
        raise _invalid(Message("filter.crs", reason=message_of(error)), "filter-crs") from None


def items_filter(kind: str, parameters: Mapping[str, str]) -> SqlFragment | None:
    """The condition an items request's filter and property parameters put on features of ``kind`` (row ``f``)."""
    found = queryables(kind)
    parts = [_property_filter(kind, found[name].type, name, parameters[name], index)
             for index, name in enumerate(sorted(property_parameters(kind) & set(parameters)))]
    language = FILTER_LANGUAGES.get(parameters.get("filter-lang", "cql2-text"))
    if language is None:
        raise _invalid(Message("filter.language", language=parameters["filter-lang"]), "filter-lang")
    crs = filter_crs(parameters.get("filter-crs"))  # checked without a filter too: a typo must not pass unseen
    if "filter" in parameters:
        try:
            parts.append(to_sql(parse(parameters["filter"], language), found, crs))
        except FilterError as error:
            raise _invalid(message_of(error), "filter", position=error.position, property=error.property) from None
    return reduce(operator.and_, parts) if parts else None


def _property_filter(kind: str, kind_of: QueryableType, name: str, value: str, index: int) -> SqlFragment:
    attribute = declared_attribute(kind, name)
    try:
        literal = attribute.canonical(value) if attribute is not None else value
        if kind_of is not QueryableType.STRING:
            literal = float(literal)
    except ValueError as error:
        detail = message_of(error) if attribute is not None else Message("filter.not_a_number", name=name, value=value)
        raise _invalid(detail, name, property=name) from None
    return to_sql({"op": "=", "args": [{"property": name}, literal]}, queryables(kind), prefix=f"property_{index}_")
