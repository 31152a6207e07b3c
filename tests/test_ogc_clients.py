"""Real GIS clients read the OGC API – Features of the platform running under uvicorn: GDAL's OAPIF driver
(``ogrinfo`` and ``ogr2ogr`` of Debian's gdal-bin, which scripts/bootstrap installs) and OWSLib, as an analyst's
QGIS or script would."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import pyogrio
import pytest
from owslib.ogcapi.features import Features
from shapely.geometry import box, mapping
from sqlalchemy import text

from layers.importer import ImportReport, import_layer
from layers.store import list_layers

# 4 × 3 blocks of 400 m on Xiamen island, clockwise rings as many planning files have them.
BLOCKS = [box(118.10 + 0.005 * (i % 4), 24.48 + 0.005 * (i // 4), 118.104 + 0.005 * (i % 4),
              24.484 + 0.005 * (i // 4), ccw=False) for i in range(12)]
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.fixture(scope="module")
def blocks(engine, tmp_path_factory) -> tuple[ImportReport, str]:
    """A soil-and-water-conservation layer of the 12 blocks, and its collection id."""
    path = Path(tmp_path_factory.mktemp("ogc-clients")) / "blocks.geojson"
    features = [{"type": "Feature", "properties": {"name": f"block {i}"}, "geometry": mapping(block)}
                for i, block in enumerate(BLOCKS)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    report = import_layer(path, "soil_water_conservation", crs="EPSG:4326",
                          name=f"ogc-blocks-{uuid.uuid4().hex[:8]}", engine=engine)
    return report, next(layer["slug"] for layer in list_layers() if layer["id"] == report.layer_id)


def gdal(program: str, *arguments: str) -> str:
    done = subprocess.run([program, *arguments], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def current_counts(engine) -> dict[str, int]:
    return {layer["slug"]: layer["feature_count"] for layer in list_layers()}


def test_gdal_lists_every_collection_by_name_with_the_database_count(live_server, engine, blocks):
    listing = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}/ogc")
    names = re.findall(r"^\d+: (\S+)", listing, re.MULTILINE)
    counts = current_counts(engine)
    assert sorted(names) == sorted(counts) and "land_use" in names and "ecological_red_line" in names
    summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}/ogc", "ecological_red_line", blocks[1])
    reported = dict(re.findall(r"Layer name: (\S+).*?Feature Count: (\d+)", summary, re.DOTALL))
    assert reported == {"ecological_red_line": str(counts["ecological_red_line"]), blocks[1]: "12"}


def test_gdal_pages_through_the_next_links_and_filters_by_bbox(live_server, blocks):
    url = f"OAPIF:{live_server}/ogc"
    every = gdal("ogrinfo", "-ro", "-al", "-q", "-oo", "PAGE_SIZE=5", url, blocks[1])  # 3 pages by next links
    assert sorted(re.findall(r"name \(String\) = (.+)", every)) == sorted(f"block {i}" for i in range(12))
    west, south, east, north = 118.1025, 24.4825, 118.1095, 24.4865  # the first two blocks of rows 0 and 1
    found = gdal("ogrinfo", "-ro", "-al", "-q", "-spat", str(west), str(south), str(east), str(north), url, blocks[1])
    expected = {f"block {i}" for i, block in enumerate(BLOCKS) if block.intersects(box(west, south, east, north))}
    assert set(re.findall(r"name \(String\) = (.+)", found)) == expected and len(expected) == 4


def test_ogr2ogr_makes_a_geopackage_whose_tables_are_named_by_collection(live_server, engine, tmp_path, blocks):
    target = tmp_path / "planning.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(target), "-oo", "PAGE_SIZE=1000", f"OAPIF:{live_server}/ogc",
         "ecological_red_line", "basic_farmland", blocks[1])
    tables = {name: count for name, _ in pyogrio.list_layers(target)
              for count in [pyogrio.read_info(target, layer=name)["features"]]}
    counts = current_counts(engine)
    assert tables == {"ecological_red_line": counts["ecological_red_line"],
                      "basic_farmland": counts["basic_farmland"], blocks[1]: 12}


def test_owslib_reads_the_api_definition_conformance_collections_and_items(live_server, blocks):
    api = Features(f"{live_server}/ogc")
    definition = api.api()  # OWSLib finds the service-desc only when typed as OpenAPI 3.0
    assert definition["openapi"].startswith("3.0")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in api.conformance()["conformsTo"]
    collection = api.collection(blocks[1])
    assert collection["id"] == blocks[1] and CGCS2000 in collection["crs"]
    page = api.collection_items(blocks[1], limit=5, bbox=[118.1025, 24.4825, 118.1095, 24.4865])
    assert page["numberMatched"] == 4 and page["numberReturned"] == 4


def test_owslib_gets_cgcs2000_coordinates_that_match_postgis_st_transform(live_server, engine, blocks):
    report, collection = blocks
    page = Features(f"{live_server}/ogc").collection_items(collection, crs=CGCS2000, limit=12)
    served = {feature["id"]: feature["geometry"]["coordinates"][0][0] for feature in page["features"]}
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT f.id, ST_AsGeoJSON(ST_Transform(f.geom, 4490), 9)::json AS g FROM layer_features f "
            "JOIN layer_versions v ON v.id = f.version_id WHERE v.layer_id = :layer"), {"layer": report.layer_id}).all()
    assert len(rows) == len(served) == 12
    for row in rows:
        ring = row.g["coordinates"][0][0]
        # EPSG:4490 is latitude first; the served ring is counter-clockwise, PostGIS's as stored (clockwise).
        expected = {(round(lat, 7), round(lon, 7)) for lon, lat in ring}
        assert {(round(lat, 7), round(lon, 7)) for lat, lon in served[row.id]} == expected
        assert all(24 < lat < 25 and 118 < lon < 119 for lat, lon in served[row.id])
