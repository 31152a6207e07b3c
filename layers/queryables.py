"""What a filter may name on a layer kind's features (queryables, 可查询属性), and their JSON Schema.

The queryables of a kind are the attributes its rules read (:attr:`LayerKind.attributes`, with their types
and allowed values), the parcel fields investors see for parcels (:data:`PARCEL_FIELDS`), the true area in
m² (``area_m2``) and the geometry (``geometry``, WGS84). Nothing else: a property that a source file
happened to bring is neither typed nor checked, and a kind with a whitelist (:attr:`LayerKind.public_attributes`)
must not be searchable by what it hides. Each queryable carries the SQL that reads it from a row of
``layer_features`` (``properties`` is jsonb): text as ``->>``, numbers only where the stored value is a JSON
number, so a stray text value is NULL rather than a cast error.
"""

from __future__ import annotations

import re
from typing import Any

from gis.cql2 import Queryable, QueryableType
from layers.attributes import Attribute, AttributeType
from layers.catalogue import INVESTMENT_PARCEL, LAYER_KINDS, PARCEL_FIELDS, LayerKind
from layers.land_use import FIRST_LEVEL_CLASSES, SECOND_LEVEL_CLASSES
from layers.text import Text

GEOMETRY = "geometry"
AREA = "area_m2"
AREA_LABEL = Text("面积（平方米，椭球面积）", "area (m², ellipsoidal)")
GEOMETRY_LABEL = Text("几何（WGS84 经纬度）", "geometry (WGS84 lon/lat)")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PARCEL_TYPES = {"text": QueryableType.STRING, "number": QueryableType.NUMBER, "integer": QueryableType.INTEGER}


def attribute_type(attribute: Attribute) -> QueryableType:
    """The JSON Schema type of an attribute's canonical values."""
    if attribute.type is AttributeType.CODE:
        return QueryableType.INTEGER if all(isinstance(v, int) for v in attribute.values) else QueryableType.STRING
    return {AttributeType.INTEGER: QueryableType.INTEGER, AttributeType.NUMBER: QueryableType.NUMBER}.get(
        attribute.type, QueryableType.STRING)


def property_sql(name: str, kind: QueryableType, row: str = "f") -> str:
    """SQL reading the jsonb property ``name`` of ``row`` as ``kind`` (names come from the catalogue)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a catalogue attribute name")
    if kind is QueryableType.STRING:
        return f"({row}.properties ->> '{name}')"
    return (f"(CASE WHEN jsonb_typeof({row}.properties -> '{name}') = 'number' "
            f"THEN ({row}.properties ->> '{name}')::double precision END)")


def _fields(kind: LayerKind) -> dict[str, tuple[QueryableType, Attribute | None, Text | None]]:
    """name -> (type, the attribute that declares it, the label of a parcel field), public ones only."""
    fields: dict[str, tuple[QueryableType, Attribute | None, Text | None]] = {}
    if kind is INVESTMENT_PARCEL:
        fields.update({source.name: (_PARCEL_TYPES[source.kind], None, source.label)
                       for source in PARCEL_FIELDS if source.kind in _PARCEL_TYPES})
    fields.update({attribute.name: (attribute_type(attribute), attribute, attribute.label)
                   for attribute in kind.attributes})
    public = kind.public_attributes
    return {name: field for name, field in fields.items() if public is None or name in public}


def queryables(kind_slug: str, row: str = "f") -> dict[str, Queryable]:
    """The queryables of a layer kind's features in ``row`` of ``layer_features``."""
    kind = LAYER_KINDS[kind_slug]
    found = {GEOMETRY: Queryable(GEOMETRY, QueryableType.GEOMETRY, f"{row}.geom"),
             AREA: Queryable(AREA, QueryableType.NUMBER, f"{row}.area_m2")}
    for name, (kind_of, _, _) in _fields(kind).items():
        found[name] = Queryable(name, kind_of, property_sql(name, kind_of, row))
    return found


def declared_attribute(kind_slug: str, name: str) -> Attribute | None:
    """The attribute of a kind that declares the queryable ``name`` (its allowed values and spellings)."""
    return next((attribute for attribute in LAYER_KINDS[kind_slug].attributes if attribute.name == name), None)


def _property_schema(kind_of: QueryableType, attribute: Attribute | None, label: Text, language: str) -> dict:
    schema: dict[str, Any] = {"title": label.in_language(language), "type": kind_of.value}
    if attribute is None:
        return schema
    if attribute.type is AttributeType.CODE:
        schema["enum"] = list(attribute.values)
    elif attribute.type is AttributeType.LAND_USE_CODE:
        schema["enum"] = [*FIRST_LEVEL_CLASSES, *SECOND_LEVEL_CLASSES]
    if attribute.minimum is not None:
        schema["minimum"] = attribute.minimum
    if attribute.maximum is not None:
        schema["maximum"] = attribute.maximum
    schema["description"] = attribute.allowed().render(language)
    return schema


def json_schema(kind_slug: str, *, schema_id: str, title: str, language: str = "zh",
                features: bool = False) -> dict[str, Any]:
    """JSON Schema (2020-12) of a kind's queryables (OGC API – Features – Part 3 ``/queryables``), or with
    ``features`` of its features' properties (``/schema``): a feature may carry more properties than the
    queryables, save where the kind keeps a whitelist."""
    kind = LAYER_KINDS[kind_slug]
    properties: dict[str, Any] = {
        GEOMETRY: {"title": GEOMETRY_LABEL.in_language(language), "format": "geometry-multipolygon",
                   "x-ogc-role": "primary-geometry"},
        AREA: {"title": AREA_LABEL.in_language(language), "type": "number", "minimum": 0,
               "x-ogc-unit": "m2", **({"readOnly": True} if features else {})},
    }
    for name, (kind_of, attribute, label) in _fields(kind).items():
        properties[name] = _property_schema(kind_of, attribute, label or Text(name, name), language)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "type": "object",
        "title": title,
        "properties": properties,
        "additionalProperties": features and kind.public_attributes is None,
    }
