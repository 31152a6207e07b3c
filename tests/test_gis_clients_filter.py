"""Real GIS clients filter the sample land-use layer on the server (OGC API – Features – Part 3): OWSLib reads
the queryables and sends CQL2 text and JSON; GDAL's OAPIF driver (``ogrinfo -where``, Debian's gdal-bin)
finds the queryables in the API definition and sends the condition to the server instead of downloading
the whole layer. Every count is the one PostGIS gives."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import text

RESIDENTIAL = "0701"  # 城镇住宅用地


@pytest.fixture(scope="module")
def land_use(live_server) -> str:
    """The collection id of the sample land-use layer (国土空间规划用地)."""
    collections = Features(f"{live_server}/ogc").collections()["collections"]
    return next(c["id"] for c in collections if "国土空间规划用地" in c["description"])


def postgis_count(engine, where: str, **parameters) -> int:
    """The count of the current sample land-use features matching ``where``, by PostGIS alone."""
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM layer_features f WHERE f.version_id = (SELECT v.id FROM layer_versions v "
            "JOIN layers l ON l.id = v.layer_id WHERE l.kind = 'land_use' ORDER BY l.id, v.version DESC LIMIT 1) "
            f"AND {where}"), parameters).scalar_one()


def test_owslib_reads_the_queryables_and_filters_on_the_server(live_server, engine, land_use):
    features = Features(f"{live_server}/ogc")
    queryables = features.collection_queryables(land_use)
    assert queryables["properties"]["landuse_code"]["type"] == "string"
    expected = postgis_count(engine, "f.properties ->> 'landuse_code' = :code", code=RESIDENTIAL)
    found = features.collection_items(land_use, filter=f"landuse_code = '{RESIDENTIAL}'", limit=5000)
    assert 0 < found["numberMatched"] == len(found["features"]) == expected
    assert {feature["properties"]["landuse_code"] for feature in found["features"]} == {RESIDENTIAL}
    as_json = {"op": "and", "args": [
        {"op": "like", "args": [{"property": "landuse_code"}, "07%"]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [118.05, 24.42, 118.2, 24.56]}]},
    ]}
    found = features.collection_items(land_use, filter=json.dumps(as_json), limit=5000, **{"filter-lang": "cql2-json"})
    assert found["numberMatched"] == postgis_count(
        engine, "f.properties ->> 'landuse_code' LIKE '07%' AND "
                "ST_Intersects(f.geom, ST_MakeEnvelope(118.05, 24.42, 118.2, 24.56, 4326))") > 0


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo (Debian gdal-bin)")
@pytest.mark.parametrize(("where", "sql"), [
    (f"landuse_code = '{RESIDENTIAL}'", f"f.properties ->> 'landuse_code' = '{RESIDENTIAL}'"),
    ("landuse_code LIKE '07%' AND area_m2 > 20000",
     "f.properties ->> 'landuse_code' LIKE '07%' AND f.area_m2 > 20000"),
])
def test_gdal_sends_the_where_clause_to_the_server(live_server, engine, land_use, where, sql):
    run = subprocess.run(["ogrinfo", "-ro", "-so", "-al", "--config", "CPL_DEBUG", "ON", "-oo", "PAGE_SIZE=1000",
                          f"OAPIF:{live_server}/ogc/collections/{land_use}", "-where", where],
                         capture_output=True, text=True, timeout=120, check=True)
    count = int(re.search(r"Feature Count: (\d+)", run.stdout).group(1))
    assert count == postgis_count(engine, sql) > 0
    fetched = re.findall(r"HTTP: Fetch\((\S+)\)", run.stderr)
    items = [url for url in fetched if "/items" in url]
    # The condition went to the server (as CQL2 text or property parameters), not 2,000 features to GDAL.
    assert any("filter=" in url or "landuse_code=" in url for url in items), items
    assert len(items) <= 3, items
