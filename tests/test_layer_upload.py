"""The admin-only upload endpoint, on a database of its own so that its layers touch no other test."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import text

from api.app import create_app
from gis.db import get_engine
from gis.settings import database_settings
from layers import importer
from projects.accounts import Role, create_account, issue_token

API = "/api/v1/layers"
SECRET = "upload-test-secret"
SQUARE_GEOJSON = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "上传测试"}, '
    '"geometry": {"type": "Polygon", "coordinates": [[[118.30, 24.60], [118.301, 24.60], [118.301, 24.601], '
    '[118.30, 24.601], [118.30, 24.60]]]}}]}'
)


@pytest.fixture(scope="module")
def isolated(isolated_engine) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """A client of the app over the isolated database, and the headers of an admin and an NDRC account."""
    url = isolated_engine.url.render_as_string(hide_password=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        database_settings.cache_clear()
        get_engine.cache_clear()  # the app's default engine must be the isolated database's
        try:
            with isolated_engine.begin() as connection:
                headers = {}
                for role in (Role.ADMIN, Role.NDRC):
                    create_account(connection, username=role.value, secret=SECRET, role=role)
                    headers[role.value] = {"Authorization": f"Bearer {issue_token(connection, role.value, SECRET)}"}
            with TestClient(create_app(), headers={"Accept-Language": "en"}) as client:
                yield client, headers
        finally:
            database_settings.cache_clear()
            get_engine.cache_clear()


def counts(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM layer_versions), (SELECT count(*) FROM layer_features)")).one())


def upload(client, headers, content: str | bytes, filename: str = "upload-test.geojson", **form):
    return client.post(API, headers=headers, files={"file": (filename, content)},
                       data={"kind": "flood_risk", **form})


def test_only_an_admin_uploads_a_layer_and_gets_a_new_version(isolated, isolated_engine):
    client, headers = isolated
    before = counts(isolated_engine)
    assert upload(client, {}, SQUARE_GEOJSON).status_code == 401
    assert upload(client, headers["ndrc"], SQUARE_GEOJSON).status_code == 403
    assert counts(isolated_engine) == before
    first = upload(client, headers["admin"], SQUARE_GEOJSON, name="上传测试图层")
    assert first.status_code == 201, first.text
    again = upload(client, headers["admin"], SQUARE_GEOJSON, name="上传测试图层").json()
    assert (first.json()["version"], again["version"]) == (1, 2) and again["feature_count"] == 1
    assert client.get(API).json()[0]["versions"][-1]["source_name"] == "upload-test.geojson"


def test_a_bad_upload_is_refused_and_writes_nothing(isolated, isolated_engine):
    client, headers = isolated
    before = counts(isolated_engine)
    broken = upload(client, headers["admin"], SQUARE_GEOJSON[:60], name="broken upload")
    assert broken.status_code == 422 and broken.json()["type"] == "/problems/malformed-file"
    assert upload(client, headers["admin"], b"PK", filename="layer.docx").status_code == 415
    unknown_kind = client.post(API, headers=headers["admin"], files={"file": ("x.geojson", SQUARE_GEOJSON)},
                               data={"kind": "moon_base"})
    assert unknown_kind.status_code == 422 and "moon_base" in unknown_kind.json()["detail"]
    assert counts(isolated_engine) == before


def test_an_unclosed_ring_is_a_problem_naming_the_feature_not_a_server_error(isolated, isolated_engine):
    client, headers = isolated
    before = counts(isolated_engine)
    unclosed = SQUARE_GEOJSON.replace(", [118.30, 24.60]]]", "]]")
    response = upload(client, headers["admin"], unclosed, name="unclosed upload")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/invalid-features" and "feature 0" in problem["detail"]
    assert "closed" in problem["issues"][0]["reason"]
    assert counts(isolated_engine) == before


def test_an_upload_with_an_unreadable_attribute_is_a_problem_listing_it(isolated, isolated_engine):
    client, headers = isolated
    before = counts(isolated_engine)
    untiered = SQUARE_GEOJSON.replace('"name": "上传测试"', '"tier": "三级"')
    response = client.post(API, headers=headers["admin"], files={"file": ("water.geojson", untiered)},
                           data={"kind": "water_source_protection"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/invalid-attributes"
    assert problem["issues"][0] | {"index": 0, "attribute": "tier", "value": "三级"} == problem["issues"][0]
    assert "一级保护区" in problem["issues"][0]["allowed"]
    assert counts(isolated_engine) == before


def test_four_uploads_at_once_all_import_one_after_another(isolated, isolated_engine):
    client, headers = isolated
    before = counts(isolated_engine)
    # A few thousand squares each, so that the imports' transactions overlap.
    squares = [{"type": "Feature", "properties": {}, "geometry": mapping(box(x, y, x + 1e-4, y + 1e-4))}
               for x, y in ((118.2 + 2e-4 * (k % 60), 24.5 + 2e-4 * (k // 60)) for k in range(3000))]
    content = json.dumps({"type": "FeatureCollection", "features": squares})
    start = threading.Barrier(4)

    def post(k: int) -> httpx.Response:
        start.wait()
        return upload(client, headers["admin"], content, filename=f"concurrent-{k}.geojson")

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(post, range(4)))
    assert [response.status_code for response in responses] == [201] * 4, [r.text for r in responses]
    assert counts(isolated_engine) == (before[0] + 4, before[1] + 4 * 3000)


def test_an_upload_that_waits_too_long_for_another_import_is_a_409_and_writes_nothing(isolated, isolated_engine,
                                                                                      monkeypatch):
    client, headers = isolated
    before = counts(isolated_engine)
    monkeypatch.setattr(importer, "IMPORT_WAIT_SECONDS", 1)
    with isolated_engine.begin() as other_import:
        other_import.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": importer._IMPORT_LOCK})
        response = upload(client, headers["admin"], SQUARE_GEOJSON, name="waiting upload")
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/import-busy" and response.headers["Retry-After"] == "30"
    assert counts(isolated_engine) == before


def test_an_upload_is_recorded_with_its_file_hash_feature_count_and_version(isolated, isolated_engine):
    client, headers = isolated
    report = upload(client, headers["admin"], SQUARE_GEOJSON, name="审计测试图层").json()
    with isolated_engine.connect() as connection:
        entry = connection.execute(text(
            "SELECT actor, actor_id, after FROM audit_log WHERE action = 'layer_import' "
            "AND after->>'layer' = '审计测试图层'")).one()
    assert entry.actor.startswith("admin") and entry.actor_id is not None
    assert entry.after["source_sha256"] == hashlib.sha256(SQUARE_GEOJSON.encode()).hexdigest()
    assert (entry.after["feature_count"], entry.after["version"]) == (1, report["version"])
