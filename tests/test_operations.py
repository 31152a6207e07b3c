"""Liveness, readiness and Prometheus metrics, as a load balancer and a monitoring server read them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gis.db import get_engine
from gis.migrate import upgrade_database
from gis.settings import REPOSITORY_ROOT, database_settings


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@contextmanager
def _server_database(monkeypatch: pytest.MonkeyPatch, url: str) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", url)
    database_settings.cache_clear()
    get_engine.cache_clear()
    try:
        yield
    finally:
        monkeypatch.undo()
        database_settings.cache_clear()
        get_engine.cache_clear()


def test_health_answers_without_the_database(client, monkeypatch):
    with _server_database(monkeypatch, "postgresql://nobody@127.0.0.1:1/nothing"):
        assert client.get("/health").json() == {"status": "ok"}


def test_ready_when_the_database_answers_at_the_migration_head(client, loaded_samples):
    newest = max(path.stem.split("_")[0] for path in (REPOSITORY_ROOT / "migrations" / "versions").glob("0*.py"))
    report = client.get("/ready").json()
    assert report["ready"] is True
    assert report["checks"]["migrations"] == {"ok": True, "current": newest, "head": newest}
    assert report["checks"]["database"]["ok"] is True


def test_not_ready_when_the_database_is_unreachable(client, loaded_samples, monkeypatch):
    with _server_database(monkeypatch, "postgresql://nobody@127.0.0.1:1/nothing"):
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    problem = response.json()
    assert problem["type"] == "/problems/not-ready"
    assert problem["checks"]["database"]["ok"] is False and "database" in problem["detail"]


def test_not_ready_when_the_schema_is_behind_the_release(client, empty_database, server, monkeypatch):
    with empty_database() as url:
        upgrade_database(url, revision="0006")
        with _server_database(monkeypatch, server.as_server_role(url)):
            response = client.get("/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["migrations"]["ok"] is False and checks["migrations"]["current"] == "0006"


def test_metrics_count_requests_by_route_template_not_by_url(client, loaded_samples):
    before = _samples(client)
    for code in ("no-such-parcel-1", "no-such-parcel-2"):
        assert client.get(f"/api/v1/parcels/{code}").status_code == 404
    after = _samples(client)
    route = "/api/v1/parcels/{code}"
    counted = (_value(after, "blueprint_http_requests_total", route=route, method="GET", status="404")
               - _value(before, "blueprint_http_requests_total", route=route, method="GET", status="404"))
    assert counted == 2
    assert not any("no-such-parcel" in str(labels) for _, labels in after)
    assert _value(after, "blueprint_http_request_duration_seconds_count", route=route, method="GET") >= 2


def test_metrics_time_screenings_and_tiles_and_show_the_pool(client, loaded_samples):
    site = {"type": "Polygon", "coordinates": [[[118.115, 24.49], [118.117, 24.49], [118.117, 24.492],
                                                 [118.115, 24.492], [118.115, 24.49]]]}
    before = _samples(client)
    response = client.post("/api/v1/screenings", json={"site": site, "crs": "EPSG:4326", "project_type": "01",
                                                       "land_use": "14", "industry": "N78"})
    assert response.status_code == 200, response.text
    for _ in range(2):  # the second is answered from the tile cache
        assert client.get("/tiles/land_use/14/13508/7011.pbf").status_code in (200, 204)
    after = _samples(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("blueprint_screening_duration_seconds_count", site="simple") == 1
    assert grew("blueprint_tile_duration_seconds_count", source="database") + \
        grew("blueprint_tile_duration_seconds_count", source="cache") == 2
    assert re.search(r"^blueprint_db_pool_size\{[^}]*\} \d", client.get("/metrics").text, re.MULTILINE)
