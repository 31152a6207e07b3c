"""POST /api/v1/sites/from-file: a site from each file format and CRS, and a clear refusal for each bad file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, box, shape
from sqlalchemy import text

from gis.gcj02 import wgs84_to_gcj02

API = "/api/v1/sites/from-file"
# a site on Xiamen Island (思明区), WGS84
ISLAND = box(118.105, 24.470, 118.110, 24.474)
TO_4548 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)


def write(path: Path, geometries: list, driver: str, crs: str | None = "EPSG:4326") -> Path:
    """A layer file of ``geometries`` written by GDAL, as a designer's tool would hand it over."""
    wkb = np.array([shapely.to_wkb(geometry) for geometry in geometries], dtype=object)
    pyogrio.raw.write(str(path), wkb, [np.array(["红线"] * len(geometries), dtype=object)], ["name"],
                      driver=driver, crs=crs, geometry_type="Unknown")
    return path


def red_line_dxf(path: Path, outline) -> Path:
    """A CAD red line: one closed LWPOLYLINE (DXF group 70 flag 1, no repeated end point), no CRS declared."""
    ring = LineString(list(outline.exterior.coords)[:-1])
    wkb = np.array([shapely.to_wkb(ring)], dtype=object)
    pyogrio.raw.write(str(path), wkb, [], [], driver="DXF", geometry_type="LineString")
    drawing = path.read_text()
    closed = drawing.replace("AcDbPolyline\n 70\n0\n", "AcDbPolyline\n 70\n1\n")
    assert closed != drawing
    path.write_text(closed)
    return path


def upload(client, path: Path, crs: str | None = None, headers: dict | None = None):
    with path.open("rb") as handle:
        return client.post(API, files={"file": (path.name, handle.read())}, data={"crs": crs} if crs else {},
                           headers=headers or {})


def stored_counts(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM proposals), (SELECT count(*) FROM site_revisions), "
            "(SELECT count(*) FROM screenings)")).one())


def assert_island(answer: dict) -> None:
    site = shape(answer["site"])
    assert answer["crs"] == "EPSG:4326" and site.geom_type == "MultiPolygon"
    assert site.symmetric_difference(ISLAND).area < 1e-3 * ISLAND.area
    assert answer["area_m2"] == pytest.approx(ISLAND.area * 111_320 ** 2 * np.cos(np.radians(24.472)), rel=0.01)


def shapefile_zip(folder: Path) -> Path:
    write(folder / "site.shp", [ISLAND], "ESRI Shapefile")
    archive = folder / "site.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in folder.glob("site.*"):
            if part.suffix != ".zip":
                bundle.write(part, part.name)
    return archive


@pytest.mark.parametrize("kind", ["geojson", "shapefile", "gpkg", "kml"])
def test_each_format_gives_the_site_in_wgs84(client, tmp_path, kind):
    path = {
        "geojson": lambda: write(tmp_path / "site.geojson", [ISLAND], "GeoJSON"),
        "shapefile": lambda: shapefile_zip(tmp_path),
        "gpkg": lambda: write(tmp_path / "site.gpkg", [ISLAND], "GPKG"),
        "kml": lambda: write(tmp_path / "site.kml", [ISLAND], "KML"),
    }[kind]()
    response = upload(client, path)
    assert response.status_code == 200, response.text
    assert_island(response.json())


def test_a_cad_red_line_in_gauss_kruger_metres_is_a_polygon(client, engine, tmp_path):
    before = stored_counts(engine)
    outline = shapely.transform(ISLAND, lambda xy: np.column_stack(TO_4548.transform(xy[:, 0], xy[:, 1])))
    drawing = red_line_dxf(tmp_path / "红线图.dxf", outline)
    response = upload(client, drawing, crs="EPSG:4548")
    assert response.status_code == 200, response.text
    assert_island(response.json())
    assert response.json()["source_crs"] == "EPSG:4548"
    # Without its CRS the drawing's metres are no degrees: the message says which CRS it looks like.
    unnamed = upload(client, drawing)
    assert unnamed.status_code == 422 and unnamed.json()["type"] == "/problems/outside-crs-area"
    assert "EPSG:4548" in unnamed.json()["detail"]
    assert stored_counts(engine) == before


def test_gcj02_coordinates_are_shifted_back(client, tmp_path):
    gcj = box(*wgs84_to_gcj02(118.105, 24.470), *wgs84_to_gcj02(118.110, 24.474))
    path = write(tmp_path / "amap.geojson", [gcj], "GeoJSON")
    shifted = upload(client, path, crs="GCJ02")
    assert shifted.status_code == 200, shifted.text
    assert_island(shifted.json())
    as_wgs84 = shape(upload(client, path).json()["site"])
    assert as_wgs84.centroid.distance(ISLAND.centroid) > 0.003  # GCJ-02 lies ~500 m off in Xiamen


def test_each_bad_file_gets_its_own_message_and_nothing_is_stored(client, engine, tmp_path):
    before = stored_counts(engine)
    corrupt = tmp_path / "site.zip"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip archive")
    empty = tmp_path / "empty.dxf"
    empty.write_text("0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n")
    crossing = shapely.Polygon([(118.105, 24.470), (118.110, 24.474), (118.110, 24.470), (118.105, 24.474)])
    bad = {
        "malformed-file": corrupt,
        "empty-file": empty,
        "not-a-site": write(tmp_path / "wells.geojson", [Point(118.106, 24.471), Point(118.107, 24.472)], "GeoJSON"),
        "self-intersection": write(tmp_path / "bowtie.gpkg", [crossing], "GPKG"),
        "lat-lon-swapped": write(tmp_path / "swapped.geojson",
                                 [shapely.transform(ISLAND, lambda xy: xy[:, ::-1])], "GeoJSON", crs=None),
    }
    for slug, path in bad.items():
        response = upload(client, path)
        assert response.status_code == 422, (slug, response.text)
        assert response.json()["type"] == f"/problems/{slug}", response.json()
    points = upload(client, bad["not-a-site"]).json()
    assert "points" in points["detail"] and "wells.geojson" in points["detail"]
    assert "1" in str(upload(client, bad["self-intersection"]).json()["location"])
    island = write(tmp_path / "island.geojson", [ISLAND], "GeoJSON")
    assert upload(client, island, crs="EPSG:9999999").json()["type"] == "/problems/unknown-crs"
    other = tmp_path / "site.docx"
    other.write_bytes(b"PK")
    assert upload(client, other).status_code == 415
    assert stored_counts(engine) == before


def test_a_site_in_the_sea_is_refused_by_its_screening(client, loaded_samples, tmp_path):
    sea = box(118.30, 24.20, 118.31, 24.21)  # the Taiwan Strait, off Xiamen
    answer = upload(client, write(tmp_path / "sea.kml", [sea], "KML")).json()
    screening = client.post("/api/v1/screenings", json={"site": answer["site"], "project_type": "02",
                                                        "land_use": "1001", "industry": "C39"})
    assert screening.status_code == 422 and screening.json()["type"] == "/problems/outside-planning-area"
