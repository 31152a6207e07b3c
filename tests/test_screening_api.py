"""POST /api/v1/screenings on the Xiamen samples: reports, storing only when asked, and every bad site."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping, shape
from sqlalchemy import text

from gis.gcj02 import wgs84_to_gcj02

API = "/api/v1/screenings"
BASE = {"project_type": "02", "land_use": "1001", "industry": "C39"}
# a site on Xiamen Island (思明区), WGS84
ISLAND = box(118.105, 24.470, 118.110, 24.474)


def screenings_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM screenings")).scalar_one()


def test_a_report_has_conflicts_and_a_summary(client, loaded_samples):
    response = client.post(API, json={**BASE, "site": mapping(ISLAND)})
    assert response.status_code == 200, response.text
    report = response.json()
    summary = report["summary"]
    assert set(summary) >= {"blocking_count", "departments_to_review", "eligible_for_code"}
    assert summary["eligible_for_code"] == (summary["blocking_count"] == 0 and not summary["missing_layer_kinds"])
    for conflict in report["conflicts"]:
        assert {"layer_name", "layer_version", "feature_id", "attributes", "rule_id", "severity", "department",
                "follow_up", "overlap", "geometry"} <= set(conflict)
        assert set(conflict["overlap"]) == {"m2", "mu", "hectares", "percent_of_site"}
    assert report["site_area"]["m2"] > 100_000 * 0.1


def test_nothing_is_stored_unless_asked(client, engine, loaded_samples):
    before = screenings_count(engine)
    client.post(API, json={**BASE, "site": mapping(ISLAND)})
    assert screenings_count(engine) == before
    stored = client.post(API, json={**BASE, "site": mapping(ISLAND), "store": True}).json()
    assert screenings_count(engine) == before + 1
    again = client.get(f"{API}/{stored['screening_id']}").json()
    assert again["conflicts"] == stored["conflicts"]


def test_gcj02_input_screens_the_same_place(client, loaded_samples):
    gcj = box(*wgs84_to_gcj02(118.105, 24.470), *wgs84_to_gcj02(118.110, 24.474))
    wgs = client.post(API, json={**BASE, "site": mapping(ISLAND)}).json()
    shifted = client.post(API, json={**BASE, "site": mapping(gcj), "crs": "GCJ02"}).json()
    assert shifted["site_area"]["m2"] == pytest.approx(wgs["site_area"]["m2"], rel=0.01)
    assert {c["feature_id"] for c in shifted["conflicts"]} == {c["feature_id"] for c in wgs["conflicts"]}


SQUARE = [[118.10, 24.47], [118.11, 24.47], [118.11, 24.48], [118.10, 24.48], [118.10, 24.47]]
BAD_SITES = {
    "self-intersection": ({"type": "Polygon", "coordinates": [[[118.10, 24.47], [118.11, 24.48], [118.11, 24.47],
                                                                [118.10, 24.48], [118.10, 24.47]]]}, "EPSG:4326"),
    "invalid-geometry": ({"type": "Polygon", "coordinates": [SQUARE, [[118.2, 24.6], [118.21, 24.6], [118.21, 24.61],
                                                                      [118.2, 24.6]]]}, "EPSG:4326"),
    "empty-geometry": ({"type": "Polygon", "coordinates": []}, "EPSG:4326"),
    "not-polygonal": ({"type": "Point", "coordinates": [118.1, 24.47]}, "EPSG:4326"),
    "lat-lon-swapped": ({"type": "Polygon", "coordinates": [[[y, x] for x, y in SQUARE]]}, "EPSG:4326"),
    "outside-planning-area": ({"type": "Polygon", "coordinates": [[[x + 1.0, y] for x, y in SQUARE]]}, "EPSG:4326"),
    "unknown-crs": ({"type": "Polygon", "coordinates": [SQUARE]}, "EPSG:999999"),
    "malformed-geojson": ({"type": "Polygon", "coordinates": [[[118.1]]]}, "EPSG:4326"),
}


@pytest.mark.parametrize("slug", list(BAD_SITES))
def test_each_bad_site_gets_its_own_problem(client, engine, loaded_samples, slug):
    site, crs = BAD_SITES[slug]
    before = screenings_count(engine)
    response = client.post(API, json={**BASE, "site": site, "crs": crs, "store": True})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}", problem
    assert problem["detail"] and problem["title"]
    assert screenings_count(engine) == before


def test_a_site_of_more_than_100000_vertices_is_refused(client, loaded_samples):
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, 100_050)
    ring = np.column_stack([118.1 + 0.003 * np.cos(angles), 24.47 + 0.003 * np.sin(angles)])
    ring[-1] = ring[0]
    response = client.post(API, json={**BASE, "site": {"type": "Polygon", "coordinates": [ring.tolist()]}})
    assert response.status_code == 422 and response.json()["type"] == "/problems/too-many-vertices"
    assert "100,000" in response.json()["detail"] or "100000" in response.json()["detail"]


def test_self_intersection_says_where(client, loaded_samples):
    site, _ = BAD_SITES["self-intersection"]
    problem = client.post(API, json={**BASE, "site": site}).json()
    assert problem["location"] == pytest.approx([118.105, 24.475])


@pytest.mark.parametrize(("field", "value"), [("project_type", "07"), ("land_use", "99"), ("industry", "C3")])
def test_bad_project_attributes_are_refused(client, loaded_samples, field, value):
    response = client.post(API, json={**BASE, field: value, "site": mapping(ISLAND)})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


def test_a_proposal_screening_is_not_readable_by_its_id(client, login, loaded_samples):
    proposal = client.get("/api/v1/proposals", headers=login("ndrc")).json()[0]
    detail = client.get(f"/api/v1/proposals/{proposal['id']}", headers=login("ndrc")).json()
    screening_id = detail["revisions"][-1]["screening_id"]
    assert screening_id and client.get(f"{API}/{screening_id}").status_code == 404


def test_conflict_geometries_have_counter_clockwise_exterior_rings_as_rfc_7946_requires(client, loaded_samples):
    clockwise = box(118.105, 24.470, 118.110, 24.474, ccw=False)
    report = client.post(API, json={**BASE, "site": mapping(clockwise)}).json()
    polygons = [polygon for conflict in report["conflicts"] if conflict["geometry"]
                for polygon in getattr(shape(conflict["geometry"]), "geoms", [shape(conflict["geometry"])])]
    assert polygons
    for polygon in polygons:
        assert polygon.exterior.is_ccw and not any(ring.is_ccw for ring in polygon.interiors)
