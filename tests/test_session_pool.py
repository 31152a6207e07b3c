"""Pooled sessions: one the server dropped while it lay idle is replaced before use, never handed out broken;
one engine (one pool) for the primary."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from gis import db
from gis.db import configure_sessions


@pytest.fixture
def pool(database_url):
    engine = configure_sessions(create_engine(database_url, pool_size=1, max_overflow=0))
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_session_dropped_while_idle_is_replaced_before_use(pool, owner_engine, monkeypatch):
    first = _backend(pool)
    with owner_engine.connect() as owner:  # what a server restart or an idle timeout does to a session
        assert owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    monkeypatch.setattr(db, "IDLE_PING_S", 0.0)  # it has lain idle longer than that
    second = _backend(pool)  # the pool's only session: a broken one would raise here
    assert second != first



def test_the_primary_has_one_pool_whichever_way_it_is_asked_for(database_url):
    """The request's reads (the read router's primary) and the server's own work share one engine: its pool
    and the layers kept in memory for it exist once."""
    assert db.get_engine() is db.primary_engine()
    assert db.get_engine(background=True) is not db.get_engine()


def test_background_sessions_sort_a_big_sites_rows_in_memory(database_url):
    """A heavy screening's session (the heavy lane's) sorts its overlay's rows in memory; the server's others keep
    the database's own setting."""
    background, platform = (configure_sessions(create_engine(database_url, pool_size=1, max_overflow=0),
                                               background=flag) for flag in (True, False))
    try:
        for engine, expected in ((background, True), (platform, False)):
            with engine.connect() as connection:
                assert (connection.execute(text("SHOW work_mem")).scalar_one() == "64MB") is expected
    finally:
        background.dispose()
        platform.dispose()
