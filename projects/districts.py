"""The districts (区) a project lies in, by GB/T 2260 code, named and placed from the district layer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

_NEWEST_DISTRICTS = (
    "SELECT DISTINCT ON (f.properties->>'adcode') f.properties->>'adcode' AS code, f.properties->>'name' AS name, "
    "f.geom FROM layer_features f JOIN layer_versions v ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id "
    "WHERE l.kind = 'district' AND f.properties ->> 'adcode' IS NOT NULL "
    "ORDER BY f.properties->>'adcode', v.version DESC"
)


def district_names(connection: Connection) -> dict[str, str]:
    """GB/T 2260 code → district name, from the newest version of the district layer."""
    rows = connection.execute(text(f"SELECT code, name FROM ({_NEWEST_DISTRICTS}) d")).all()
    return {r.code: r.name for r in rows}


@dataclass(frozen=True)
class District:
    """A district of the district layer: code, name and bounds (west, south, east, north, WGS84 degrees)."""

    code: str
    name: str
    bbox: tuple[float, float, float, float]


def districts(connection: Connection) -> dict[str, District]:
    """GB/T 2260 code → the district with its bounds, from the newest version of the district layer."""
    rows = connection.execute(text(
        f"SELECT code, name, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM ({_NEWEST_DISTRICTS}) d"
    )).all()
    return {row[0]: District(row[0], row[1], tuple(row[2:])) for row in rows}


def district_at(connection: Connection, lon: float, lat: float) -> District | None:
    """The district a WGS84 point lies in, or None (at sea, or outside the planning area)."""
    row = connection.execute(text(
        f"SELECT code, name, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM ({_NEWEST_DISTRICTS}) d "
        "WHERE ST_Intersects(geom, ST_SetSRID(ST_Point(:lon, :lat), 4326)) LIMIT 1"
    ), {"lon": lon, "lat": lat}).one_or_none()
    return District(row[0], row[1], tuple(row[2:])) if row else None
