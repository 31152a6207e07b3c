"""Test fixtures: a real PostGIS, never a developer's data.

Without ``DATABASE_URL`` the run gets a throwaway local cluster in a temporary directory (the same
manager the platform uses). With ``DATABASE_URL`` the run creates a throwaway database on that server and
drops it afterwards. Either way the schema comes from the Alembic migrations, and ``DATABASE_URL`` is
pointed at the throwaway database for the code under test.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, make_url

from gis.db import get_engine, normalise_url
from gis.migrate import upgrade_database
from gis.server import LocalPostgis
from gis.settings import database_settings

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "xiamen"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _throwaway_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new database with PostGIS on the server of ``server_url``; dropped on exit. Yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        with psycopg.connect(_libpq(url), autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _throwaway_server() -> Iterator[str]:
    """``DATABASE_URL``'s server when set, else a local cluster in a temporary directory. Yields its URL."""
    if os.environ.get("DATABASE_URL"):
        yield normalise_url(os.environ["DATABASE_URL"])
        return
    data_dir = Path(tempfile.mkdtemp(prefix="blueprint-test-"))
    data_dir.chmod(0o755)  # the unprivileged server user must reach it
    cluster = LocalPostgis(data_dir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    previous = os.environ.get("DATABASE_URL")
    with _throwaway_server() as server, _throwaway_database(server, "blueprint_test") as url:
        os.environ["DATABASE_URL"] = url
        database_settings.cache_clear()
        try:
            yield url
        finally:
            get_engine.cache_clear()
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous
            database_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    upgrade_database(database_url)
    return get_engine(database_url)


@pytest.fixture(scope="module")
def isolated_engine(database_url: str) -> Iterator[Engine]:
    """A migrated database of its own for one test module, on the same server, dropped afterwards.

    For tests that need exactly the layers they build (no samples around them).
    """
    with _throwaway_database(database_url, "blueprint_iso") as url:
        upgrade_database(url)
        engine = get_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def loaded_samples(engine: Engine) -> list[str]:
    """The Xiamen samples (districts, planning layers, demo accounts, proposals) loaded once per run."""
    from data.samples.load import load_samples

    return list(load_samples())


@pytest.fixture(scope="session")
def client(engine: Engine):
    """An HTTP client of the app over the throwaway database."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def login(client, loaded_samples):
    """``login(username)`` gives the Authorization headers of a demo account."""
    from data.samples.load import DEMO_SECRET

    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            response = client.post("/api/v1/auth/token", json={"username": username, "secret": DEMO_SECRET})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return headers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(loaded_samples) -> Iterator[str]:
    """The platform on http://127.0.0.1:<port> under uvicorn with the settings of ``blueprint serve``, in a
    thread of this process (settings and database shared)."""
    import uvicorn

    from api.server import uvicorn_config

    server = uvicorn.Server(uvicorn_config(host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(10)
