"""Read side of the layer store: the catalogue of stored layers and their features as GeoJSON.

GeoJSON is built in PostGIS (``ST_AsGeoJSON`` and ``json_build_object``), RFC 7946 by default: WGS84
lon/lat, exterior rings counter-clockwise, coordinates rounded to 7 decimals (about 1 cm); other served CRSs
(OGC API – Features Part 2) are transformed in the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import Engine, text

from gis.crs import CRS84_SERVED, ServedCrs, check_area_of_use, parse_crs
from gis.db import get_engine, kept_properties_sql
from gis.errors import SpatialInputError
from gis.messages import Message, Text, phrases
from gis.sql import SqlFragment, geojson_sql
from layers.catalogue import LAYER_KINDS

MAX_PAGE_SIZE = 5_000
GEOJSON_DECIMALS = 7


phrases(
    "layer",
    not_found=Text("没有图层{layer}。", "There is no layer {layer}."),
    version_not_found=Text("图层{layer}没有第{version}版。", "There is no layer {layer} version {version}."),
    bbox_parts=Text("范围须为四个数值：{crs}中的{order}", "bbox must be four numbers: {order} in {crs}"),
    bbox_number=Text("范围“{value}”中有不是数值的部分", "bbox {value!r} has a part that is not a number"),
    bbox_finite=Text("范围“{value}”中有不是有限数值的部分", "bbox {value!r} has a part that is not a finite number"),
    bbox_degrees=Text("范围须为经纬度{order}：经度在[-180, 180]之间，纬度在[-90, 90]之间",
                      "bbox must be {order} in degrees: longitudes in [-180, 180], latitudes in [-90, 90]"),
    bbox_south_north=Text("范围须为{order}，且南不大于北", "bbox must be {order} with south <= north"),
    bbox_west_east=Text("范围须为{order}，且西不大于东", "bbox must be {order} with west <= east"),
    bbox_outside_crs=Text("范围 {value} 不在 {crs} 的适用范围内（坐标按{order}顺序读取）",
                          "bbox {value} lies outside the area of use of {crs}, whose coordinates are read {order}"),
)

_EASTING_FIRST = Text("西,南,东,北", "west,south,east,north")
_NORTHING_FIRST = Text("南,西,北,东", "south,west,north,east")


class LayerNotFoundError(LookupError):
    def __init__(self, layer_id: int, version: int | None = None) -> None:
        super().__init__(Message("layer.not_found", layer=layer_id) if version is None
                         else Message("layer.version_not_found", layer=layer_id, version=version))


class BBoxError(ValueError):
    """A ``bbox`` parameter that is not four numbers in its CRS's axis order, or not a box there."""


@dataclass(frozen=True)
class BBox:
    """A bounding box in a served CRS: ``west``/``east`` are longitudes or eastings, ``south``/``north``
    latitudes or northings (degrees or metres, whatever the CRS's axis order), WGS84 lon/lat by default.

    In a geographic CRS a ``west`` greater than ``east`` crosses the antimeridian (180°), as OGC API –
    Features allows.
    """

    west: float
    south: float
    east: float
    north: float
    crs: ServedCrs = CRS84_SERVED

    @classmethod
    def parse(cls, value: str, crs: ServedCrs = CRS84_SERVED, *, antimeridian: bool = False) -> BBox:
        """Parse four numbers (six for a 3D box: the heights are dropped, planning polygons have none) in
        ``crs``'s axis order: ``west,south,east,north`` in CRS84 and EPSG:3857, latitude/northing first in
        EPSG:4326, 4490, 4548 and 4527. With ``antimeridian`` (OGC API), a west greater than east in a
        geographic CRS crosses 180°; elsewhere it is a mistake. Raise BBoxError with a message a person can
        act on."""
        parts = value.split(",")
        if len(parts) == 6:
            parts = [parts[0], parts[1], parts[3], parts[4]]
        order = _NORTHING_FIRST if crs.northing_first else _EASTING_FIRST
        if len(parts) != 4:
            raise BBoxError(Message("layer.bbox_parts", order=order, crs=crs.name))
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            raise BBoxError(Message("layer.bbox_number", value=value)) from None
        if not all(math.isfinite(number) for number in numbers):
            raise BBoxError(Message("layer.bbox_finite", value=value))
        if crs.northing_first:
            south, west, north, east = numbers
        else:
            west, south, east, north = numbers
        if south > north:
            raise BBoxError(Message("layer.bbox_south_north", order=order))
        in_range = -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
        if crs.geographic and not in_range:
            raise BBoxError(Message("layer.bbox_degrees", order=order))
        if west > east and not (antimeridian and crs.geographic):
            raise BBoxError(Message("layer.bbox_west_east", order=order))
        if not crs.geographic:  # PROJ cannot transform what lies far outside the CRS (a 500 from the database)
            try:
                check_area_of_use(shapely.box(west, south, east, north), parse_crs(crs.uri))
            except SpatialInputError:
                raise BBoxError(Message("layer.bbox_outside_crs", value=value, crs=crs.name, order=order)) from None
        return cls(west, south, east, north, crs)

    def where_sql(self, column: str) -> SqlFragment:
        """The condition that ``column`` (SRID 4326) intersects the box: by index (``&&``), then exactly.

        The box is transformed to WGS84 in the database, never the column, so the index serves; a box
        over the antimeridian is its two halves.
        """
        spans = [(self.west, self.east)] if self.west <= self.east else [(self.west, 180.0), (-180.0, self.east)]
        parameters: dict[str, float] = {"bbox_south": self.south, "bbox_north": self.north}
        conditions = []
        for index, (west, east) in enumerate(spans):
            parameters |= {f"bbox_west_{index}": west, f"bbox_east_{index}": east}
            envelope = (f"ST_MakeEnvelope(:bbox_west_{index}, :bbox_south, :bbox_east_{index}, :bbox_north, "
                        f"{int(self.crs.srid)})")
            if self.crs.srid != 4326:
                envelope = f"ST_Transform({envelope}, 4326)"
            conditions.append(f"({column} && {envelope} AND ST_Intersects({column}, {envelope}))")
        return SqlFragment(" OR ".join(conditions), parameters)


def list_layers(engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every stored layer with its kind, department, versions (newest last) and current extent (WGS84).

    ``slug`` is the layer's stable name (the OGC API collection id, a GeoPackage table name): its kind's
    slug (``land_use``) for the oldest stored layer of that kind, ``<kind>_<layer id>`` for any later one.
    """
    with (engine or get_engine()).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT l.id, l.name, l.kind, v.id AS version_id, v.version, v.created_at, v.source_name, "
                "v.source_crs, v.feature_count, v.repaired_count, "
                "ST_XMin(v.extent) AS west, ST_YMin(v.extent) AS south, "
                "ST_XMax(v.extent) AS east, ST_YMax(v.extent) AS north "
                "FROM layers l JOIN layer_versions v ON v.layer_id = l.id ORDER BY l.id, v.version"
            )
        ).all()
    layers: dict[int, dict[str, Any]] = {}
    for row in rows:
        kind = LAYER_KINDS.get(row.kind)
        entry = layers.setdefault(
            row.id,
            {
                "id": row.id,
                "name": row.name,
                "kind": row.kind,
                "kind_name": {"zh": kind.name.zh, "en": kind.name.en} if kind else None,
                "department": kind.department.value if kind else None,
                "versions": [],
            },
        )
        entry["versions"].append(
            {
                "version": row.version,
                "version_id": row.version_id,
                "created_at": row.created_at.isoformat(),
                "source_name": row.source_name,
                "source_crs": row.source_crs,
                "feature_count": row.feature_count,
                "repaired_count": row.repaired_count,
                "extent": [row.west, row.south, row.east, row.north] if row.west is not None else None,
            }
        )
    first_of_kind: dict[str, int] = {}
    for entry in layers.values():  # by id: the oldest layer of a kind keeps the kind's own name
        first = first_of_kind.setdefault(entry["kind"], entry["id"])
        entry["slug"] = entry["kind"] if first == entry["id"] else f"{entry['kind']}_{entry['id']}"
        current = entry["versions"][-1]
        entry.update(
            current_version=current["version"],
            feature_count=current["feature_count"],
            extent=current["extent"],
            crs="EPSG:4326",
            source_crs=current["source_crs"],
        )
    return list(layers.values())


def resolve_version(layer_id: int, version: int | None, engine: Engine | None = None) -> tuple[int, str]:
    """The id of ``version`` of a layer, or of its current (highest) version, and the layer's kind."""
    with (engine or get_engine()).connect() as connection:
        row = connection.execute(
            text(
                "SELECT v.id, l.kind FROM layer_versions v JOIN layers l ON l.id = v.layer_id "
                "WHERE v.layer_id = :layer AND (CAST(:version AS integer) IS NULL OR v.version = :version) "
                "ORDER BY v.version DESC LIMIT 1"
            ),
            {"layer": layer_id, "version": version},
        ).one_or_none()
    if row is None:
        raise LayerNotFoundError(layer_id, version)
    return row.id, row.kind


def public_properties_sql(kind: str, row: str = "f") -> str:
    """SQL of the properties of feature ``row`` that its kind lets out (:attr:`LayerKind.public_attributes`)."""
    layer_kind = LAYER_KINDS.get(kind)
    keys = layer_kind.public_attributes if layer_kind else None
    return f"{row}.properties" if keys is None else kept_properties_sql(row, keys)


def items_query(
    version_id: int,
    kind: str,
    *,
    bbox: BBox | None = None,
    crs: ServedCrs = CRS84_SERVED,
    extra_where: SqlFragment | None = None,
    feature_id: int | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> tuple[SqlFragment, SqlFragment]:
    """The count statement and the page statement of a layer version's features: the one place where the
    features query of the API and the OGC API is built.

    The page is one ``json`` FeatureCollection ``features`` array built in PostGIS, geometries in ``crs``
    (transformed in the database, see :func:`gis.sql.geojson_sql`), in import order. ``extra_where`` is
    any further condition on the feature row ``f`` (``f.id``, ``f.feature_index``, ``f.properties``
    jsonb, ``f.geom`` SRID 4326 WGS84 lon/lat, ``f.area_m2``), e.g. a CQL2 filter; its parameter names
    must not clash with ``version_id``, ``feature_id``, ``limit``, ``offset``, ``decimals`` or ``bbox_*``.
    Properties are the kind's public ones only (the parcel whitelist), plus the true area in m².
    """
    where = SqlFragment("f.version_id = :version_id", {"version_id": version_id})
    if feature_id is not None:
        where = where & SqlFragment("f.id = :feature_id", {"feature_id": feature_id})
    if bbox is not None:
        where = where & bbox.where_sql("f.geom")
    if extra_where is not None:
        where = where & extra_where
    count = SqlFragment(f"SELECT count(*) FROM layer_features f WHERE {where.sql}", where.parameters)
    page = SqlFragment(
        "SELECT coalesce(json_agg(json_build_object("
        "  'type', 'Feature', 'id', f.id,"
        f"  'geometry', {geojson_sql('f.geom', ':decimals', crs)},"
        f"  'properties', {public_properties_sql(kind)} "
        "|| jsonb_build_object('area_m2', round(f.area_m2::numeric, 2))"
        ") ORDER BY f.feature_index), '[]'::json) "
        f"FROM (SELECT * FROM layer_features f WHERE {where.sql} "
        "ORDER BY f.feature_index LIMIT :limit OFFSET :offset) f",
        {**where.parameters, "limit": max(0, min(limit, MAX_PAGE_SIZE)), "offset": offset,
         "decimals": crs.decimals},
    )
    return count, page


def features_geojson(
    layer_id: int,
    *,
    bbox: BBox | None = None,
    crs: ServedCrs = CRS84_SERVED,
    extra_where: SqlFragment | None = None,
    limit: int = 1000,
    offset: int = 0,
    version: int | None = None,
    feature_id: int | None = None,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """A page of a layer version's features as a FeatureCollection (RFC 7946 in the default CRS84).

    ``bbox`` and ``extra_where`` filter (see :func:`items_query`), ``feature_id`` keeps only that feature
    (an OGC API item); ``numberMatched`` counts all matches, ``numberReturned`` this page.
    """
    engine = engine or get_engine()
    version_id, kind = resolve_version(layer_id, version, engine)
    count, page = items_query(version_id, kind, bbox=bbox, crs=crs, extra_where=extra_where,
                              feature_id=feature_id, limit=limit, offset=offset)
    with engine.connect() as connection:
        matched = connection.execute(text(count.sql), dict(count.parameters)).scalar_one()
        features = connection.execute(text(page.sql), dict(page.parameters)).scalar_one()
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
    }


@dataclass(frozen=True)
class CurrentVersion:
    """The current version of one stored layer."""

    layer_id: int
    layer_name: str
    kind: str
    version: int
    version_id: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_CURRENT_VERSIONS = text(
    "SELECT DISTINCT ON (l.id) l.id AS layer_id, l.name AS layer_name, l.kind, v.version, v.id AS version_id "
    "FROM layers l JOIN layer_versions v ON v.layer_id = l.id ORDER BY l.id, v.version DESC"
)


def current_versions(connection: Any) -> list[CurrentVersion]:
    """The current version of every stored layer (the highest version number)."""
    return [CurrentVersion(*row) for row in connection.execute(_CURRENT_VERSIONS).all()]


FEATURE_CODE_ATTRIBUTES: tuple[str, ...] = ("parcel_code", "zone_code", "redline_code", "line_code")
"""The attributes that identify a feature to people: 地块编号 of farmland, acquisition and investment parcels,
the land-use zone's 图斑编号, the red line's and the blue line's codes. A search finds features by them."""


@dataclass(frozen=True)
class FeatureMatch:
    """A feature of a current layer version whose code matched: where it is (WGS84 bounds) and what it is."""

    layer_id: int
    layer_name: str
    kind: str
    version: int
    feature_id: int
    attribute: str
    code: str
    bbox: tuple[float, float, float, float]


def find_features_by_code(connection: Any, code: str, limit: int) -> list[FeatureMatch]:
    """Features of the current layer versions whose code (:data:`FEATURE_CODE_ATTRIBUTES`) starts with
    ``code``, case aside; the exact match first. A code a kind keeps private (not among its public
    attributes) is never searched."""
    hidden = [",".join(slug for slug, kind in LAYER_KINDS.items()
                       if kind.public_attributes is not None and key not in kind.public_attributes)
              for key in FEATURE_CODE_ATTRIBUTES]
    rows = connection.execute(
        text(
            f"WITH c AS ({_CURRENT_VERSIONS.text}) "
            "SELECT c.layer_id, c.layer_name, c.kind, c.version, f.id, k.key, f.properties ->> k.key AS code, "
            "ST_XMin(f.geom), ST_YMin(f.geom), ST_XMax(f.geom), ST_YMax(f.geom) "
            "FROM c JOIN layer_features f ON f.version_id = c.version_id "
            "CROSS JOIN unnest(CAST(:keys AS text[]), CAST(:hidden AS text[])) AS k(key, hidden) "
            "WHERE starts_with(upper(f.properties ->> k.key), upper(:code)) "
            "AND NOT c.kind = ANY(string_to_array(k.hidden, ',')) "
            "ORDER BY upper(f.properties ->> k.key) = upper(:code) DESC, f.properties ->> k.key, f.id LIMIT :limit"
        ),
        {"keys": list(FEATURE_CODE_ATTRIBUTES), "hidden": hidden, "code": code, "limit": limit},
    ).all()
    return [FeatureMatch(*row[:7], bbox=tuple(row[7:])) for row in rows]
