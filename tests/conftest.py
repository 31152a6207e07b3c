"""Test fixtures: a real PostGIS, never a developer's data.

Without ``DATABASE_URL`` the run gets a throwaway local cluster in a temporary directory (the same
manager the platform uses). With ``DATABASE_URL`` the run creates a throwaway database on that server and
drops it afterwards. Either way the schema comes from the Alembic migrations, and ``DATABASE_URL`` is
pointed at the throwaway database for the code under test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if server_url:
        name = f"blueprint_test_{uuid.uuid4().hex[:10]}"
        admin = normalise_url(server_url)
        with psycopg.connect(_libpq(admin), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(_libpq(url), autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        os.environ["DATABASE_URL"] = url
        database_settings.cache_clear()
        try:
            yield url
        finally:
            get_engine.cache_clear()
            with psycopg.connect(_libpq(admin), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            os.environ["DATABASE_URL"] = server_url
        return
    data_dir = Path(tempfile.mkdtemp(prefix="blueprint-test-"))
    data_dir.chmod(0o755)
    cluster = LocalPostgis(data_dir)
    url = cluster.start()
    os.environ["DATABASE_URL"] = url
    database_settings.cache_clear()
    try:
        yield url
    finally:
        get_engine.cache_clear()
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        os.environ.pop("DATABASE_URL", None)
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
    name = f"blueprint_iso_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(database_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    upgrade_database(url)
    engine = get_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(_libpq(database_url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
