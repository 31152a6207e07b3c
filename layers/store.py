"""Read side of the layer store: the catalogue of stored layers and their features as GeoJSON.

GeoJSON is built in PostGIS (``ST_AsGeoJSON`` and ``json_build_object``), RFC 7946: WGS84 lon/lat,
coordinates rounded to 7 decimals (about 1 cm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from gis.db import get_engine, kept_properties_sql
from gis.messages import Message, Text, phrases
from layers.catalogue import LAYER_KINDS

MAX_PAGE_SIZE = 5_000
GEOJSON_DECIMALS = 7


phrases(
    "layer",
    not_found=Text("没有图层{layer}。", "There is no layer {layer}."),
    version_not_found=Text("图层{layer}没有第{version}版。", "There is no layer {layer} version {version}."),
    bbox_parts=Text("范围须为四个数值：西,南,东,北（WGS84经纬度）",
                    "bbox must be four numbers: west,south,east,north (WGS84 degrees)"),
    bbox_number=Text("范围“{value}”中有不是数值的部分", "bbox {value!r} has a part that is not a number"),
    bbox_degrees=Text("范围须为WGS84经纬度：经度在[-180, 180]之间，纬度在[-90, 90]之间",
                      "bbox must be in WGS84 degrees: longitudes in [-180, 180], latitudes in [-90, 90]"),
    bbox_order=Text("范围须为西,南,东,北，且西不大于东、南不大于北",
                    "bbox must be west,south,east,north with west <= east and south <= north"),
)


class LayerNotFoundError(LookupError):
    def __init__(self, layer_id: int, version: int | None = None) -> None:
        super().__init__(Message("layer.not_found", layer=layer_id) if version is None
                         else Message("layer.version_not_found", layer=layer_id, version=version))


class BBoxError(ValueError):
    """A ``bbox`` parameter that is not west,south,east,north in WGS84 degrees."""


@dataclass(frozen=True)
class BBox:
    """A lon/lat bounding box in WGS84 degrees."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, value: str) -> BBox:
        """Parse ``west,south,east,north``; raise BBoxError with a message a person can act on."""
        parts = value.split(",")
        if len(parts) != 4:
            raise BBoxError(Message("layer.bbox_parts"))
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise BBoxError(Message("layer.bbox_number", value=value)) from None
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
            raise BBoxError(Message("layer.bbox_degrees"))
        if west > east or south > north:
            raise BBoxError(Message("layer.bbox_order"))
        return cls(west, south, east, north)


def list_layers(engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every stored layer with its kind, department, versions (newest last) and current extent."""
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
    for entry in layers.values():
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


def features_geojson(
    layer_id: int,
    *,
    bbox: BBox | None = None,
    limit: int = 1000,
    offset: int = 0,
    version: int | None = None,
    feature_id: int | None = None,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """A page of a layer version's features as an RFC 7946 FeatureCollection built in PostGIS.

    ``bbox`` filters by index (``&&``) and then by true intersection; ``feature_id`` keeps only that
    feature (an OGC API item); ``numberMatched`` counts all matches, ``numberReturned`` this page.
    Properties are the kind's public ones only (the parcel whitelist), plus the true area in m².
    """
    engine = engine or get_engine()
    version_id, kind = resolve_version(layer_id, version, engine)
    limit = max(0, min(limit, MAX_PAGE_SIZE))
    envelope = "ST_MakeEnvelope(:west, :south, :east, :north, 4326)"
    where = "f.version_id = :version_id" + (
        f" AND f.geom && {envelope} AND ST_Intersects(f.geom, {envelope})" if bbox else ""
    ) + (" AND f.id = :feature_id" if feature_id is not None else "")
    parameters: dict[str, Any] = {
        "version_id": version_id,
        "feature_id": feature_id,
        "limit": limit,
        "offset": offset,
        "decimals": GEOJSON_DECIMALS,
        **(bbox.__dict__ if bbox else {}),
    }
    with engine.connect() as connection:
        matched = connection.execute(
            text(f"SELECT count(*) FROM layer_features f WHERE {where}"), parameters
        ).scalar_one()
        features = connection.execute(
            text(
                "SELECT coalesce(json_agg(json_build_object("
                "  'type', 'Feature', 'id', f.id,"
                "  'geometry', ST_AsGeoJSON(f.geom, :decimals)::json,"
                f"  'properties', {public_properties_sql(kind)} "
                "|| jsonb_build_object('area_m2', round(f.area_m2::numeric, 2))"
                ") ORDER BY f.feature_index), '[]'::json) "
                f"FROM (SELECT * FROM layer_features f WHERE {where} "
                "ORDER BY f.feature_index LIMIT :limit OFFSET :offset) f"
            ),
            parameters,
        ).scalar_one()
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
