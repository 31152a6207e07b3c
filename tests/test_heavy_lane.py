"""The heavy lane: a large screening body is answered by a worker process, as the server itself would answer
it, and its database session runs at a low CPU priority where the platform can set one."""

from __future__ import annotations

import os

import numpy as np
import orjson
import pytest
from shapely.geometry import Polygon, mapping
from sqlalchemy import text

from api.boundary import LARGE_BODY_BYTES
from gis.db import BACKGROUND_APPLICATION
from gis.settings import database_settings
from projects.screening import Screener, ScreeningRequest, report_for
from projects.sites import prepare_site

API = "/api/v1/screenings"
BASE = {"project_type": "02", "land_use": "1001", "industry": "C39"}


def wavy_disc(vertices: int = 8_000) -> list[list[list[float]]]:
    """The rings of a round site of about 0.5 km² on Xiamen Island with a wavy outline (WGS84)."""
    angle = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = (400 + 12 * np.sin(angle * 200)) / 111_320
    ring = np.c_[118.108 + radius * np.cos(angle) / np.cos(np.radians(24.472)), 24.472 + radius * np.sin(angle)]
    return mapping(Polygon(ring))["coordinates"]


def twisted_ring() -> list[list[float]]:
    """The wavy disc's outline with two neighbouring vertices swapped, so that it crosses itself."""
    ring = [list(position) for position in wavy_disc()[0]]
    ring[10], ring[11] = ring[11], ring[10]
    return ring


def post(client, body: dict, **headers: str):
    content = orjson.dumps(body)
    assert len(content) >= LARGE_BODY_BYTES  # the lane's, not the server process's
    return client.post(API, content=content, headers={"content-type": "application/json", **headers})


def test_a_large_site_gets_the_report_the_engine_gives(client, engine, loaded_samples, login):
    site = {"type": "Polygon", "coordinates": wavy_disc()}
    with engine.connect() as connection:
        report = Screener(connection).screen(ScreeningRequest(site=prepare_site(site), **BASE)).to_dict()
    for headers, expected in (({}, report_for(None, report)), (login("ndrc"), report)):  # officials see all
        response = post(client, {**BASE, "site": site}, **headers)
        assert response.status_code == 200, response.text
        assert response.json() == orjson.loads(orjson.dumps(expected, option=orjson.OPT_NON_STR_KEYS))


def test_a_large_stored_screening_can_be_read_back(client, loaded_samples):
    response = post(client, {**BASE, "site": {"type": "Polygon", "coordinates": wavy_disc()}, "store": True})
    assert response.status_code == 200, response.text
    stored = client.get(f"{API}/{response.json()['screening_id']}")
    assert stored.status_code == 200
    assert stored.json()["summary"] == response.json()["summary"]


@pytest.mark.parametrize(("change", "status", "slug", "named"), [
    ({"industry": "C3"}, 422, "invalid-request", "body.industry"),
    ({"properties": {"note": "bad\x00value"}}, 422, "invalid-request", "body.properties.note"),
    ({"properties": {"count": 2**31}}, 422, "invalid-request", "body.properties.count"),
    ({"site": {"type": "Polygon", "coordinates": [twisted_ring()]}}, 422, "self-intersection",
     "ring 0 self-intersects at"),
    ({"land_use": "99"}, 422, "invalid-land-use", "99"),
])
def test_a_large_body_is_refused_as_a_small_one_would_be(client, loaded_samples, change, status, slug, named):
    body = {**BASE, "site": {"type": "Polygon", "coordinates": wavy_disc()}, **change}
    response = post(client, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}"
    # a field is named by its location among the errors, anything else in the sentence
    assert any(error["location"] == named for error in problem.get("errors", [])) or named in problem["detail"], \
        problem


def test_a_bad_token_is_refused_before_the_lane(client, loaded_samples):
    response = post(client, {**BASE, "site": {"type": "Polygon", "coordinates": wavy_disc()}},
                    Authorization="Bearer not-a-token")
    assert response.status_code == 401


def test_the_lanes_database_session_runs_at_low_priority(client, engine, loaded_samples):
    assert post(client, {**BASE, "site": {"type": "Polygon", "coordinates": wavy_disc()}}).status_code == 200
    with engine.connect() as connection:
        backends = connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name AND datname = current_database()"),
            {"name": BACKGROUND_APPLICATION}).scalars().all()
    assert backends, "the lane screened on a session of its own"
    if not all(os.path.exists(f"/proc/{pid}") for pid in backends):
        pytest.skip("the database server runs elsewhere: its priority is not the platform's to set")
    assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in backends} == {database_settings().background_nice}
