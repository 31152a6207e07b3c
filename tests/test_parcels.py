"""Investment attraction (issue 6) on a real PostGIS: the public parcel API, its exports, constraints,
registrations of interest, and the investment page in headless Chromium.

The test parcels lie in the sea south of Xiamen island (around 118.12 E, 24.40 N), where no sample layer
reaches: a bbox around them isolates them from the sample parcels, and the test flood zone and urban
development boundary decide their constraints alone. Everything this module adds is removed at its end.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import Engine, text

import layers.parcels
from data.samples.load import DISTRICTS_FILE, DISTRICTS_LAYER, SAMPLES
from gis.area import M2_PER_MU
from layers.importer import import_layer
from layers.parcels import FIELD_NAMES

# T-05's far_min is deliberately text among numbers: reading it is the point, the reader's warning is not.
pytestmark = pytest.mark.filterwarnings("ignore:Could not parse column 'far_min':UserWarning")

WEST, SOUTH = 118.115, 24.395
STEP = 0.002
TEST_BBOX = f"{WEST - 0.001},{SOUTH - 0.001},{WEST + 0.02},{SOUTH + 0.01}"
PARCEL_LAYER = "test-parcels 测试招商地块"
FLOOD_LAYER = "test-parcels flood zone"
BOUNDARY_LAYER = "test-parcels urban development boundary"

# Values that must never reach the public: extra columns of the parcel layer, and planted internal data.
CANARIES = (
    "LEAK-INTERNAL-NOTE", "13912345678", "8888.5", "LEAK-REVIEWER", "LEAK-PROPOSAL", "LEAK-ORG",
    "LEAK-OPINION", "LEAK-MARKING", "leak-canary", "91350200LEAKCANAR", "LEAK-INTEREST-ORG", "13700001111",
)
FORBIDDEN_KEYS = ("internal", "owner", "price", "proposal", "opinion", "marking", "account", "username",
                  "credit", "reviewer", "secret", "phone", "email", "organisation")


def square(column: int, row: int = 0, size: float = 0.0015) -> shapely.Polygon:
    """A parcel-sized square (about 150 m) in the test grid."""
    west, south = WEST + column * STEP, SOUTH + row * STEP
    return box(west, south, west + size, south + size)


def parcel(code: str, geometry: shapely.Polygon, **properties: Any) -> dict[str, Any]:
    internal = {"internal_note": "LEAK-INTERNAL-NOTE 内部底价", "owner_mobile": "13912345678",
                "reserve_price_wan": 8888.5, "proposal_id": 4242, "reviewer": "LEAK-REVIEWER"}
    return {"type": "Feature", "geometry": mapping(geometry),
            "properties": {"parcel_code": code, **properties, **internal}}


def parcel_features() -> list[dict[str, Any]]:
    common = {"contact_department": "厦门市土地发展中心", "supply_method": "挂牌出让"}
    return [
        parcel("T-01", square(0), district_code="350203", location="测试海域一号", landuse_code="1001",
               landuse_name="工业用地", acquisition_status="done", acquisition_percent=100,
               demolition_status="not_needed", households_remaining=0, buildings_remaining=0,
               availability="open", far_min=1.2, far_max=3.0, **common),
        parcel("T-02", square(1), district_code="350206", location="测试海域二号", landuse_code="0901",
               landuse_name="商业用地", acquisition_status="in_progress", acquisition_percent=60,
               demolition_status="in_progress", households_remaining=12, buildings_remaining=5,
               availability="reserved", far_min=2.0, far_max=4.5, **common),
        parcel("T-03", square(2), district_code="350211", location="测试海域三号", landuse_code="0701",
               landuse_name="城镇住宅用地", acquisition_status="not_started", acquisition_percent=0,
               demolition_status="not_started", households_remaining=40, buildings_remaining=18,
               availability="transferred", far_min=1.0, far_max=2.5, **common),
        parcel("T-04", square(3, size=0.003), district_code="350213", location="测试海域四号", landuse_code="1101",
               landuse_name="物流仓储用地", acquisition_status="done", acquisition_percent=100,
               demolition_status="done", households_remaining=0, buildings_remaining=0,
               availability="open", far_min=1.0, far_max=2.0, **common),
        parcel("T-05", square(0, 2), district_code="350212", location='=HYPERLINK("http://evil.example")',
               landuse_code="16", landuse_name="留白用地", acquisition_status="in_progress",
               acquisition_percent="45.5", demolition_status="not_needed", availability="open",
               far_min="unknown", **common),
        # Clockwise, as some desktop GIS writes it: the export still follows RFC 7946.
        parcel("T-06", square(1, 2).reverse(), district_code="350205", location="测试海域六号", landuse_code="XX",
               landuse_name="待定", acquisition_status="done", demolition_status="done", availability="open",
               **common),
    ]


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def polygon_layer(path: Path, *polygons: shapely.Polygon, **properties: Any) -> Path:
    return write_geojson(path, [{"type": "Feature", "geometry": mapping(p), "properties": properties}
                                for p in polygons])


def half(column: int) -> shapely.Polygon:
    """The western half of a test square."""
    west = WEST + column * STEP
    return box(west, SOUTH, west + 0.00075, SOUTH + 0.0015)


def flood_zone() -> shapely.Polygon:
    """All of T-01 and the western half of T-02."""
    return box(WEST - 0.0005, SOUTH - 0.0005, WEST + STEP + 0.00075, SOUTH + 0.002)


@pytest.fixture(scope="module")
def world(engine: Engine, owner_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The test parcels, a flood zone and a development boundary around them, and planted internal data."""
    folder = tmp_path_factory.mktemp("parcels")
    import_layer(SAMPLES / DISTRICTS_FILE, "district", crs="GCJ02", name=DISTRICTS_LAYER, skip_if_unchanged=True,
                 engine=engine)
    reports = [
        import_layer(write_geojson(folder / "parcels.geojson", parcel_features()), "investment_parcel",
                     name=PARCEL_LAYER, engine=engine),
        import_layer(polygon_layer(folder / "flood.geojson", flood_zone(), risk="high"), "flood_risk",
                     name=FLOOD_LAYER, engine=engine),
        # T-01 inside, T-02 half inside; everything else outside the boundary.
        import_layer(polygon_layer(folder / "boundary.geojson", flood_zone()), "urban_development_boundary",
                     name=BOUNDARY_LAYER, engine=engine),
    ]
    planted = plant_internal_data(engine)
    try:
        yield {"folder": folder, "layers": {report.layer_name: report for report in reports}}
    finally:
        remove(owner_engine, [report.layer_id for report in reports], planted)


def plant_internal_data(engine: Engine) -> dict[str, int]:
    """A live proposal whose site overlaps T-04, with an opinion and a marking: what investors must not see."""
    site = shapely.MultiPolygon([box(WEST + 3 * STEP + 0.002, SOUTH, WEST + 3 * STEP + 0.004, SOUTH + 0.003)])
    with engine.begin() as connection:
        applicant = connection.execute(text(
            "INSERT INTO accounts (username, role, organisation, credit_code, secret_hash) VALUES "
            "('leak-canary-applicant', 'applicant', 'LEAK-ORG 机密公司', '91350200LEAKCANAR', 'x') RETURNING id"
        )).scalar_one()
        reviewer = connection.execute(text(
            "INSERT INTO accounts (username, role, department, secret_hash) VALUES "
            "('leak-canary-water', 'department', 'water', 'x') RETURNING id")).scalar_one()
        proposal = connection.execute(text(
            "INSERT INTO proposals (name, applicant_organisation, credit_code, district_code, industry, "
            "project_type, investment_category, total_investment_wan, land_use, state, owner_id) VALUES "
            "('LEAK-PROPOSAL 秘密项目', 'LEAK-ORG 机密公司', '91350200LEAKCANAR', '350213', 'C39', '03', "
            "'general_social', 50000, '1101', 'submitted', :owner) RETURNING id"), {"owner": applicant}).scalar_one()
        revision = connection.execute(text(
            "INSERT INTO site_revisions (proposal_id, revision, source_crs, area_m2, geom) VALUES "
            "(:p, 1, 'EPSG:4326', ST_Area(ST_GeomFromText(:wkt, 4326)::geography), ST_GeomFromText(:wkt, 4326)) "
            "RETURNING id"), {"p": proposal, "wkt": site.wkt}).scalar_one()
        connection.execute(text(
            "INSERT INTO opinions (proposal_id, revision_id, department, author_id, verdict, reason) VALUES "
            "(:p, :r, 'water', :a, 'object', 'LEAK-OPINION 反对理由')"), {"p": proposal, "r": revision, "a": reviewer})
        connection.execute(text(
            "INSERT INTO markings (proposal_id, revision_id, department, author_id, note, geom) VALUES "
            "(:p, :r, 'water', :a, 'LEAK-MARKING 标注', ST_Centroid(ST_GeomFromText(:wkt, 4326)))"),
            {"p": proposal, "r": revision, "a": reviewer, "wkt": site.wkt})
    return {"proposal": proposal, "revision": revision, "applicant": applicant, "reviewer": reviewer}


def remove(engine: Engine, layer_ids: list[int], planted: dict[str, int]) -> None:
    """Leave the shared test database as this module found it (as the owner: the server may delete none of
    it, and history is append-only, so its triggers are off for this one transaction)."""
    with engine.begin() as connection:
        for table in ("opinions", "markings", "site_revisions"):
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            connection.execute(text(f"DELETE FROM {table} WHERE proposal_id = :p"), {"p": planted["proposal"]})
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        connection.execute(text("DELETE FROM proposals WHERE id = :p"), {"p": planted["proposal"]})
        connection.execute(text("DELETE FROM accounts WHERE id IN (:a, :b)"),
                           {"a": planted["applicant"], "b": planted["reviewer"]})
        connection.execute(text("DELETE FROM parcel_interests WHERE parcel_code LIKE 'T-0%'"))
        versions = "SELECT id FROM layer_versions WHERE layer_id = ANY(:layers)"
        connection.execute(text(f"DELETE FROM layer_feature_parts WHERE version_id IN ({versions})"),
                           {"layers": layer_ids})
        connection.execute(text(f"DELETE FROM layer_features WHERE version_id IN ({versions})"), {"layers": layer_ids})
        connection.execute(text("DELETE FROM layer_versions WHERE layer_id = ANY(:layers)"), {"layers": layer_ids})
        connection.execute(text("DELETE FROM layers WHERE id = ANY(:layers)"), {"layers": layer_ids})


def codes(client, **params: Any) -> list[str]:
    """Codes of the test parcels matching ``params``, in the order the API gives them."""
    response = client.get("/api/v1/parcels", params={"bbox": TEST_BBOX, "page_size": 200, **params})
    assert response.status_code == 200, response.text
    return [item["parcel_code"] for item in response.json()["parcels"]]


def detail(client, code: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/parcels/{code}")
    assert response.status_code == 200, response.text
    return response.json()


def constraint_texts(client, code: str, language: str = "zh") -> list[str]:
    return [item["text"][language] for item in detail(client, code)["constraints"]["items"]]


# --- list and filters ---------------------------------------------------------------------------------


def test_bbox_finds_exactly_the_test_parcels_with_public_fields_only(client, world):
    response = client.get("/api/v1/parcels", params={"bbox": TEST_BBOX})
    body = response.json()
    assert body["total"] == 6 and body["page"] == 1 and body["pages"] == 1
    assert [item["parcel_code"] for item in body["parcels"]] == ["T-01", "T-02", "T-03", "T-04", "T-05", "T-06"]
    first = body["parcels"][0]
    assert set(first) == {*FIELD_NAMES, "anchor"}
    assert first["district_name"] == "思明区"
    assert first["landuse_name"] == "工业用地" and first["landuse_name_en"] == "industrial"
    assert first["area_mu"] == pytest.approx(first["area_m2"] / M2_PER_MU, abs=0.001)
    assert 20_000 < first["area_m2"] < 30_000  # a 0.0015° square at 24.4° N: about 152 m × 167 m
    assert WEST < first["anchor"][0] < WEST + 0.0015 and SOUTH < first["anchor"][1] < SOUTH + 0.0015


def test_values_of_the_wrong_type_read_as_empty_and_numeric_text_as_numbers(client, world):
    by_code = {item["parcel_code"]: item for item in client.get(
        "/api/v1/parcels", params={"bbox": TEST_BBOX}).json()["parcels"]}
    assert by_code["T-05"]["acquisition_percent"] == 45.5
    assert by_code["T-05"]["far_min"] is None
    assert by_code["T-06"]["landuse_name_en"] is None and by_code["T-06"]["households_remaining"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"district": "350203"}, ["T-01"]),
        ({"district": "350203,350206"}, ["T-01", "T-02"]),
        ({"land_use": "09"}, ["T-02"]),
        ({"land_use": "0901"}, ["T-02"]),
        ({"land_use": "10,11"}, ["T-01", "T-04"]),
        ({"area_min": 50_000}, ["T-04"]),
        ({"area_max": 50_000, "availability": "open"}, ["T-01", "T-05", "T-06"]),
        ({"acquisition_status": "in_progress"}, ["T-02", "T-05"]),
        ({"acquisition_status": "not_started,in_progress", "demolition_status": "not_started"}, ["T-03"]),
        ({"demolition_status": "not_needed"}, ["T-01", "T-05"]),
        ({"availability": "reserved,transferred"}, ["T-02", "T-03"]),
        ({"bbox": f"{WEST},{SOUTH},{WEST + 0.0005},{SOUTH + 0.0005}"}, ["T-01"]),
        ({"sort": "-far_max"}, ["T-02", "T-01", "T-03", "T-04", "T-05", "T-06"]),
        ({"sort": "acquisition_status,-parcel_code"}, ["T-03", "T-05", "T-02", "T-06", "T-04", "T-01"]),
        ({"sort": "-households_remaining"}, ["T-03", "T-02", "T-01", "T-04", "T-05", "T-06"]),
    ],
)
def test_filters_and_sorting(client, world, params, expected):
    assert codes(client, **params) == expected


def test_sorting_by_area(client, world):
    areas = [item["area_m2"] for item in client.get(
        "/api/v1/parcels", params={"bbox": TEST_BBOX, "sort": "-area_m2"}).json()["parcels"]]
    assert areas == sorted(areas, reverse=True) and areas[0] > 80_000


def test_pages_are_capped_and_complete(client, world):
    pages = [client.get("/api/v1/parcels", params={"bbox": TEST_BBOX, "page_size": 4, "page": page}).json()
             for page in (1, 2)]
    assert pages[0]["pages"] == 2 and pages[0]["total"] == 6
    assert [item["parcel_code"] for page in pages for item in page["parcels"]] == codes(client)
    too_many = client.get("/api/v1/parcels", params={"page_size": 201})
    assert too_many.status_code == 422 and [error["location"] for error in too_many.json()["errors"]] == [
        "query.page_size"] and "page size" in too_many.json()["detail"]


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        ({"district": "3502"}, "district", "6-digit"),
        ({"land_use": "99"}, "land_use", "not a land-use class"),
        ({"acquisition_status": "finished"}, "acquisition_status", "not_started, in_progress, done"),
        ({"demolition_status": "done,gone"}, "demolition_status", "'gone'"),
        ({"availability": "sold"}, "availability", "open, reserved, transferred"),
        ({"bbox": "118,24,119"}, "bbox", "four numbers"),
        ({"bbox": "24.4,118.1,24.5,118.2"}, "bbox", "latitudes"),
        ({"sort": "internal_note"}, "sort", "cannot sort by 'internal_note'"),
        ({"area_min": 100, "area_max": 10}, "area_max", "must not be below area_min"),
        ({"acquisition": "done"}, "acquisition", "unknown parameter"),
        ({"district": ",".join(["350203"] * 5 + [str(350300 + n) for n in range(20)])}, "district", "at most 20"),
    ],
)
def test_invalid_filters_are_422_problems_naming_the_parameter(client, world, params, parameter, words):
    for path in ("/api/v1/parcels", "/api/v1/parcels.geojson", "/api/v1/parcels.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "/problems/invalid-filter" and body["parameter"] == parameter
        assert words in body["detail"]


def test_negative_area_and_non_numbers_are_refused(client, world):
    for params in ({"area_min": -1}, {"area_max": "lots"}, {"page": 0}):
        response = client.get("/api/v1/parcels", params=params)
        assert response.status_code == 422 and response.json()["type"] == "/problems/invalid-request"


# --- exports ------------------------------------------------------------------------------------------


def test_geojson_export_is_rfc7946_with_the_same_filters(client, world):
    response = client.get("/api/v1/parcels.geojson", params={"bbox": TEST_BBOX, "availability": "open"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [feature["id"] for feature in collection["features"]] == ["T-01", "T-04", "T-05", "T-06"]
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and list(feature["properties"]) == list(FIELD_NAMES)
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.geom_type == "MultiPolygon" and geometry.is_valid
        lon, lat = feature["geometry"]["coordinates"][0][0][0]
        assert 118 < lon < 118.2 and 24.3 < lat < 24.5  # lon/lat order, WGS84
        # RFC 7946: exterior rings counter-clockwise
        assert shapely.Polygon(feature["geometry"]["coordinates"][0][0]).exterior.is_ccw


def test_csv_export_opens_in_excel_with_chinese_intact(client, world):
    response = client.get("/api/v1/parcels.csv", params={"bbox": TEST_BBOX, "sort": "parcel_code"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["地块编号", "行政区代码", "行政区"] and len(rows) == 7
    assert first["地块编号"] == "T-01" and first["行政区"] == "思明区" and first["规划用地性质"] == "工业用地"
    assert first["征地状态"] == "已完成" and first["拆迁状态"] == "无需拆迁"
    assert first["联系部门"] == "厦门市土地发展中心"
    formula = dict(zip(header, rows[5], strict=True))["位置"]
    assert formula.startswith("'=")  # Excel shows it as text instead of running it
    english = client.get("/api/v1/parcels.csv", params={"bbox": TEST_BBOX, "lang": "en"}).content.decode("utf-8-sig")
    header, first = (rows := list(csv.reader(io.StringIO(english))))[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["parcel code", "district code", "district"]
    assert first["land acquisition"] == "done" and first["demolition"] == "not needed"


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo (Debian gdal-bin)")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_csv_opens_in_gdal_as_a_polygon_layer_with_centroid_coordinates(client, world, tmp_path, lang):
    response = client.get("/api/v1/parcels.csv", params={"bbox": TEST_BBOX, "sort": "parcel_code", "lang": lang})
    path = tmp_path / "parcels.csv"
    path.write_bytes(response.content)
    geojson = client.get("/api/v1/parcels.geojson", params={"bbox": TEST_BBOX}).json()["features"]
    by_code = {feature["properties"]["parcel_code"]: shapely.geometry.shape(feature["geometry"])
               for feature in geojson}
    code_header = "地块编号" if lang == "zh" else "parcel code"
    # As GDAL (and so QGIS) reads the file: the WKT column as geometry, numbers typed as numbers.
    run = subprocess.run(["ogrinfo", "-ro", "-al", "-q", "-nomd", "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo",
                          "KEEP_GEOM_COLUMNS=NO", "-oo", "AUTODETECT_TYPE=YES", str(path)],
                         capture_output=True, text=True, check=True)
    features: list[dict[str, Any]] = []
    for line in map(str.strip, run.stdout.splitlines()):
        if line.startswith("OGRFeature("):
            features.append({})
        elif features and line.startswith("MULTIPOLYGON"):
            features[-1]["geometry"] = shapely.from_wkt(line)
        elif features and " = " in line:
            name, value = line.split(" = ", 1)
            features[-1][name.rsplit(" (", 1)[0]] = value
    assert len(features) == len(by_code) == 6
    for feature in features:
        expected = by_code[feature[code_header]]
        assert feature["geometry"].equals_exact(expected, 1e-7)
        assert "WKT" not in feature  # read as the geometry, not as text
        lon, lat = float(feature["centroid_lon"]), float(feature["centroid_lat"])
        assert shapely.Point(lon, lat).distance(expected.centroid) < 1e-6 and expected.contains(shapely.Point(lon, lat))
    assert "centroid_lon (Real)" in run.stdout  # X/Y columns a point layer can be made of


def test_exports_beyond_the_cap_are_refused_not_cut(client, world, monkeypatch):
    monkeypatch.setattr(layers.parcels, "MAX_EXPORT_FEATURES", 3)
    for path in ("/api/v1/parcels.geojson", "/api/v1/parcels.csv"):
        response = client.get(path, params={"bbox": TEST_BBOX})
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/export-too-large" and response.json()["matched"] == 6
    assert client.get("/api/v1/parcels.geojson", params={"bbox": TEST_BBOX, "district": "350203"}).status_code == 200


# --- detail and constraints ---------------------------------------------------------------------------


def test_detail_gives_area_in_m2_and_mu(client, world):
    parcel_t04 = detail(client, "T-04")
    assert parcel_t04["type"] == "Feature" and parcel_t04["id"] == "T-04"
    assert parcel_t04["area"]["m2"] == parcel_t04["properties"]["area_m2"]
    assert parcel_t04["area"]["mu"] == pytest.approx(parcel_t04["area"]["m2"] / 666.6667, rel=1e-4)
    assert 80_000 < parcel_t04["area"]["m2"] < 110_000
    assert set(parcel_t04["properties"]) == set(FIELD_NAMES)


def test_a_parcel_inside_a_flood_zone_says_so_in_plain_words(client, world):
    assert "位于洪涝风险区：需编制防洪评价" in constraint_texts(client, "T-01")
    assert "inside a flood risk zone: flood impact assessment needed" in constraint_texts(client, "T-01", "en")
    flood = next(item for item in detail(client, "T-01")["constraints"]["items"] if item["layer_kind"] == "flood_risk")
    assert flood["extent"] == "inside" and flood["severity"] == "needs_review"
    assert flood["department"]["zh"] == "厦门市水利局"  # the city bureau, named in full


def test_partly_outside_the_development_boundary_and_partly_in_a_flood_zone(client, world):
    texts = constraint_texts(client, "T-02")
    assert "部分位于城镇开发边界外：城镇建设须先调整规划" in texts
    assert "部分位于洪涝风险区：需编制防洪评价" in texts
    english = constraint_texts(client, "T-02", "en")
    assert "partly outside the urban development boundary: urban construction needs a plan amendment first" in english
    boundary = next(item for item in detail(client, "T-02")["constraints"]["items"]
                    if item["layer_kind"] == "urban_development_boundary")
    assert boundary["severity"] == "blocking" and 45 < boundary["overlap"]["percent"] < 55


def test_wholly_outside_the_boundary_and_no_land_use_echo(client, world):
    items = detail(client, "T-03")["constraints"]["items"]
    assert [item["text"]["zh"] for item in items] == ["位于城镇开发边界外：城镇建设须先调整规划"]
    assert not any(item["layer_kind"] == "land_use" for item in items)
    # 留白用地 is not urban construction: no boundary rule, and the sea has no other layer.
    assert detail(client, "T-05")["constraints"]["items"] == []
    assert constraint_texts(client, "T-01") == ["位于洪涝风险区：需编制防洪评价"]  # inside the boundary


def test_overlap_with_a_planned_project_names_no_project(client, world):
    parcel_t04 = detail(client, "T-04")
    project = [item for item in parcel_t04["constraints"]["items"] if item["layer_kind"] == "project_site"]
    assert [item["text"]["en"] for item in project] == ["partly overlaps a planned project site: ask the NDRC"]
    assert project[0]["text"]["zh"] == "部分与已规划项目的选址重叠：请向发改委咨询"
    assert "LEAK" not in json.dumps(parcel_t04, ensure_ascii=False)


def test_unknown_planned_land_use_is_said_not_guessed(client, world):
    constraints = detail(client, "T-06")["constraints"]
    assert constraints["checked"] is False and constraints["items"] == []
    assert "contact department" in constraints["note"]["en"]


def test_unknown_parcel_is_404(client, world):
    response = client.get("/api/v1/parcels/NO-SUCH-PARCEL")
    assert response.status_code == 404 and response.json()["type"] == "/problems/not-found"


def test_a_new_layer_version_shows_at_once(client, world, engine):
    """Nothing is cached: a new flood layer version or parcel layer version changes the answers."""
    folder: Path = world["folder"]
    try:
        import_layer(polygon_layer(folder / "flood-v2.geojson", half(1)), "flood_risk", name=FLOOD_LAYER,
                     engine=engine)
        assert not any("洪涝" in words for words in constraint_texts(client, "T-01"))
        features = parcel_features()
        features[2]["properties"]["availability"] = "open"
        import_layer(write_geojson(folder / "parcels-v2.geojson", features), "investment_parcel",
                     name=PARCEL_LAYER, engine=engine)
        assert codes(client, availability="transferred") == []
    finally:
        import_layer(polygon_layer(folder / "flood-v3.geojson", flood_zone(), risk="high"), "flood_risk",
                     name=FLOOD_LAYER, engine=engine)
        import_layer(write_geojson(folder / "parcels-v3.geojson", parcel_features()), "investment_parcel",
                     name=PARCEL_LAYER, engine=engine)
    assert "位于洪涝风险区：需编制防洪评价" in constraint_texts(client, "T-01")
    assert codes(client, availability="transferred") == ["T-03"]


# --- registrations of interest and access -------------------------------------------------------------

INTEREST = {"organisation": "厦门测试科技有限公司", "contact_name": "张三", "phone": "138 0000 0000",
            "intended_use": "研发中心及中试基地"}


def test_interest_is_registered_with_a_normalised_phone(client, world, engine):
    response = client.post("/api/v1/parcels/T-01/interest", json=INTEREST)
    assert response.status_code == 201, response.text
    assert response.json()["parcel_code"] == "T-01"
    with engine.connect() as connection:
        phone = connection.execute(text("SELECT phone FROM parcel_interests WHERE id = :i"),
                                   {"i": response.json()["id"]}).scalar_one()
    assert phone == "13800000000"
    by_email = {**INTEREST, "phone": None, "email": "invest@example.com.cn"}
    assert client.post("/api/v1/parcels/T-02/interest", json=by_email).status_code == 201
    landline = {**INTEREST, "phone": "0592-5551234"}
    assert client.post("/api/v1/parcels/T-04/interest", json=landline).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "12800000000"}, "phone"),
        ({"phone": None}, "phone"),
        ({"phone": None, "email": "not-an-email"}, "email"),
        ({"phone": None, "email": "a@b"}, "email"),
        ({"organisation": "   "}, "organisation"),
        ({"intended_use": ""}, "intended_use"),
    ],
)
def test_invalid_contact_is_refused_and_nothing_written(client, world, engine, change, field):
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM parcel_interests")).scalar_one()
    response = client.post("/api/v1/parcels/T-01/interest", json={**INTEREST, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM parcel_interests")).scalar_one() == before


def test_interest_in_a_transferred_or_unknown_parcel_is_refused(client, world):
    transferred = client.post("/api/v1/parcels/T-03/interest", json=INTEREST)
    assert transferred.status_code == 409 and transferred.json()["type"] == "/problems/parcel-not-open"
    assert client.post("/api/v1/parcels/NOPE/interest", json=INTEREST).status_code == 404


def test_only_admin_and_ndrc_read_the_interests(client, world, login):
    client.post("/api/v1/parcels/T-05/interest", json={**INTEREST, "organisation": "可见性测试公司"})
    anonymous = client.get("/api/v1/parcel-interests")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/parcel-interests", headers=login("dept-water")).status_code == 403
    assert client.get("/api/v1/parcel-interests", headers=login("dept-land_acquisition")).status_code == 403
    for username in ("admin", "ndrc"):
        response = client.get("/api/v1/parcel-interests", params={"parcel_code": "T-05"}, headers=login(username))
        assert response.status_code == 200
        assert "可见性测试公司" in [item["organisation"] for item in response.json()["interests"]]


# --- no leaks -----------------------------------------------------------------------------------------


def public_responses(client) -> dict[str, str]:
    """The body of every public endpoint, for the test parcels and for everything."""
    client.post("/api/v1/parcels/T-04/interest", json={**INTEREST, "organisation": "LEAK-INTEREST-ORG",
                                                        "phone": "13700001111"})
    bodies = {}
    for path, params in (
        ("/api/v1/parcels", {"bbox": TEST_BBOX}),
        ("/api/v1/parcels", {"page_size": 200}),
        ("/api/v1/parcels.geojson", {"bbox": TEST_BBOX}),
        ("/api/v1/parcels.geojson", {}),
        ("/api/v1/parcels.csv", {"bbox": TEST_BBOX}),
        ("/api/v1/parcels.csv", {"lang": "en"}),
        *((f"/api/v1/parcels/T-0{n}", {}) for n in range(1, 7)),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        bodies[f"{path}?{params}"] = response.content.decode("utf-8-sig")
    interest = client.post("/api/v1/parcels/T-01/interest", json=INTEREST)
    bodies["POST interest"] = interest.content.decode()
    return bodies


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


def internal_values(engine: Engine) -> set[str]:
    """Every proposal name, applicant, credit code, opinion, marking, username and interested investor."""
    with engine.connect() as connection:
        values = connection.execute(text(
            "SELECT name FROM proposals UNION SELECT applicant_organisation FROM proposals "
            "UNION SELECT credit_code FROM proposals UNION SELECT reason FROM opinions "
            "UNION SELECT conditions::text FROM opinions WHERE conditions <> '[]'::jsonb "
            "UNION SELECT note FROM markings "
            "UNION SELECT username FROM accounts UNION SELECT organisation FROM parcel_interests "
            "UNION SELECT phone FROM parcel_interests UNION SELECT email FROM parcel_interests")).scalars()
        return {value for value in values if value and len(value) >= 6}  # "admin" is a word, not a leak


def test_no_public_endpoint_returns_internal_fields_or_values(client, world, engine, loaded_samples):
    bodies = public_responses(client)
    internal = internal_values(engine)
    assert len(internal) > 20  # the samples' proposals and accounts, and the planted ones
    for where, body in bodies.items():
        for canary in (*CANARIES, *internal):
            assert canary not in body, f"{canary!r} leaked through {where}"
        names = list(keys(json.loads(body))) if not where.startswith("/api/v1/parcels.csv") else \
            next(csv.reader(io.StringIO(body)))
        for name in names:
            assert not any(word in name.lower() for word in FORBIDDEN_KEYS), f"field {name!r} in {where}"


def test_layer_features_ogc_items_and_tiles_of_a_parcel_layer_keep_to_the_whitelist(client, world):
    """The generic layer outputs apply the same parcel whitelist: no extra column (a mobile number) gets out."""
    layer_id = world["layers"][PARCEL_LAYER].layer_id
    bodies: dict[str, bytes] = {}
    collection = next(c["id"] for c in client.get("/ogc/collections").json()["collections"]
                      if c["title"] == world["layers"][PARCEL_LAYER].layer_name)
    for path in (f"/api/v1/layers/{layer_id}/features", f"/ogc/collections/{collection}/items"):
        response = client.get(path, params={"bbox": TEST_BBOX})
        assert response.status_code == 200, response.text
        features = response.json()["features"]
        assert {feature["properties"]["parcel_code"] for feature in features} >= {"T-01", "T-04"}
        for feature in features:
            assert set(feature["properties"]) <= {*FIELD_NAMES, "area_m2"}, path
        bodies[path] = response.content
    item = client.get(f"/ogc/collections/{collection}/items/{features[0]['id']}")
    assert item.status_code == 200 and item.json()["properties"]["parcel_code"].startswith("T-0")
    bodies["item"] = item.content
    for z in (13, 15, 16):  # the summary zooms and the detailed ones
        n = 2**z
        x = int((WEST + 0.003 + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(SOUTH + 0.0008))) / math.pi) / 2 * n)
        tile = client.get(f"/tiles/{layer_id}/{z}/{x}/{y}.pbf")
        assert tile.status_code == 200, (z, tile.text)
        assert z < 15 or b"T-0" in tile.content  # close in, the parcel codes travel; no extra column does
        bodies[f"tile {z}"] = tile.content
    for where, body in bodies.items():
        for leaked in (*CANARIES[:5], "internal_note", "owner_mobile", "reserve_price", "reviewer"):
            assert leaked.encode() not in body, f"{leaked!r} leaked through {where}"


# --- the investment page in headless Chromium ---------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def live_server(world, loaded_samples) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, against the test database with the samples."""
    import uvicorn

    from api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser_page(live_server):
    """A Chromium page that records console errors and refuses (and records) any request off this host."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.problems = []  # console errors, page errors and requests that left the machine
        page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))

        def only_local(route) -> None:
            if urlparse(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                page.problems.append(f"request off the machine: {route.request.url}")
                route.abort()

        page.route("**/*", only_local)
        try:
            yield page
        finally:
            browser.close()


def drawn(page, code: str):
    return page.locator(f'path.parcel-shape[data-code="{code}"]')


@pytest.mark.browser
def test_investment_page_colours_filters_and_links_list_and_map(client, browser_page, live_server):
    page = browser_page
    total = client.get("/api/v1/parcels", params={"page_size": 1}).json()["total"]
    page.goto(f"{live_server}/investment")
    page.wait_for_selector("body[data-parcels-loaded]")
    assert page.locator("path.parcel-shape").count() == total
    assert page.locator(".parcel-row").count() == total
    assert page.locator("#parcel-count").inner_text() == f"共 {total} 宗地块"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "investment-overview.png"))

    # Coloured by demolition status first: T-01 needs none (blue), T-03 has not started (red).
    assert drawn(page, "T-01").get_attribute("fill") == "#2e86c1"
    assert drawn(page, "T-03").get_attribute("fill") == "#c0392b"
    assert "无需拆迁" in page.locator("#parcel-legend").inner_text()
    page.locator('label[for="colour-acquisition_status"]').click()
    assert drawn(page, "T-01").get_attribute("fill") == "#27ae60"  # acquisition done
    assert "无需拆迁" not in page.locator("#parcel-legend").inner_text()
    assert "未启动" in page.locator("#parcel-legend").inner_text()

    # Filters are the API's: the page draws what the API lists.
    page.select_option("#filter-availability", "reserved")
    page.fill("#filter-area_max", "60000")
    page.locator("#filter-apply").click()
    expected = client.get("/api/v1/parcels", params={"availability": "reserved", "area_max": 60000,
                                                     "page_size": 1}).json()["total"]
    page.wait_for_function("(n) => document.querySelectorAll('path.parcel-shape').length === n", arg=expected)
    assert page.locator(".parcel-row").count() == expected and drawn(page, "T-02").count() == 1
    assert "availability=reserved" in page.locator("#export-csv").get_attribute("href")

    # A list row zooms to its parcel and opens its popup: every public attribute, then the constraints.
    page.locator('.parcel-row[data-code="T-02"]').click()
    popup = page.locator('.leaflet-popup .parcel-popup[data-code="T-02"]')
    popup.wait_for()
    assert popup.locator("tr[data-field]").count() == len(FIELD_NAMES)
    assert "测试海域二号" in popup.inner_text() and "已预留" in popup.inner_text()
    page.wait_for_selector(".leaflet-popup .constraint")
    assert "部分位于洪涝风险区：需编制防洪评价" in popup.inner_text()
    assert page.locator('.parcel-row[data-code="T-02"]').get_attribute("class").endswith("active")
    page.screenshot(path=str(SCREENSHOTS / "investment.png"))

    # Register interest from the popup.
    popup.locator(".parcel-interest").click()
    page.fill("#interest-organisation", "浏览器测试有限公司")
    page.fill("#interest-contact_name", "李四")
    page.fill("#interest-phone", "0592-5556677")
    page.fill("#interest-intended_use", "区域总部")
    page.locator("#interest-submit").click()
    page.wait_for_selector("#interest-message .alert-success")
    assert page.problems == []


@pytest.mark.browser
def test_investment_page_in_english_offline(client, browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server}/investment?lang=en&district=350203")
    page.wait_for_selector("body[data-parcels-loaded]")
    assert "Parcels open for investment" in page.locator("#investment-intro").inner_text()
    expected = client.get("/api/v1/parcels", params={"district": "350203", "page_size": 1}).json()["total"]
    assert page.locator("path.parcel-shape").count() == expected
    page.locator('.parcel-row[data-code="T-01"]').click()
    page.wait_for_selector(".leaflet-popup .constraint")
    popup_text = page.locator(".leaflet-popup .parcel-popup").inner_text()
    assert "inside a flood risk zone: flood impact assessment needed" in popup_text
    assert "not needed" in popup_text and "industrial" in popup_text
    page.screenshot(path=str(SCREENSHOTS / "investment-en.png"))
    for element, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        for url in page.eval_on_selector_all(f"{element}[{attribute}]", f"els => els.map(e => e.{attribute})"):
            assert urlparse(url).hostname == "127.0.0.1", url
    assert page.problems == []
