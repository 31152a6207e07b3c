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
