"""The districts (区) a project lies in, by GB/T 2260 code, named and placed from the district layer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from gis.area import area_m2_sql

TOUCH_M2 = 0.005
"""A district's part of a site below this (half the reports' 0.01 m² precision) is a shared edge, not a part."""

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


@dataclass(frozen=True)
class SiteDistrict:
    """A district holding part of a site: its GB/T 2260 code, name and the part's ellipsoidal area in m²."""

    code: str
    name: str
    area_m2: float


def site_districts(connection: Connection, site_wkb: bytes) -> list[SiteDistrict]:
    """The districts a site (WKB, WGS84 lon/lat) lies in, the largest part first (ties by code), from the newest
    version of the district layer; empty when the site lies in none or the layer is missing."""
    rows = connection.execute(text(
        f"SELECT code, name, {area_m2_sql('ST_Intersection(d.geom, s.geom)')} AS area_m2 "
        f"FROM ({_NEWEST_DISTRICTS}) d, (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom) s "
        "WHERE d.geom && s.geom AND ST_Intersects(d.geom, s.geom) ORDER BY area_m2 DESC, code"
    ), {"wkb": site_wkb}).all()
    return [SiteDistrict(row.code, row.name, float(row.area_m2)) for row in rows if row.area_m2 >= TOUCH_M2]
