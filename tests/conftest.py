"""Test fixtures: a real PostGIS, never a developer's data, and the same two roles as in production.

Without ``DATABASE_URL`` the run gets a throwaway local cluster in a temporary directory (the same
manager the platform uses), whose owner and server roles it makes itself. With ``DATABASE_URL`` (a role
that may create databases and roles) the run creates a throwaway database on that server and a throwaway
login role in the server group, and drops both afterwards. Either way the schema comes from the Alembic
migrations, run as the owner, and the code under test connects as the server's role that owns nothing:
``DATABASE_URL`` is pointed at the throwaway database as that role and ``BLUEPRINT_MIGRATION_URL`` at it as
the owner. Tests that must act behind the platform's back (tamper with the audit trail, clean up what
they planted) use ``owner_engine``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from gis.db import get_engine, normalise_url
from gis.migrate import upgrade_database
from gis.roles import LOCAL_SERVER_ROLE, SERVER_GROUP
from gis.server import LocalPostgis
from gis.settings import database_settings

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "xiamen"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis operation's test a node id of its own (``...[GET /health]``).

    Schemathesis names them apart but leaves them one node id, and pytest-xdist, which schedules by node
    id, would run one operation and drop the rest.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.id.params is None:  # pytest 9's structured node id
            item._id = item.id.with_params(label)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server for the run: its owner's URL and the server role's login."""

    owner_url: str
    login: str
    password: str | None = None

    def as_server_role(self, url: str) -> str:
        """``url`` (a database of this server) as the server's role."""
        return make_url(url).set(username=self.login, password=self.password).render_as_string(hide_password=False)


@contextmanager
def _throwaway_database(server_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database with PostGIS on the server of ``server_url`` (a copy of database ``template`` if given);
    dropped on exit. Yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        with psycopg.connect(_libpq(url), autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _throwaway_login(server_url: str) -> Iterator[Server]:
    """A login role with a random password in the server group, on ``DATABASE_URL``'s server."""
    login, password = f"blueprint_test_{uuid.uuid4().hex[:10]}", secrets.token_urlsafe(16)
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (SERVER_GROUP,)).fetchone():
            with suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):  # another worker's
                connection.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(SERVER_GROUP)))
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
            sql.Identifier(login), sql.Literal(password), sql.Identifier(SERVER_GROUP)))
    try:
        yield Server(server_url, login, password)
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
            connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))


@contextmanager
def _throwaway_server() -> Iterator[Server]:
    """``DATABASE_URL``'s server when set, else a local cluster in a temporary directory."""
    if os.environ.get("DATABASE_URL"):
        with _throwaway_login(normalise_url(os.environ["DATABASE_URL"])) as server:
            yield server
        return
    data_dir = Path(tempfile.mkdtemp(prefix="blueprint-test-"))
    data_dir.chmod(0o755)  # the unprivileged server user must reach it
    cluster = LocalPostgis(data_dir)
    try:
        yield Server(cluster.start(), LOCAL_SERVER_ROLE)
    finally:
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with _throwaway_server() as found:
        yield found


@pytest.fixture(scope="session")
def owner_url(server: Server) -> Iterator[str]:
    """The run's throwaway database, as its owner (migrations, and tests acting behind the platform's back)."""
    with _throwaway_database(server.owner_url, "blueprint_test") as url:
        yield url


@pytest.fixture(scope="session")
def database_url(server: Server, owner_url: str) -> Iterator[str]:
    """The run's throwaway database as the server's role; ``DATABASE_URL`` points there during the run."""
    previous = {name: os.environ.get(name) for name in ("DATABASE_URL", "BLUEPRINT_MIGRATION_URL")}
    url = server.as_server_role(owner_url)
    os.environ["DATABASE_URL"] = url
    os.environ["BLUEPRINT_MIGRATION_URL"] = owner_url
    database_settings.cache_clear()
    try:
        yield url
    finally:
        get_engine.cache_clear()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        database_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(database_url: str, owner_url: str) -> Engine:
    upgrade_database(owner_url)
    return get_engine(database_url)


@pytest.fixture(scope="session")
def owner_engine(engine: Engine, owner_url: str) -> Iterator[Engine]:
    """The schema's owner, which the server refuses to be: for tampering and clean-up only."""
    owner = create_engine(owner_url, poolclass=NullPool)
    yield owner
    owner.dispose()


@pytest.fixture(scope="session")
def empty_database(server: Server):
    """``with empty_database() as url``: a database of its own with PostGIS and no schema (as the owner)."""
    return lambda: _throwaway_database(server.owner_url, "blueprint_empty")


@pytest.fixture(scope="session")
def migrated_template(server: Server) -> Iterator[str]:
    """The name of a database migrated to the head once per run, which ``isolated_engine`` copies: the
    migrations' schema in well under a second, where running them takes seconds. Nothing connects to it
    after the migrations (a database being copied must have no other session)."""
    with _throwaway_database(server.owner_url, "blueprint_template") as url:
        upgrade_database(url)
        yield make_url(url).database


@pytest.fixture(scope="module")
def isolated_engine(server: Server, database_url: str, migrated_template: str) -> Iterator[Engine]:
    """A migrated database of its own for one test module, on the same server, dropped afterwards.

    For tests that need exactly the layers they build (no samples around them).
    """
    with _throwaway_database(server.owner_url, "blueprint_iso", template=migrated_template) as url:
        engine = get_engine(server.as_server_role(url))
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def demo_secrets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run's sample load keeps the demo accounts' secrets (never the developer's file)."""
    return tmp_path_factory.mktemp("demo") / "demo-accounts.json"


@pytest.fixture(scope="session")
def loaded_samples(engine: Engine, demo_secrets_file: Path) -> list[str]:
    """The Xiamen samples (districts, planning layers, demo accounts, proposals) loaded once per run."""
    from data.samples.load import load_samples

    return list(load_samples(secrets_file=demo_secrets_file))


@pytest.fixture(scope="session")
def demo_secret(loaded_samples: list[str], demo_secrets_file: Path):
    """``demo_secret(username)``: a demo account's secret, read the supported way (the load's secrets file)."""
    from data.samples.load import demo_secrets

    return lambda username: demo_secrets(demo_secrets_file)[username]


@pytest.fixture(scope="session")
def client(engine: Engine):
    """An HTTP client of the app over the throwaway database. It asks for English (``Accept-Language: en``),
    the language the tests compare messages in; tests of the Chinese default send their own header."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(), headers={"Accept-Language": "en"}) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def login(client, demo_secret):
    """``login(username)`` gives the Authorization headers of a demo account; ``login(username, secret)``
    those of an account a test made."""
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str, secret: str | None = None) -> dict[str, str]:
        if username not in tokens:
            response = client.post("/api/v1/auth/token",
                                   json={"username": username, "secret": secret or demo_secret(username)})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return headers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def revised_impact(client, login, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One test red line revised over test proposals, and its stored impact report (tests/impact_support.py),
    made once per run (the analysis screens every live sample site twice). The pages and the browser's
    re-screening, which allows for an earlier one, share it; a test that needs proposals never re-screened
    calls ``revised_red_line`` itself."""
    from impact_support import revised_red_line

    return revised_red_line(client, login, engine, tmp_path_factory.mktemp("impact"), 70051)


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


@pytest.fixture
def features_held(owner_engine: Engine) -> Callable[..., AbstractContextManager[None]]:
    """``with features_held():`` another transaction holds ``layer_features`` (as a long import would, as the owner),
    or with ``features_held("site_revisions")`` another table.

    Statements reading the table wait meanwhile: a real slow statement, for the statement timeouts.
    """

    @contextmanager
    def hold_for_the_block(table: str = "layer_features") -> Iterator[None]:
        locked, release = threading.Event(), threading.Event()

        def hold() -> None:
            with owner_engine.begin() as connection:
                connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
                locked.set()
                release.wait(20)

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert locked.wait(10)
            yield
        finally:
            release.set()
            holder.join()

    return hold_for_the_block
