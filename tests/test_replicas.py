"""Read replicas on a real two-cluster setup: a local primary and a streaming standby made by pg_basebackup."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import InternalError

from gis.replica import LocalReplica, ReadRouter, ReadSettings, primary_wal_position
from gis.server import LocalPostgis


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[LocalPostgis, LocalReplica]]:
    data_dir = Path(tempfile.mkdtemp(prefix="blueprint-replica-"))
    data_dir.chmod(0o755)
    primary = LocalPostgis(data_dir)
    replica = LocalReplica(primary)
    try:
        primary.start()
        with psycopg.connect(primary.conninfo(), autocommit=True) as connection:
            connection.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
            connection.execute("GRANT SELECT, INSERT ON notes TO blueprint_server")
            connection.execute("GRANT USAGE ON SEQUENCE notes_id_seq TO blueprint_server")
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _router(primary: LocalPostgis, replica: LocalReplica, **settings: float) -> ReadRouter:
    return ReadRouter(create_engine(primary.server_url()), [replica.server_url()],
                      ReadSettings(check_interval_s=0, **settings))


def _write(primary: LocalPostgis, body: str) -> int:
    engine = create_engine(primary.server_url())
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
    return primary_wal_position(engine)


def _bodies(engine) -> list[str]:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all()


def _replay(replica: LocalReplica, paused: bool) -> None:
    with psycopg.connect(replica.conninfo(), autocommit=True) as connection:
        connection.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def _until(condition, seconds: float = 20) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def test_the_replica_streams_the_primary_and_refuses_writes(clusters):
    primary, replica = clusters
    _write(primary, "first")
    replica_engine = create_engine(replica.server_url())
    _until(lambda: "first" in _bodies(replica_engine))
    with pytest.raises(InternalError, match="read-only"), replica_engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('on the replica')"))
    assert "on the replica" not in _bodies(create_engine(primary.server_url()))


def test_reads_go_to_a_current_replica_and_a_callers_own_write_waits_for_it(clusters):
    primary, replica = clusters
    router = _router(primary, replica, max_lag_s=3600)
    _until(lambda: router.engine_for() is not router.primary)
    _replay(replica, paused=True)
    try:
        written_at = _write(primary, "while paused")
        # Anyone else may read the replica a moment behind; the writer reads its own write at once.
        assert "while paused" not in _bodies(router.engine_for())
        assert "while paused" in _bodies(router.engine_for(after_position=written_at))
    finally:
        _replay(replica, paused=False)
    _until(lambda: router.engine_for(after_position=written_at) is not router.primary)
    assert "while paused" in _bodies(router.engine_for(after_position=written_at))


def test_a_lagging_replica_gets_no_reads(clusters):
    primary, replica = clusters
    router = _router(primary, replica, max_lag_s=0.5)
    _replay(replica, paused=True)
    try:
        _write(primary, "behind")
        time.sleep(0.6)
        _write(primary, "further behind")
        assert router.engine_for() is router.primary
        assert router.status()[0]["lag_s"] > 0.5
    finally:
        _replay(replica, paused=False)
    _until(lambda: router.engine_for() is not router.primary)


def test_a_replica_that_is_down_sends_reads_to_the_primary_until_it_is_back(clusters):
    primary, replica = clusters
    router = _router(primary, replica)
    _until(lambda: router.engine_for() is not router.primary)
    replica.stop()
    try:
        assert router.engine_for() is router.primary
        assert router.status() == [{"up": False, "lag_s": None, "replayed_lsn": None}]
    finally:
        replica.start()
    _until(lambda: router.engine_for() is not router.primary)


def test_a_second_primary_is_never_taken_for_a_replica(clusters):
    primary, _ = clusters
    router = ReadRouter(create_engine(primary.server_url()), [primary.server_url()], ReadSettings(check_interval_s=0))
    assert router.engine_for() is router.primary
    assert router.status()[0]["up"] is False


@pytest.fixture
def platform_on_replicas(clusters, monkeypatch, tmp_path) -> Iterator[tuple[object, LocalReplica, str]]:
    """The app over the primary's migrated database, reading from the replica; an admin's token."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from gis.db import get_engine
    from gis.migrate import upgrade_database
    from gis.replica import read_router, read_settings
    from gis.settings import database_settings
    from projects.accounts import Role, create_account, issue_token

    primary, replica = clusters
    upgrade_database(primary.url())
    monkeypatch.setenv("DATABASE_URL", primary.server_url())
    monkeypatch.setenv("BLUEPRINT_MIGRATION_URL", primary.url())
    monkeypatch.setenv("BLUEPRINT_READ_URL", replica.server_url())
    monkeypatch.setenv("BLUEPRINT_READ_MAX_LAG_S", "3600")
    monkeypatch.setenv("BLUEPRINT_READ_CHECK_INTERVAL_S", "0")
    caches = (database_settings, get_engine, read_settings, read_router)
    for cache in caches:
        cache.cache_clear()
    try:
        with get_engine().begin() as connection:
            create_account(connection, username="replica-admin", secret="replica-admin-secret", role=Role.ADMIN)
            token = issue_token(connection, "replica-admin", "replica-admin-secret")
        with TestClient(create_app()) as client:
            yield client, replica, token
    finally:
        monkeypatch.undo()
        for cache in caches:
            cache.cache_clear()


def _upload_flood_layer(client, token: str, tmp_path: Path, level: str):  # noqa: ANN001, ANN202
    area = tmp_path / "flood.geojson"
    area.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                    f'{{"risk_level": "{level}"}}, "geometry": {{"type": "Polygon", "coordinates": '
                    '[[[118.05, 24.44], [118.06, 24.44], [118.06, 24.45], [118.05, 24.45], [118.05, 24.44]]]}}]}')
    with area.open("rb") as file:
        return client.post("/api/v1/layers", headers={"Authorization": f"Bearer {token}"},
                           data={"kind": "flood_risk", "name": "replica test flood"}, files={"file": file})


def test_public_reads_come_from_the_replica_and_the_writer_reads_its_own_write(platform_on_replicas, tmp_path):
    client, replica, token = platform_on_replicas

    def versions(**headers: str) -> list[int]:
        return [layer["current_version"] for layer in client.get("/api/v1/layers", headers=headers).json()]

    first = _upload_flood_layer(client, token, tmp_path, "high")
    assert first.status_code == 201, first.text
    _until(lambda: versions() == [1])
    _replay(replica, paused=True)
    try:
        second = _upload_flood_layer(client, token, tmp_path, "low")
        assert second.status_code == 201 and int(second.headers["X-Blueprint-WAL"]) > 0
        assert client.cookies.get("blueprint_wal") == second.headers["X-Blueprint-WAL"]
        assert versions() == [2], "the writer's browser, its cookie saying where its write is"
        client.cookies.clear()  # someone else
        assert versions() == [1], "the public read came from the paused replica"
        assert versions(**{"X-Blueprint-WAL": second.headers["X-Blueprint-WAL"]}) == [2], "the writer's own write"
        assert versions(Authorization=f"Bearer {token}") == [2], "a logged-in caller reads the primary"
    finally:
        _replay(replica, paused=False)
    _until(lambda: versions() == [2])


def test_a_replica_session_is_set_up_as_the_primary_s_is(engine):
    """Without the platform's session settings a replica JIT-compiled and re-planned every screening (8x
    slower in bench/scale); any server will do to see what a new replica session gets."""
    router = ReadRouter(engine, [engine.url.render_as_string(hide_password=False)], ReadSettings())
    with router.replicas[0].connect() as connection:
        settings = {name: connection.execute(text(f"SHOW {name}")).scalar_one()
                    for name in ("jit", "plan_cache_mode", "statement_timeout")}
    assert settings == {"jit": "off", "plan_cache_mode": "force_generic_plan", "statement_timeout": "30s"}
