"""Two server instances behind the nginx configuration the platform ships (`blueprint deploy nginx`):
logins, approvals under concurrency and tiles, wherever each request lands."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from shapely.geometry import box, mapping
from test_fresh_approval import applicant_account, coded, create, spots  # noqa: F401 (a fixture)
from test_proposals import open_review

from api.load_balancer import standalone_nginx_conf
from layers.importer import import_layer

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, f"{url} exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.2)


def _instance_requests(url: str, route: str) -> float:
    """Requests an instance answered on ``route`` so far, from its own /metrics."""
    families = text_string_to_metric_families(httpx.get(f"{url}/metrics").text)
    return sum(sample.value for family in families for sample in family.samples
               if sample.name == "blueprint_http_requests_total" and sample.labels["route"] == route)


@pytest.fixture(scope="module")
def balanced(loaded_samples, tmp_path_factory) -> Iterator[dict]:
    """Two `blueprint serve` processes over the run's database, nginx in front: its URL and theirs."""
    work = tmp_path_factory.mktemp("nginx")
    ports = [_free_port(), _free_port()]
    instances = [subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
                 for port in ports]
    listen = _free_port()
    conf = standalone_nginx_conf(work, [f"127.0.0.1:{port}" for port in ports], f"127.0.0.1:{listen}")
    nginx = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf)],
                             stderr=subprocess.PIPE, text=True)
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, instances, strict=True):
            _wait_until_up(url, process)
        _wait_until_up(f"http://127.0.0.1:{listen}", nginx)
        yield {"url": f"http://127.0.0.1:{listen}", "instances": urls}
    finally:
        for process in (nginx, *instances):
            process.terminate()
        for process in (nginx, *instances):
            process.wait(20)


def test_a_login_on_one_instance_is_a_session_on_both(balanced, demo_secret):
    with httpx.Client(base_url=balanced["url"]) as client:
        token = client.post("/api/v1/auth/token",
                            json={"username": "ndrc", "secret": demo_secret("ndrc")}).json()["access_token"]
        before = [_instance_requests(url, "/api/v1/me") for url in balanced["instances"]]
        for _ in range(6):
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["username"] == "ndrc"
        after = [_instance_requests(url, "/api/v1/me") for url in balanced["instances"]]
        assert all(later > earlier for earlier, later in zip(before, after, strict=True)), (before, after)
        assert client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
        for _ in range(2):  # the logout holds on the other instance too
            assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert client.get("/metrics").status_code == 404  # scraped per instance, never through the proxy


def test_overlapping_approvals_on_both_instances_at_once_give_one_code(
        balanced, client, login, engine, spots):  # noqa: F811 (the fixture)
    applicant = applicant_account(client, login, engine, f"applicant-lb-{uuid.uuid4().hex[:6]}", 70031)
    land = next(spots)
    ids = [create(client, applicant, land)["id"] for _ in range(4)]
    for proposal_id in ids:
        open_review(client, login, applicant, proposal_id)
    barrier = threading.Barrier(len(ids))
    statuses: list[int] = []

    def race(proposal_id: int) -> None:
        barrier.wait()
        statuses.append(httpx.post(f"{balanced['url']}/api/v1/proposals/{proposal_id}/actions", timeout=60,
                                   json={"action": "approve"}, headers=login("ndrc")).status_code)

    threads = [threading.Thread(target=race, args=(proposal_id,)) for proposal_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    assert len(coded(engine, ids)) == 1


def test_pinned_tiles_come_from_the_cache_and_an_import_reaches_every_instance(balanced, engine, tmp_path):
    name = f"负载均衡测试洪水 {uuid.uuid4().hex[:6]}"
    area = tmp_path / "flood.geojson"

    def import_version(level: str) -> int:
        area.write_text(json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"risk_level": level},
            "geometry": mapping(box(118.0500, 24.4400, 118.0505, 24.4405))}]}))
        return import_layer(area, "flood_risk", name=name, engine=engine).layer_id

    layer_id = import_version("high")
    current = f"/tiles/{layer_id}/16/54281/28532.pbf"
    with httpx.Client(base_url=balanced["url"]) as client:
        first = client.get(current)
        assert first.status_code in (200, 204) and first.headers["X-Layer-Version"] == "1"
        pinned = f"{current}?v=1"
        assert client.get(pinned).headers["X-Cache-Status"] in ("MISS", "EXPIRED")
        assert client.get(pinned).headers["X-Cache-Status"] == "HIT"
        assert client.get(current).headers["X-Cache-Status"] in ("BYPASS", "MISS", "EXPIRED")

        assert import_version("low") == layer_id
        for url in (balanced["url"], *balanced["instances"]):
            assert httpx.get(f"{url}{current}").headers["X-Layer-Version"] == "2"
        assert client.get(f"{current}?v=1").headers["X-Layer-Version"] == "1"  # history stays as it was
