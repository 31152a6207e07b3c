"""Bounded screenings: past a statement timeout, or with every heavy-site slot taken, a 503 problem.

The slow statements are real: another transaction holds the features table (the ``features_held`` fixture),
so the statements reading it wait until their timeout stops them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from shapely.geometry import Polygon, box, mapping
from sqlalchemy import Engine, text

from gis.db import get_engine
from gis.overlay import SITE_PART_VERTICES
from gis.replica import read_router
from gis.settings import database_settings
from projects.screening import heavy_site_slot
from projects.settings import screening_settings
from projects.sites import prepare_site

API = "/api/v1/screenings"
BASE = {"project_type": "02", "land_use": "1001", "industry": "C39"}
SIMPLE = mapping(box(118.105, 24.470, 118.110, 24.474))  # on Xiamen Island (思明区), WGS84


def wavy_disc(lon: float, lat: float, radius_m: float, vertices: int) -> dict:
    """A round site with a wavy outline of ``vertices`` vertices (WGS84 GeoJSON)."""
    angle = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = (radius_m + 0.03 * radius_m * np.sin(angle * 200)) / 111_320
    ring = np.c_[lon + radius * np.cos(angle) / np.cos(np.radians(lat)), lat + radius * np.sin(angle)]
    return mapping(Polygon(ring))


HEAVY = wavy_disc(118.108, 24.472, 200, 6_000)
IN_POSTGIS = wavy_disc(118.108, 24.472, 200, SITE_PART_VERTICES + 100)  # too many vertices to overlay in memory


@pytest.fixture
def settings(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    """Each test sees the default bounds, or its own."""
    screening_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    screening_settings.cache_clear()


def screenings_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM screenings")).scalar_one()


def assert_busy(response, slug: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}" and problem["status"] == 503 and problem["detail"]


@pytest.mark.parametrize("store", [False, True])
def test_a_screening_past_its_timeout_is_a_503_to_retry_and_writes_nothing(client, engine, loaded_samples,
                                                                          settings, store, features_held):
    settings.setenv("BLUEPRINT_SCREENING_STATEMENT_TIMEOUT_MS", "300")
    before = screenings_count(engine)
    with features_held():
        response = client.post(API, json={**BASE, "site": IN_POSTGIS, "store": store})
    assert_busy(response, "statement-timeout")
    assert "300 ms" in response.json()["detail"]
    assert screenings_count(engine) == before
    # The connection went back to the pool with the platform's own timeout, and screens again at once.
    with engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "30s"
    assert client.post(API, json={**BASE, "site": SIMPLE}).status_code == 200


@pytest.fixture
def short_platform_timeout(database_url: str, monkeypatch) -> Iterator[None]:
    """The app's engine (and the read router holding it) is rebuilt with a platform-wide statement timeout of
    300 ms, then put back."""
    monkeypatch.setenv("BLUEPRINT_STATEMENT_TIMEOUT_MS", "300")
    database_settings.cache_clear()
    get_engine.cache_clear()
    read_router.cache_clear()
    try:
        yield
    finally:
        get_engine().dispose()
        monkeypatch.undo()
        database_settings.cache_clear()
        get_engine.cache_clear()
        read_router.cache_clear()


def test_any_request_past_the_platform_timeout_is_a_503_not_a_500(client, engine, loaded_samples,
                                                                   short_platform_timeout, features_held):
    layer_id = client.get("/api/v1/layers").json()[0]["id"]
    with features_held():
        response = client.get(f"/api/v1/layers/{layer_id}/features?limit=1")
    assert_busy(response, "statement-timeout")


@pytest.mark.parametrize("store", [False, True])
def test_a_light_screening_past_the_platform_timeout_is_a_503_and_writes_nothing(
        client, engine, loaded_samples, short_platform_timeout, features_held, settings, store):
    """A light site's one round trip (overlaid in memory) reads other projects' sites under the platform's
    timeout; it reads no layer feature, so a long import holding them does not hold it up. A site overlaid in
    PostGIS waits for them until the screening's own timeout (shortened here: by default it is as long as the
    lock is held)."""
    settings.setenv("BLUEPRINT_SCREENING_STATEMENT_TIMEOUT_MS", "500")
    assert client.post(API, json={**BASE, "site": SIMPLE}).status_code == 200  # the layers are kept in memory
    with features_held():
        assert client.post(API, json={**BASE, "site": SIMPLE}).status_code == 200
        assert_busy(client.post(API, json={**BASE, "site": IN_POSTGIS}), "statement-timeout")
    before = screenings_count(engine)
    with features_held("site_revisions"):
        response = client.post(API, json={**BASE, "site": SIMPLE, "store": store})
    assert_busy(response, "statement-timeout")
    assert "300 ms" in response.json()["detail"]
    assert screenings_count(engine) == before


def test_a_heavy_site_waits_for_a_slot_and_never_holds_up_a_simple_one(client, loaded_samples, settings):
    settings.setenv("BLUEPRINT_SCREENING_HEAVY_SITE_WAIT_S", "0.2")
    heavy = prepare_site(HEAVY)
    assert heavy.vertex_count > screening_settings().heavy_site_vertices
    with heavy_site_slot(heavy, screening_settings()):  # another heavy site is being screened
        busy = client.post(API, json={**BASE, "site": HEAVY})
        simple = client.post(API, json={**BASE, "site": SIMPLE})
    assert_busy(busy, "screening-busy")
    assert "6,001 vertices" in busy.json()["detail"]
    assert simple.status_code == 200
    screened = client.post(API, json={**BASE, "site": HEAVY})
    assert screened.status_code == 200, screened.text
    assert screened.json()["site_area"]["m2"] == pytest.approx(heavy.area_m2)


@pytest.mark.parametrize("padding", [0, 300_000])
def test_malformed_json_of_any_size_is_a_422_saying_so(client, loaded_samples, padding):
    body = '{"site": {"type": "Polygon", "coordinates": [' + " " * padding + "[[118.1, 24.47], ]]}}"
    response = client.post(API, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-request"


def test_with_no_layers_in_memory_a_light_site_is_overlaid_in_postgis(client, loaded_samples, features_held,
                                                                      settings):
    """``BLUEPRINT_SCREENING_IN_MEMORY_LAYERS=false``: the same report, read from the features in PostGIS (so a
    long import holding them now holds up a light screening too)."""
    from_memory = client.post(API, json={**BASE, "site": SIMPLE})
    settings.setenv("BLUEPRINT_SCREENING_IN_MEMORY_LAYERS", "false")
    settings.setenv("BLUEPRINT_SCREENING_STATEMENT_TIMEOUT_MS", "500")
    screening_settings.cache_clear()
    assert client.post(API, json={**BASE, "site": SIMPLE}).json() == from_memory.json()
    with features_held():
        assert_busy(client.post(API, json={**BASE, "site": SIMPLE}), "statement-timeout")
