"""Layer import on a real PostGIS: formats, CRSs (GCJ-02 included), rejections that write nothing, versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, mapping
from sqlalchemy import Engine, text

from gis.errors import SpatialInputError, UnknownCrsError
from layers import importer
from layers.importer import ImportRejectedError, MalformedFileError, import_layer
from layers.store import features_geojson

SHARED_DISTRICTS = Path(__file__).resolve().parent.parent / "data" / "samples" / "xiamen" / \
    "xiamen_districts_cnmaps_gcj02.geojson"
GEOD = Geod(ellps="WGS84")


def ellipsoidal_area(geom: shapely.Geometry) -> float:
    """Independent of the platform: pyproj's geodesic area on the coordinates as given."""
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM layers), (SELECT count(*) FROM layer_versions), "
            "(SELECT count(*) FROM layer_features)")).one())


def stored_areas(engine: Engine, version_id: int) -> list[float]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(
            "SELECT area_m2 FROM layer_features WHERE version_id = :v ORDER BY feature_index"), {"v": version_id})]


@pytest.fixture(scope="module")
def engine(isolated_engine: Engine) -> Engine:
    """A database of this module's own: its test layers over Xiamen stay out of the samples' screenings."""
    return isolated_engine


@pytest.fixture(scope="module")
def module_url(isolated_engine: Engine) -> str:
    """The URL of the module's database, for the command line."""
    return isolated_engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def districts_gcj02() -> gpd.GeoDataFrame:
    return gpd.read_file(SHARED_DISTRICTS)


def test_gcj02_districts_areas_match_an_independent_ellipsoidal_computation(engine, districts_gcj02):
    report = import_layer(SHARED_DISTRICTS, "district", crs="GCJ02", name="districts-gcj02", engine=engine)
    assert report.feature_count == 6 and report.source_crs == "GCJ02"
    # GCJ-02 shifts by ~500 m but barely distorts: the true area of the raw polygons is an independent reference.
    for stored, geom in zip(stored_areas(engine, report.version_id), districts_gcj02.geometry, strict=True):
        assert stored == pytest.approx(ellipsoidal_area(geom), rel=0.005)


def test_gcj02_import_moves_features_by_the_datum_offset(engine, districts_gcj02):
    report = import_layer(SHARED_DISTRICTS, "district", crs="GCJ02", name="districts-shift", engine=engine)
    with engine.connect() as connection:
        lon, lat = connection.execute(text(
            "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM layer_features "
            "WHERE version_id = :v AND feature_index = 0"), {"v": report.version_id}).one()
    raw = districts_gcj02.geometry.iloc[0].centroid
    shift = GEOD.inv(raw.x, raw.y, lon, lat)[2]
    assert 300 < shift < 700


@pytest.mark.parametrize(
    ("suffix", "driver", "crs", "declared"),
    [
        (".gpkg", "GPKG", "EPSG:4548", True),
        (".shp.zip", "ESRI Shapefile", "EPSG:4548", True),
        (".gpkg", "GPKG", "EPSG:4490", True),
        (".geojson", "GeoJSON", "EPSG:4326", True),
        (".shp.zip", "ESRI Shapefile", "EPSG:4490", False),
    ],
)
def test_each_format_and_crs_gives_true_areas(engine, districts_gcj02, tmp_path, suffix, driver, crs, declared):
    frame = districts_gcj02.set_crs("EPSG:4326", allow_override=True).to_crs(crs)
    if not declared:
        frame = frame.set_crs(None, allow_override=True)
    path = tmp_path / f"districts{suffix}"
    if suffix == ".shp.zip":
        folder = tmp_path / "shp"
        folder.mkdir()
        frame.to_file(folder / "districts.shp", driver=driver)
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
    else:
        frame.to_file(path, driver=driver)
    report = import_layer(path, "district", crs=None if declared else crs, name=f"d-{suffix}-{crs}", engine=engine)
    assert report.source_crs == crs
    for stored, geom in zip(stored_areas(engine, report.version_id), districts_gcj02.geometry, strict=True):
        assert stored == pytest.approx(ellipsoidal_area(geom), rel=0.005)


def write_geojson(path: Path, geometries: list, crs_name: str | None = None) -> Path:
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": i}, "geometry": mapping(g) if g is not None else None}
        for i, g in enumerate(geometries)]}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


SQUARE = Polygon([(118.10, 24.50), (118.11, 24.50), (118.11, 24.51), (118.10, 24.51)])
BOWTIE = Polygon([(118.10, 24.50), (118.11, 24.51), (118.11, 24.50), (118.10, 24.51)])


def assert_rejected_and_nothing_written(engine: Engine, call, slug: str) -> SpatialInputError:
    before = counts(engine)
    with pytest.raises(SpatialInputError) as caught:
        call()
    assert caught.value.slug == slug, str(caught.value.detail)
    assert counts(engine) == before
    return caught.value


def test_a_line_in_a_polygon_layer_is_refused_with_its_index(engine, tmp_path):
    path = write_geojson(tmp_path / "mixed.geojson", [SQUARE, LineString([(118.1, 24.5), (118.2, 24.6)])])
    error = assert_rejected_and_nothing_written(engine, lambda: import_layer(path, "flood_risk", engine=engine),
                                                "invalid-features")
    assert error.extra["issues"][0]["index"] == 1 and "LineString" in str(error.extra["issues"][0]["reason"])


def test_an_empty_geometry_is_refused(engine, tmp_path):
    path = write_geojson(tmp_path / "empty.geojson", [SQUARE, None])
    error = assert_rejected_and_nothing_written(engine, lambda: import_layer(path, "flood_risk", engine=engine),
                                                "invalid-features")
    assert error.extra["issues"][0]["index"] == 1 and "empty" in str(error.extra["issues"][0]["reason"])


def test_a_self_intersection_is_refused_with_its_location_and_repaired_on_request(engine, tmp_path):
    path = write_geojson(tmp_path / "bowtie.geojson", [SQUARE, BOWTIE])
    error = assert_rejected_and_nothing_written(engine, lambda: import_layer(path, "flood_risk", engine=engine),
                                                "invalid-features")
    issue = error.extra["issues"][0]
    assert issue["index"] == 1 and "self-intersect" in str(issue["reason"])
    assert issue["location"] == pytest.approx([118.105, 24.505])
    report = import_layer(path, "flood_risk", repair=True, name="repaired", engine=engine)
    assert report.feature_count == 2 and [issue.index for issue in report.repaired] == [1]


def test_an_unknown_crs_is_refused(engine, tmp_path):
    path = write_geojson(tmp_path / "square.geojson", [SQUARE])
    before = counts(engine)
    with pytest.raises(UnknownCrsError):
        import_layer(path, "flood_risk", crs="EPSG:999999", engine=engine)
    assert counts(engine) == before


def test_lat_lon_swapped_is_refused(engine, tmp_path):
    swapped = shapely.transform(SQUARE, lambda xy: xy[:, ::-1])
    path = write_geojson(tmp_path / "swapped.geojson", [swapped])
    error = assert_rejected_and_nothing_written(
        engine, lambda: import_layer(path, "flood_risk", engine=engine), "lat-lon-swapped")
    assert "swapped" in str(error.detail)


def test_coordinates_outside_the_crs_area_are_refused(engine, tmp_path):
    far = Polygon([(1000, 1000), (2000, 1000), (2000, 2000), (1000, 2000)])  # metres near the false origin
    path = write_geojson(tmp_path / "far.geojson", [far])
    assert_rejected_and_nothing_written(
        engine, lambda: import_layer(path, "flood_risk", crs="EPSG:4548", engine=engine), "outside-crs-area")


@pytest.mark.parametrize("content", [b"\x00\x01 not a geopackage", b'{"type": "FeatureCollection", "features": [',
                                     b"SQLite format 3\x00 truncated"])
def test_a_corrupt_file_is_refused(engine, tmp_path, content):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(content)
    before = counts(engine)
    with pytest.raises(MalformedFileError):
        import_layer(path, "flood_risk", engine=engine)
    assert counts(engine) == before


def test_reimport_adds_a_version_and_keeps_the_old_one_queryable(engine, tmp_path):
    first = write_geojson(tmp_path / "v1.geojson", [SQUARE])
    second = write_geojson(tmp_path / "v2.geojson", [SQUARE, Point(118.2, 24.6).buffer(0.01)])
    one = import_layer(first, "flood_risk", name="versioned", engine=engine)
    two = import_layer(second, "flood_risk", name="versioned", engine=engine)
    assert (one.layer_id, one.version) == (two.layer_id, 1) and two.version == 2
    assert features_geojson(one.layer_id, engine=engine)["numberMatched"] == 2
    assert features_geojson(one.layer_id, version=1, engine=engine)["numberMatched"] == 1


def test_unchanged_file_is_reused_when_asked(engine, tmp_path):
    path = write_geojson(tmp_path / "same.geojson", [SQUARE])
    first = import_layer(path, "flood_risk", name="same", engine=engine, skip_if_unchanged=True)
    again = import_layer(path, "flood_risk", name="same", engine=engine, skip_if_unchanged=True)
    assert again.reused and again.version_id == first.version_id


def test_import_errors_are_typed_not_raw(engine, tmp_path):
    with pytest.raises(ImportRejectedError):
        import_layer(write_geojson(tmp_path / "p.geojson", [Point(118.1, 24.5)]), "flood_risk", engine=engine)


def test_attributes_survive_the_copy_intact(engine, tmp_path):
    awkward = {"名称": "思明区\t湖滨", "note": 'back\\slash "quoted"\nnew line', "n": 3, "none": None}
    path = tmp_path / "awkward.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": awkward, "geometry": mapping(SQUARE)}]}, ensure_ascii=False),
        encoding="utf-8")
    report = import_layer(path, "flood_risk", name="awkward", engine=engine)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT properties FROM layer_features WHERE version_id = :v"),
                                    {"v": report.version_id}).scalar_one()
    assert stored == awkward


def test_every_invalid_feature_is_listed_across_slices_and_nothing_is_written(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_FEATURES", 2)
    squares = [Polygon([(118.1 + i / 100, 24.5), (118.105 + i / 100, 24.5), (118.105 + i / 100, 24.505),
                        (118.1 + i / 100, 24.505)]) for i in range(7)]
    geometries = [*squares[:1], BOWTIE, *squares[1:4], BOWTIE, *squares[4:]]
    path = write_geojson(tmp_path / "sliced.geojson", geometries)
    error = assert_rejected_and_nothing_written(engine, lambda: import_layer(path, "flood_risk", engine=engine),
                                                "invalid-features")
    assert [issue["index"] for issue in error.extra["issues"]] == [1, 5]


def test_a_sliced_import_stores_every_feature_once_in_file_order(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_FEATURES", 3)
    squares = [Polygon([(118.1 + i / 100, 24.5), (118.105 + i / 100, 24.5), (118.105 + i / 100, 24.505),
                        (118.1 + i / 100, 24.505)]) for i in range(8)]
    report = import_layer(write_geojson(tmp_path / "eight.geojson", squares), "flood_risk", name="eight",
                          engine=engine)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT feature_index, properties ->> 'n', ST_XMin(geom), area_m2 FROM layer_features "
            "WHERE version_id = :v ORDER BY feature_index"), {"v": report.version_id}).all()
        extent = connection.execute(text("SELECT ST_XMin(extent), ST_XMax(extent) FROM layer_versions "
                                         "WHERE id = :v"), {"v": report.version_id}).one()
    assert [(row[0], row[1]) for row in rows] == [(i, str(i)) for i in range(8)]
    assert [row[2] for row in rows] == pytest.approx([118.1 + i / 100 for i in range(8)])
    assert [row[3] for row in rows] == pytest.approx([ellipsoidal_area(square) for square in squares], rel=1e-5)
    assert extent == pytest.approx((118.1, 118.175))


def test_a_ring_that_is_not_closed_is_refused_with_what_is_wrong(engine, tmp_path):
    path = tmp_path / "unclosed.geojson"
    open_ring = [[118.1, 24.5], [118.11, 24.5], [118.11, 24.51], [118.1, 24.51]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": mapping(SQUARE)},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [open_ring]}}]}))
    error = assert_rejected_and_nothing_written(engine, lambda: import_layer(path, "flood_risk", engine=engine),
                                                "invalid-features")
    issue = error.extra["issues"][0]
    assert issue["index"] == 1 and "closed" in str(issue["reason"])


def test_typed_attributes_keep_their_json_types(engine, tmp_path):
    frame = gpd.GeoDataFrame({
        "name": ["思明", None], "count": [3, 4], "ratio": [0.25, float("nan")], "open": [True, False],
        "approved": pd.to_datetime(["2024-05-01", "2025-01-31"]).date,
    }, geometry=[SQUARE, Point(118.2, 24.6).buffer(0.01)], crs="EPSG:4326")
    path = tmp_path / "typed.gpkg"
    frame.to_file(path, driver="GPKG")
    report = import_layer(path, "flood_risk", name="typed", engine=engine)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT properties FROM layer_features WHERE version_id = :v "
                                         "ORDER BY feature_index"), {"v": report.version_id}).scalars().all()
    assert stored == [
        {"name": "思明", "count": 3, "ratio": 0.25, "open": True, "approved": "2024-05-01"},
        {"name": None, "count": 4, "ratio": None, "open": False, "approved": "2025-01-31"},
    ]


def _blueprint(*arguments: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *arguments], capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": database_url}, cwd=Path(__file__).parent.parent,
                          timeout=120)


def test_the_import_command_reports_the_new_version(engine, module_url, tmp_path):
    path = write_geojson(tmp_path / "cli.geojson", [SQUARE, Point(118.2, 24.6).buffer(0.01)])
    result = _blueprint("layers", "import", str(path), "--kind", "flood_risk", "--name", "cli import", "--json",
                        database_url=module_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["feature_count"] == 2 and report["layer_name"] == "cli import" and report["version"] == 1
    assert features_geojson(report["layer_id"], engine=engine)["numberMatched"] == 2


def test_the_import_command_lists_invalid_features_and_fails(engine, module_url, tmp_path):
    path = write_geojson(tmp_path / "bad.geojson", [SQUARE, BOWTIE])
    before = counts(engine)
    result = _blueprint("layers", "import", str(path), "--kind", "flood_risk", database_url=module_url)
    assert result.returncode == 2
    assert "feature 1: ring 0 self-intersects at 118.105, 24.505" in result.stderr
    assert counts(engine) == before


def test_parallel_import_commands_run_one_after_another(engine, module_url, tmp_path):
    squares = [shapely.box(118.2 + 2e-4 * (k % 100), 24.5 + 2e-4 * (k // 100), 118.2001 + 2e-4 * (k % 100),
                           24.5001 + 2e-4 * (k // 100)) for k in range(20_000)]
    path = write_geojson(tmp_path / "parallel.geojson", squares)
    before = counts(engine)
    command = [sys.executable, "-m", "cli.main", "layers", "import", str(path), "--kind", "flood_risk", "--json"]
    runs = [subprocess.Popen([*command, "--name", f"parallel {k}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "DATABASE_URL": module_url},
                             cwd=Path(__file__).parent.parent) for k in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [stderr for _, stderr in outputs]
    assert {json.loads(stdout)["feature_count"] for stdout, _ in outputs} == {20_000}
    assert counts(engine) == (before[0] + 3, before[1] + 3, before[2] + 60_000)
