"""CORS: a map page served from another intranet host reads the public read API (OGC API, tiles, parcels)
when its origin is configured, and nothing when it is not; the pages and every write stay same-origin."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

ALLOWED = "http://gis.example.gov.cn"
REFUSED = "http://elsewhere.example.com"


@pytest.fixture(scope="module")
def cors_client(engine):
    """The app with one allowed origin, as ``BLUEPRINT_CORS_ORIGINS`` sets it."""
    from api.app import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BLUEPRINT_CORS_ORIGINS", f"{ALLOWED}/, http://10.1.2.3:8080")
        with TestClient(create_app()) as client:
            yield client


def preflight(client, path: str, origin: str, method: str = "GET"):
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": "accept"})


def test_cors_is_off_by_default(client):
    response = client.get("/ogc/collections", headers={"Origin": ALLOWED})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in preflight(client, "/ogc/collections", ALLOWED).headers


@pytest.mark.parametrize("path", ["/ogc/collections", "/api/v1/parcels", "/api/v1/parcels.geojson",
                                  "/tiles/1/12/3370/1756.pbf"])
def test_an_allowed_origin_passes_the_preflight_and_reads_the_answer(cors_client, path):
    answer = preflight(cors_client, path, ALLOWED)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "GET" in answer.headers["access-control-allow-methods"]
    response = cors_client.get(path, headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers


def test_a_refused_origin_gets_no_grant_and_its_preflight_a_problem(cors_client):
    response = cors_client.get("/ogc/collections", headers={"Origin": REFUSED})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    answer = preflight(cors_client, "/ogc/collections", REFUSED)
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in answer.headers and "BLUEPRINT_CORS_ORIGINS" in answer.json()["detail"]


def test_pages_and_writes_stay_same_origin_for_an_allowed_origin(cors_client):
    assert "access-control-allow-origin" not in cors_client.get("/login", headers={"Origin": ALLOWED}).headers
    write = preflight(cors_client, "/api/v1/parcels/XM-1/interest", ALLOWED, method="POST")
    assert write.status_code == 400 and "access-control-allow-origin" not in write.headers
    login = preflight(cors_client, "/api/v1/auth/token", ALLOWED, method="POST")
    assert "access-control-allow-origin" not in login.headers
