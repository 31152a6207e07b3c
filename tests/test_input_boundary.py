"""The input boundary (issue 13): NUL bytes, out-of-range integers and oversized bodies are 422/413 problems
naming what was wrong, never a 500, and nothing is written; slow clients are cut off."""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import time
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

API = "/api/v1"
NUL = "bad\x00value"


def assert_refused(response, field: str, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    # a field is named by its location among the errors, a limit in the sentence
    assert any(error["location"].startswith(field) for error in problem.get("errors", [])) \
        or field in problem["detail"], \
        problem
    return problem


def under_review(client, login) -> int:
    """A proposal under review on the island (思明, 湖里), where the city bureaus answer for every concern."""
    return next(p["id"] for p in client.get(f"{API}/proposals", headers=login("ndrc")).json()
                if p["state"] == "under_review" and p["district_code"] in ("350203", "350206"))


def counts(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                     for table in ("markings", "credit_list", "audit_log", "layers", "parcel_interests"))


def test_a_nul_byte_in_any_kind_of_field_is_a_422_naming_it_and_nothing_is_written(client, login, engine):
    proposal = under_review(client, login)
    admin, water, ndrc = login("admin"), login("dept-water"), login("ndrc")  # logins are audited: before counting
    before = counts(engine)
    credit = {"list_kind": "black", "credit_code": "91350200MA2XXXXXX1", "entity_name": NUL, "reason": "x",
              "source": "x", "valid_from": "2026-01-01"}
    marking = {"geometry": {"type": "Point", "coordinates": [118.1, 24.5]}, "note": NUL}
    interest = {"organisation": "测试", "contact_name": "x", "phone": "13800000000", "intended_use": "x"}
    cases = [
        (client.post(f"{API}/auth/token", json={"username": NUL, "secret": "whatever-secret"}), "body.username"),
        (client.get(f"{API}/parcels/{'P%00X'}"), "path.code"),
        (client.post(f"{API}/parcels/P%00X/interest", json=interest), "path.code"),
        (client.get(f"{API}/parcels", params={"district": NUL}), "query.district"),
        (client.get(f"{API}/parcel-interests", params={"parcel_code": NUL}, headers=admin),
         "query.parcel_code"),
        (client.post(f"{API}/proposals/{proposal}/markings", json=marking, headers=water),
         "body.note"),
        (client.post(f"{API}/proposals/{proposal}/actions", json={"action": "return", "reason": NUL},
                     headers=ndrc), "body.reason"),
        (client.post(f"{API}/credit", json=credit, headers=admin), "body.entity_name"),
        (client.post(f"{API}/layers", headers=admin, data={"kind": "flood_risk", "name": NUL},
                     files={"file": ("flood.geojson", io.BytesIO(b'{"type": "FeatureCollection", "features": []}'))}),
         "form.name"),
        (client.post(f"{API}/screenings", json={"site": {"type": "Polygon", "coordinates": []}, "crs": "EPSG:4326",
                                                "project_type": "01", "land_use": "1001", "industry": "C39",
                                                NUL: 1}), "body.bad\x00value"),
    ]
    for response, field in cases:
        problem = assert_refused(response, field.split("\x00")[0])
        assert "NUL" in problem["detail"]
    assert counts(engine) == before


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/layers/1/features", {"version": 35778479647}, "query.version"),
    ("/layers/1/features", {"offset": 2**63 + 1}, "query.offset"),
    ("/layers/99999999999/features", {}, "path.layer_id"),
    ("/parcel-interests", {"offset": 2**64}, "query.offset"),
])
def test_integers_beyond_the_database_types_are_422_naming_the_parameter(client, login, loaded_samples, path,
                                                                          params, field):
    problem = assert_refused(client.get(API + path, params=params, headers=login("admin")), field)
    assert "out of range" in problem["detail"]


def test_numbers_in_a_json_body_must_fit_and_be_finite(client, login):
    site = {"type": "Polygon", "coordinates": [[[118, 24], [2**40, 24], [118, 25], [118, 24]]]}
    body = {"site": site, "crs": "EPSG:4326", "project_type": "01", "land_use": "1001", "industry": "C39"}
    assert_refused(client.post(f"{API}/screenings", json=body), "body.site.coordinates.0.1.0")
    raw = json.dumps(body).replace(str(2**40), "NaN")
    response = client.post(f"{API}/screenings", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["type"] == "/problems/invalid-request"


def test_a_json_body_over_the_limit_is_413(client, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app

    monkeypatch.setenv("BLUEPRINT_MAX_JSON_BYTES", "1000")
    with TestClient(create_app(), headers={"Accept-Language": "en"}) as small:
        response = small.post(f"{API}/auth/token", json={"username": "x" * 2000, "secret": "y"})
    problem = assert_refused(response, "larger than the limit", 413)
    assert problem["type"] == "/problems/body-too-large"


def ring(vertices: int) -> list[list[float]]:
    points = [[118.1 + 0.01 * i / vertices, 24.5 + (0.001 if i % 2 else 0)] for i in range(vertices - 1)]
    return [*points, points[0]]


def test_a_marking_has_the_vertex_limit_of_a_site(client, login, monkeypatch):
    from projects.settings import screening_settings

    monkeypatch.setenv("BLUEPRINT_SCREENING_MAX_SITE_VERTICES", "500")
    screening_settings.cache_clear()
    try:
        proposal = under_review(client, login)
        line = {"type": "LineString", "coordinates": ring(800)[:-1]}
        response = client.post(f"{API}/proposals/{proposal}/markings", json={"geometry": line, "note": "长线"},
                               headers=login("dept-water"))
        problem = assert_refused(response, "the limit is 500")
        assert problem["type"] == "/problems/too-many-vertices" and problem["vertices"] == 799
    finally:
        screening_settings.cache_clear()


def test_a_huge_site_is_refused_while_it_is_still_being_sent(live_server):
    """10 million coordinates (about 170 MB), sent chunked with no length: refused after its first megabytes."""
    url = urlparse(live_server)
    head = (f"POST {API}/screenings HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    opening = b'{"project_type": "01", "land_use": "1001", "industry": "C39", "site": {"type": "Polygon", ' \
              b'"coordinates": [['
    piece = b"[118.123456789, 24.123456789], " * 10_000  # 10,000 coordinates, 310 kB
    sent = 0
    with socket.create_connection((url.hostname, url.port), timeout=30) as connection:
        connection.sendall(head + b"%x\r\n%s\r\n" % (len(opening), opening))
        connection.setblocking(False)
        answer = b""
        for _ in range(1_000):  # 10 million coordinates in all
            with contextlib.suppress(BlockingIOError):
                answer += connection.recv(65536)
            if answer:
                break
            try:
                connection.setblocking(True)
                connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                connection.setblocking(False)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        connection.setblocking(True)
        # The server closes once it has answered; with the rest of the body unread, that may be a reset.
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"too-many-vertices" in answer
    assert sent < 30 * 2**20, sent  # of about 170 MB


def test_a_client_that_sends_its_headers_too_slowly_is_cut_off(live_server, monkeypatch):
    monkeypatch.setenv("BLUEPRINT_HEADER_TIMEOUT_S", "1")  # read by each new connection
    url = urlparse(live_server)
    with socket.create_connection((url.hostname, url.port), timeout=60) as connection:
        connection.sendall(b"GET /api/v1/layers HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 20:
            try:
                connection.sendall(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            connection.settimeout(1)
            try:
                if connection.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
    assert closed, "the server kept waiting for the rest of the headers"


# --- headers and failures -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/map", "/investment", "/ndrc", "/docs", "/api/v1/layers", "/no/such/page"])
def test_every_response_carries_the_security_headers(client, loaded_samples, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    if response.headers["content-type"].startswith("text/html"):
        nonce = policy.split("'nonce-")[1].split("'")[0]
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
        assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline), inline


def test_each_page_gets_a_fresh_nonce(client, loaded_samples):
    nonces = {client.get("/map").headers["Content-Security-Policy"].split("'nonce-")[1][:22] for _ in range(2)}
    assert len(nonces) == 2


def test_an_unreachable_database_is_a_503_with_retry_after(client, loaded_samples, monkeypatch):
    from gis.db import get_engine
    from gis.settings import database_settings
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")  # a closed port
    database_settings.cache_clear()
    get_engine.cache_clear()
    try:
        for path in ("/api/v1/layers", "/api/v1/parcels", "/api/v1/parcels/X-1"):
            response = client.get(path)
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "10"
            assert response.json()["type"] == "/problems/database-unavailable"
    finally:
        monkeypatch.undo()
        database_settings.cache_clear()
        get_engine.cache_clear()
    assert client.get("/api/v1/layers").status_code == 200


def test_an_upload_over_the_limit_is_413_naming_the_limit(engine, login, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app

    monkeypatch.setenv("BLUEPRINT_MAX_UPLOAD_BYTES", str(2**20))
    with TestClient(create_app(), headers={"Accept-Language": "en"}) as small:
        response = small.post(f"{API}/layers", headers=login("admin"), data={"kind": "flood_risk"},
                              files={"file": ("big.geojson", io.BytesIO(b" " * (2 * 2**20)))})
    problem = assert_refused(response, "larger than the limit of 1 MB", 413)
    assert problem["type"] == "/problems/body-too-large"


def test_a_client_that_stalls_in_the_middle_of_a_body_is_cut_off(live_server, monkeypatch):
    monkeypatch.setenv("BLUEPRINT_BODY_TIMEOUT_S", "1")  # read by each new connection
    url = urlparse(live_server)
    with socket.create_connection((url.hostname, url.port), timeout=20) as connection:
        connection.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 100\r\n\r\n{\"username\": ")
        # Closed, without an answer to a request it never finished; a server that kept waiting would let
        # the 20 s socket timeout fail the test.
        assert connection.recv(1024) == b""
