"""Parcels open for investment (招商地块): the public read side of the ``investment_parcel`` layers.

Investors are the public, so nothing here passes a feature's properties through: every response is built
from :data:`PARCEL_FIELDS`, a whitelist of typed fields, whatever extra columns an import carried. The
parcels are the features of the *current* version of every ``investment_parcel`` layer; nothing is cached,
so a new layer version shows at once. JSON and GeoJSON are built in PostGIS (RFC 7946: WGS84 lon/lat,
exterior rings counter-clockwise).

Filter values are validated (:class:`ParcelQuery`), page size and export size are capped: the API is
public and must not be a way to make the database do unbounded work.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from gis.area import M2_PER_HECTARE, M2_PER_MU
from gis.messages import Message, message_of, phrases
from gis.sql import geojson_sql
from layers.attributes import ACQUISITION_STATUSES, AVAILABILITIES, DEMOLITION_STATUSES
from layers.catalogue import DISTRICT, INVESTMENT_PARCEL, PARCEL_FIELDS, ParcelField, Text
from layers.land_use import FIRST_LEVEL_CLASSES, SECOND_LEVEL_CLASSES, is_known_class
from layers.store import GEOJSON_DECIMALS, BBox, BBoxError

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_EXPORT_FEATURES = 5_000
"""An export larger than this is refused with a request to narrow the filters, never silently cut."""
MAX_FILTER_VALUES = 20
"""At most this many comma-separated values per filter."""
MAX_SORT_KEYS = 3

STATUS_VALUES: dict[str, dict[str, Text]] = {
    "acquisition_status": ACQUISITION_STATUSES,
    "demolition_status": DEMOLITION_STATUSES,
    "availability": AVAILABILITIES,
}


FIELD_NAMES: tuple[str, ...] = tuple(source.name for source in PARCEL_FIELDS)

SORT_FIELDS: dict[str, str] = {
    "parcel_code": "p.parcel_code",
    "district_code": "p.district_code",
    "landuse_code": "p.landuse_code",
    "area_m2": "p.area_m2",
    "acquisition_percent": "p.acquisition_percent",
    "households_remaining": "p.households_remaining",
    "buildings_remaining": "p.buildings_remaining",
    "far_min": "p.far_min",
    "far_max": "p.far_max",
    # Statuses sort in the order progress goes, not alphabetically.
    **{
        name: "array_position(ARRAY[{}]::text[], p.{})".format(", ".join(f"'{value}'" for value in values), name)
        for name, values in STATUS_VALUES.items()
    },
}
"""Sortable fields and their SQL; nothing else reaches ORDER BY."""

_DISTRICT_CODE = re.compile(r"\d{6}")
_NUMERIC_TEXT = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"
_CLASS_NAMES_EN = json.dumps(
    {code: names[1] for code, names in {**FIRST_LEVEL_CLASSES, **SECOND_LEVEL_CLASSES}.items()}
)


class ParcelQueryError(ValueError):
    """A filter, sort or page value the public sent is not acceptable; ``parameter`` names it."""

    def __init__(self, parameter: str, message: Message) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class ExportTooLargeError(ValueError):
    """The filters match more parcels than one export may hold."""

    def __init__(self, matched: int) -> None:
        super().__init__(Message("parcels.export", matched=matched, limit=MAX_EXPORT_FEATURES))
        self.matched = matched


phrases(
    "parcels",
    export=Text("筛选条件匹配{matched}个地块，超过单次导出上限{limit}个；请缩小范围（区、用地性质、范围……）",
                "the filters match {matched} parcels, more than the {limit} one export may hold; narrow them "
                "(district, land_use, bbox, …)"),
    empty=Text("为空；不筛选时请省略该参数", "is empty; leave it out to get every value"),
    too_many=Text("最多{count}个以逗号分隔的值", "at most {count} comma-separated values"),
    not_one_of=Text("“{item}”不是以下之一：{allowed}", "{item!r} is not one of {allowed}"),
    district=Text("“{code}”不是6位行政区划代码（GB/T 2260），如350203",
                  "{code!r} is not a 6-digit GB/T 2260 code such as 350203"),
    land_use=Text("“{code}”不是用地分类；请使用一级类代码（如09）或二级类代码（如0901）",
                  "{code!r} is not a land-use class; use a first-level code such as 09 or a second-level code such "
                  "as 0901"),
    area=Text("须为不小于0的平方米数", "must be a number of m² ≥ 0"),
    area_order=Text("不能小于最小面积（{area_min:g}平方米）", "must not be below area_min ({area_min:g} m²)"),
    sort_keys=Text("最多{count}个排序字段", "at most {count} sort fields"),
    sort=Text("不能按“{name}”排序；可排序字段：{sortable}（前加 - 为降序）",
              "cannot sort by {name!r}; sortable: {sortable} (prefix - for descending)"),
    between=Text("须在1至{most}之间", "must be between 1 and {most}"),
)


def _stored_column(source: ParcelField) -> str:
    """The SQL reading one whitelisted property, typed; a value of the wrong type reads as NULL."""
    value = f"(f.properties ->> '{source.name}')"
    if source.kind == "text":
        return f"NULLIF(btrim({value}), '') AS {source.name}"
    cast = "numeric" if source.kind == "number" else "numeric::bigint"
    # A number may be a JSON number or a numeric string (a Shapefile text column): both read the same.
    return f"CASE WHEN {value} ~ '{_NUMERIC_TEXT}' THEN {value}::{cast} END AS {source.name}"


_PARCELS_CTE = """
    WITH parcel_versions AS (
        SELECT DISTINCT ON (l.id) v.id
        FROM layers l JOIN layer_versions v ON v.layer_id = l.id
        WHERE l.kind = '{parcel_kind}'
        ORDER BY l.id, v.version DESC
    ),
    parcels AS (
        SELECT f.id AS feature_id, f.geom, f.area_m2, {columns}
        FROM layer_features f
        WHERE f.version_id IN (SELECT id FROM parcel_versions)
    )
""".format(
    parcel_kind=INVESTMENT_PARCEL.slug,
    columns=", ".join(_stored_column(source) for source in PARCEL_FIELDS if source.kind != "derived"),
)

_DERIVED_SQL: dict[str, str] = {
    # The district's name comes from the current district layer, keyed by its GB/T 2260 code.
    "district_name": (
        "(SELECT d.properties ->> 'name' FROM layers dl "
        "JOIN LATERAL (SELECT v.id FROM layer_versions v WHERE v.layer_id = dl.id "
        "ORDER BY v.version DESC LIMIT 1) dv ON true "
        "JOIN layer_features d ON d.version_id = dv.id "
        f"WHERE dl.kind = '{DISTRICT.slug}' AND d.properties ->> 'adcode' = p.district_code "
        "ORDER BY dl.id LIMIT 1)"
    ),
    "landuse_name_en": "coalesce(CAST(:class_names AS jsonb) ->> p.landuse_code, "
                       "CAST(:class_names AS jsonb) ->> left(p.landuse_code, 2))",
    "area_m2": "round(p.area_m2::numeric, 2)",
    "area_mu": f"round((p.area_m2 / {M2_PER_MU!r})::numeric, 4)",
    "area_ha": f"round((p.area_m2 / {M2_PER_HECTARE})::numeric, 6)",
}

_ANCHOR_SQL = (
    "json_build_array(round(ST_X(ST_PointOnSurface(p.geom))::numeric, 6), "
    "round(ST_Y(ST_PointOnSurface(p.geom))::numeric, 6))"
)


def _properties_sql(*extra: tuple[str, str]) -> str:
    """A JSON object of parcel ``p``: exactly :data:`PARCEL_FIELDS`, in that order, then ``extra`` pairs."""
    pairs = [(name, _DERIVED_SQL.get(name, f"p.{name}")) for name in FIELD_NAMES] + list(extra)
    return "json_build_object({})".format(", ".join(f"'{name}', {sql}" for name, sql in pairs))


PROPERTIES_SQL = _properties_sql()


def _split(parameter: str, value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    values = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not values:
        raise ParcelQueryError(parameter, Message("parcels.empty"))
    if len(values) > MAX_FILTER_VALUES:
        raise ParcelQueryError(parameter, Message("parcels.too_many", count=MAX_FILTER_VALUES))
    return values


def _one_of(parameter: str, value: str | None, allowed: dict[str, Text]) -> tuple[str, ...]:
    values = _split(parameter, value)
    for item in values:
        if item not in allowed:
            raise ParcelQueryError(parameter, Message("parcels.not_one_of", item=item, allowed=list(allowed)))
    return values


@dataclass(frozen=True)
class ParcelQuery:
    """Validated filters and sort order of a parcel list or export; each filter narrows (AND)."""

    districts: tuple[str, ...] = ()
    land_uses: tuple[str, ...] = ()
    area_min: float | None = None
    area_max: float | None = None
    acquisition_statuses: tuple[str, ...] = ()
    demolition_statuses: tuple[str, ...] = ()
    availabilities: tuple[str, ...] = ()
    bbox: BBox | None = None
    sort: tuple[tuple[str, bool], ...] = (("parcel_code", False),)
    """(field, descending) pairs."""

    @classmethod
    def parse(
        cls,
        *,
        district: str | None = None,
        land_use: str | None = None,
        area_min: float | None = None,
        area_max: float | None = None,
        acquisition_status: str | None = None,
        demolition_status: str | None = None,
        availability: str | None = None,
        bbox: str | None = None,
        sort: str | None = None,
    ) -> ParcelQuery:
        """Parse the public's query values; :class:`ParcelQueryError` says which one is wrong and why.

        List values are comma-separated (``acquisition_status=not_started,in_progress``). ``land_use``
        takes first-level (``09``) or second-level (``0901``) classes and matches by prefix. ``sort`` takes
        up to three fields of :data:`SORT_FIELDS`, each with ``-`` for descending.
        """
        districts = _split("district", district)
        for code in districts:
            if not _DISTRICT_CODE.fullmatch(code):
                raise ParcelQueryError("district", Message("parcels.district", code=code))
        land_uses = _split("land_use", land_use)
        for code in land_uses:
            if not is_known_class(code):
                raise ParcelQueryError("land_use", Message("parcels.land_use", code=code))
        for name, value in (("area_min", area_min), ("area_max", area_max)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ParcelQueryError(name, Message("parcels.area"))
        if area_min is not None and area_max is not None and area_min > area_max:
            raise ParcelQueryError("area_max", Message("parcels.area_order", area_min=area_min))
        try:
            box = BBox.parse(bbox) if bbox is not None else None
        except BBoxError as error:
            raise ParcelQueryError("bbox", message_of(error)) from None
        return cls(
            districts=districts,
            land_uses=land_uses,
            area_min=area_min,
            area_max=area_max,
            acquisition_statuses=_one_of("acquisition_status", acquisition_status, ACQUISITION_STATUSES),
            demolition_statuses=_one_of("demolition_status", demolition_status, DEMOLITION_STATUSES),
            availabilities=_one_of("availability", availability, AVAILABILITIES),
            bbox=box,
            sort=_parse_sort(sort),
        )

    def where(self) -> tuple[str, dict[str, Any]]:
        """The WHERE clause over the ``parcels`` CTE (alias ``p``) and its bound parameters."""
        clauses = ["p.parcel_code IS NOT NULL"]  # a parcel without a code cannot be shown or asked about
        parameters: dict[str, Any] = {}
        for column, values in (
            ("district_code", self.districts),
            ("acquisition_status", self.acquisition_statuses),
            ("demolition_status", self.demolition_statuses),
            ("availability", self.availabilities),
        ):
            if values:
                clauses.append(f"p.{column} = ANY(:{column})")
                parameters[column] = list(values)
        if self.land_uses:
            clauses.append("EXISTS (SELECT 1 FROM unnest(CAST(:land_uses AS text[])) AS c "
                           "WHERE p.landuse_code LIKE c || '%')")
            parameters["land_uses"] = list(self.land_uses)
        if self.area_min is not None:
            clauses.append("p.area_m2 >= :area_min")
            parameters["area_min"] = self.area_min
        if self.area_max is not None:
            clauses.append("p.area_m2 <= :area_max")
            parameters["area_max"] = self.area_max
        if self.bbox is not None:
            box = self.bbox.where_sql("p.geom")
            clauses.append(f"({box.sql})")
            parameters.update(box.parameters)
        return " AND ".join(clauses), parameters

    def order_by(self) -> str:
        """ORDER BY from whitelisted fields only; the code and feature id make the order total."""
        keys = [f"{SORT_FIELDS[name]} {'DESC' if descending else 'ASC'} NULLS LAST" for name, descending in self.sort]
        return ", ".join([*keys, "p.parcel_code", "p.feature_id"])


def _parse_sort(value: str | None) -> tuple[tuple[str, bool], ...]:
    if value is None:
        return (("parcel_code", False),)
    keys = _split("sort", value)
    if len(keys) > MAX_SORT_KEYS:
        raise ParcelQueryError("sort", Message("parcels.sort_keys", count=MAX_SORT_KEYS))
    parsed = []
    for key in keys:
        descending = key.startswith("-")
        name = key.lstrip("-+")
        if name not in SORT_FIELDS:
            raise ParcelQueryError("sort", Message("parcels.sort", name=name, sortable=list(SORT_FIELDS)))
        parsed.append((name, descending))
    return tuple(parsed)


def _base_parameters() -> dict[str, Any]:
    return {"class_names": _CLASS_NAMES_EN, "decimals": GEOJSON_DECIMALS}


def count_parcels(connection: Connection, query: ParcelQuery) -> int:
    """How many parcels match the filters."""
    where, parameters = query.where()
    return connection.execute(
        text(f"{_PARCELS_CTE} SELECT count(*) FROM parcels p WHERE {where}"), parameters
    ).scalar_one()


def page_of_parcels(
    connection: Connection, query: ParcelQuery, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> dict[str, Any]:
    """One page of matching parcels: public properties plus ``anchor``, a [lon, lat] point inside each."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ParcelQueryError("page_size", Message("parcels.between", most=MAX_PAGE_SIZE))
    if not 1 <= page <= MAX_PAGE:
        raise ParcelQueryError("page", Message("parcels.between", most=MAX_PAGE))
    where, parameters = query.where()
    total = count_parcels(connection, query)
    items = connection.execute(
        text(
            f"{_PARCELS_CTE} SELECT coalesce(json_agg(item ORDER BY n), '[]'::json) FROM ("
            f"  SELECT row_number() OVER (ORDER BY {query.order_by()}) AS n,"
            f"    {_properties_sql(('anchor', _ANCHOR_SQL))} AS item"
            f"  FROM parcels p WHERE {where} ORDER BY {query.order_by()} LIMIT :limit OFFSET :offset"
            ") page"
        ),
        {**parameters, **_base_parameters(), "limit": page_size, "offset": (page - 1) * page_size},
    ).scalar_one()
    return {
        "parcels": items,
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": math.ceil(total / page_size),
        "sort": ",".join(("-" if descending else "") + name for name, descending in query.sort),
    }


def _check_export_size(connection: Connection, query: ParcelQuery) -> None:
    matched = count_parcels(connection, query)
    if matched > MAX_EXPORT_FEATURES:
        raise ExportTooLargeError(matched)


def parcels_feature_collection(connection: Connection, query: ParcelQuery) -> dict[str, Any]:
    """Every matching parcel as an RFC 7946 FeatureCollection built in PostGIS (id = parcel code)."""
    _check_export_size(connection, query)
    where, parameters = query.where()
    features = connection.execute(
        text(
            f"{_PARCELS_CTE} SELECT coalesce(json_agg(json_build_object("
            "  'type', 'Feature', 'id', p.parcel_code,"
            f"  'geometry', {geojson_sql('p.geom')},"
            f"  'properties', {PROPERTIES_SQL}"
            f") ORDER BY {query.order_by()}), '[]'::json) FROM parcels p WHERE {where}"
        ),
        {**parameters, **_base_parameters()},
    ).scalar_one()
    return {"type": "FeatureCollection", "features": features}


def parcel_records(connection: Connection, query: ParcelQuery) -> list[tuple[dict[str, Any], str, float, float]]:
    """Every matching parcel (for tabular export): its public properties in :data:`PARCEL_FIELDS` order, its
    geometry as WKT (WGS84 lon/lat, exterior rings counter-clockwise) and its centroid's lon and lat."""
    _check_export_size(connection, query)
    where, parameters = query.where()
    rows = connection.execute(
        text(f"{_PARCELS_CTE} SELECT {PROPERTIES_SQL}, ST_AsText(ST_ForcePolygonCCW(p.geom), :decimals), "
             "round(ST_X(ST_Centroid(p.geom))::numeric, :decimals), round(ST_Y(ST_Centroid(p.geom))::numeric, "
             f":decimals) FROM parcels p WHERE {where} ORDER BY {query.order_by()}"),
        {**parameters, **_base_parameters()},
    ).all()
    return [(properties, wkt, float(lon), float(lat)) for properties, wkt, lon, lat in rows]


@dataclass(frozen=True)
class ParcelRecord:
    """One parcel: its public properties, geometry (GeoJSON), a point inside it, and WKB for overlays."""

    properties: dict[str, Any]
    geometry: dict[str, Any]
    anchor: list[float]
    bbox: list[float]
    wkb: bytes


def find_parcel(connection: Connection, code: str) -> ParcelRecord | None:
    """The parcel with this code in the current parcel layers (the newest layer wins a duplicate code)."""
    row = connection.execute(
        text(
            f"{_PARCELS_CTE} SELECT {PROPERTIES_SQL} AS properties, "
            f"{geojson_sql('p.geom')} AS geometry, "
            f"{_ANCHOR_SQL} AS anchor, "
            "json_build_array(ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom)) AS bbox, "
            "ST_AsBinary(p.geom) AS wkb "
            "FROM parcels p WHERE p.parcel_code = :code ORDER BY p.feature_id DESC LIMIT 1"
        ),
        {"code": code, **_base_parameters()},
    ).one_or_none()
    if row is None:
        return None
    return ParcelRecord(
        properties=row.properties, geometry=row.geometry, anchor=row.anchor,
        bbox=[round(value, 6) for value in row.bbox], wkb=bytes(row.wkb),
    )


def parcel_facets(connection: Connection) -> dict[str, Any]:
    """What the filters can choose from: the districts and first-level land-use classes that have parcels,
    and the extent of all parcels (west, south, east, north), or None when there is none."""
    where, parameters = ParcelQuery().where()
    extent = connection.execute(
        text(f"{_PARCELS_CTE} SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
             f"FROM (SELECT ST_Extent(p.geom)::geometry AS e FROM parcels p WHERE {where}) x"),
        parameters,
    ).one()
    districts = connection.execute(
        text(
            f"{_PARCELS_CTE} SELECT p.district_code AS code, "
            f"{_DERIVED_SQL['district_name']} AS name, count(*) AS parcels "
            f"FROM parcels p WHERE {where} AND p.district_code IS NOT NULL GROUP BY p.district_code ORDER BY 1"
        ),
        parameters,
    ).all()
    classes = connection.execute(
        text(
            f"{_PARCELS_CTE} SELECT left(p.landuse_code, 2) AS code, count(*) AS parcels "
            f"FROM parcels p WHERE {where} AND p.landuse_code IS NOT NULL GROUP BY 1 ORDER BY 1"
        ),
        parameters,
    ).all()
    return {
        "extent": list(extent) if extent[0] is not None else None,
        "districts": [{"code": row.code, "name": row.name, "parcels": row.parcels} for row in districts],
        "land_uses": [
            {"code": row.code, "zh": FIRST_LEVEL_CLASSES[row.code][0], "en": FIRST_LEVEL_CLASSES[row.code][1],
             "parcels": row.parcels}
            for row in classes if row.code in FIRST_LEVEL_CLASSES
        ],
    }
