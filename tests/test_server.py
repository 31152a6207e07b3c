"""The embedded local PostGIS cluster (gis/server.py), against real PostgreSQL programs: no mocks.

Every cluster lives in a fresh directory under /tmp made traversable (0755), because when the tests run as
root the server runs as an unprivileged user that must reach it (pytest's own tmp_path is 0700).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from gis.server import (
    SHARED_HOMES,
    STATE_FILE,
    LocalPostgis,
    LocalPostgisError,
    ensure_running_url,
)

try:
    LocalPostgis(Path("/nonexistent")).find_binaries()
    HAVE_POSTGIS = True
except LocalPostgisError:
    HAVE_POSTGIS = False
needs_postgis = pytest.mark.skipif(not HAVE_POSTGIS, reason="PostgreSQL + PostGIS server not installed")


@pytest.fixture
def data_root() -> Iterator[Path]:
    """A directory under /tmp that the server's OS user can traverse."""
    root = Path(tempfile.mkdtemp(prefix="blueprint-test-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clusters() -> Iterator[Callable[[Path], LocalPostgis]]:
    """Make LocalPostgis instances; stop them and remove what they put outside their data dir."""
    made: list[LocalPostgis] = []

    def make(data_dir: Path) -> LocalPostgis:
        made.append(LocalPostgis(data_dir))
        return made[-1]

    yield make
    for server in made:
        server.stop()
        for outside in (server.home, server.socket_dir):
            if not outside.is_relative_to(server.data_dir):
                shutil.rmtree(outside, ignore_errors=True)


def postgis_version(conninfo: str) -> str:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT postgis_full_version()").fetchone()[0]


def postmaster_pid(server: LocalPostgis) -> int:
    return int((server.pgdata / "postmaster.pid").read_text().split()[0])


@needs_postgis
def test_start_stop_start_reuses_cluster_and_port(
    data_root: Path, clusters: Callable[[Path], LocalPostgis]
) -> None:
    server = clusters(data_root / "data")
    assert not server.status()

    url = server.start()
    port = server.port
    assert url == f"postgresql+psycopg://blueprint@/blueprint?host={server.socket_dir}&port={port}"
    assert server.socket_dir == data_root / "data" / "sock"
    assert "POSTGIS=" in postgis_version(server.conninfo())
    engine = create_engine(url)  # the URL form SQLAlchemy + psycopg 3 must accept
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (id int)"))
        conn.execute(text("INSERT INTO kept VALUES (42)"))
    engine.dispose()
    assert server.start() == url  # idempotent while running
    assert server.status()

    server.stop()
    assert not server.status()
    server.stop()  # stopping a stopped cluster is fine

    assert server.start() == url  # same cluster, same port
    with psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("SELECT id FROM kept").fetchone() == (42,)

    scratch_url = server.create_database("scratch")
    assert scratch_url == url.replace("/blueprint?", "/scratch?")
    session = psycopg.connect(server.conninfo("scratch"))  # left open: drop must end it
    assert "POSTGIS=" in postgis_version(server.conninfo("scratch"))
    server.drop_database("scratch")
    session.close()
    with psycopg.connect(server.conninfo("postgres")) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = 'scratch'").fetchone() == (0,)
    with pytest.raises(LocalPostgisError, match="Refusing"):
        server.drop_database("blueprint")

    server.stop()
    # The remembered port is taken by someone else meanwhile: a new one is picked and remembered.
    with socket.create_server(("127.0.0.1", port)):
        moved = server.start()
    assert server.port != port
    assert json.loads((server.data_dir / STATE_FILE).read_text())["port"] == server.port
    assert moved == url.replace(f"port={port}", f"port={server.port}")


@needs_postgis
def test_start_recovers_from_killed_postmaster(
    data_root: Path, clusters: Callable[[Path], LocalPostgis]
) -> None:
    server = clusters(data_root / "data")
    url = server.start()
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE survived (id int); INSERT INTO survived VALUES (7)")

    # kill -9 with a session open, so a backend is orphaned too; wait until the kill has landed.
    session = psycopg.connect(server.conninfo())
    pidfd = os.pidfd_open(postmaster_pid(server))
    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    select.select([pidfd], [], [], 10)
    os.close(pidfd)
    assert not server.status()
    assert (server.pgdata / "postmaster.pid").exists()  # stale

    assert server.start() == url
    with psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("SELECT id FROM survived").fetchone() == (7,)
    session.close()

    # A stale postmaster.pid naming a live, unrelated process (its PID recycled after a reboot).
    lines = (server.pgdata / "postmaster.pid").read_text().split("\n")
    server.stop()
    with subprocess.Popen(["sleep", "60"]) as stranger:
        (server.pgdata / "postmaster.pid").write_text("\n".join([str(stranger.pid), *lines[1:]]))
        assert not server.status()
        assert server.start() == url
        assert stranger.poll() is None  # left alone
        stranger.kill()


@needs_postgis
@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_root_data_dir_unreachable_by_service_user_lives_in_var_lib(
    data_root: Path, clusters: Callable[[Path], LocalPostgis]
) -> None:
    private = data_root / "private"  # like a repository under /root, mode 0700
    private.mkdir(mode=0o700)
    server = clusters(private / ".blueprint-data")
    url = server.start()
    assert server.home.parent == SHARED_HOMES
    assert server.pgdata.stat().st_uid != 0
    assert (private / ".blueprint-data" / STATE_FILE).is_file()  # the pointer stays in data_dir
    assert "POSTGIS=" in postgis_version(server.conninfo())
    server.stop()
    assert server.start() == url


@needs_postgis
def test_long_data_dir_gets_a_short_socket_dir(
    data_root: Path, clusters: Callable[[Path], LocalPostgis]
) -> None:
    deep = data_root / ("d" * 60) / ("e" * 60)  # beyond the 107-byte limit of a socket path
    server = clusters(deep)
    url = ensure_running_url(deep)
    assert not server.socket_dir.is_relative_to(deep)
    assert url == server.url()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert "POSTGIS=" in conn.execute(text("SELECT postgis_full_version()")).scalar_one()
    engine.dispose()


def test_missing_server_programs_names_the_packages(tmp_path: Path) -> None:
    with pytest.raises(LocalPostgisError) as error:
        LocalPostgis(tmp_path / "data", bin_dir=tmp_path).find_binaries()
    message = str(error.value)
    assert "initdb" in message
    assert "apt-get install postgresql postgresql-" in message
    assert "postgis" in message


@needs_postgis
def test_missing_postgis_names_the_versioned_package(tmp_path: Path) -> None:
    real = LocalPostgis(tmp_path).find_binaries()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for program in ("initdb", "pg_ctl", "postgres"):
        (bindir / program).symlink_to(real / program)
    # A pg_config whose share directory has no PostGIS, like a server installed without it.
    (bindir / "pg_config").write_text(f"#!/bin/sh\necho {tmp_path / 'share'}\n")
    (bindir / "pg_config").chmod(0o755)
    major = subprocess.run([real / "postgres", "-V"], capture_output=True, text=True).stdout.split()[2]
    with pytest.raises(LocalPostgisError, match=rf"apt-get install postgresql-{major.split('.')[0]}-postgis-3"):
        LocalPostgis(tmp_path / "data", bin_dir=bindir).find_binaries()
