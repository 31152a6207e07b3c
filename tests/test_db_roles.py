"""Least privilege in the database: the server's role owns nothing, is no superuser, and cannot rewrite
history by any of the ways an attacker with the server's session would try; the server refuses to run as a
privileged role unless told to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from gis.db import get_engine
from gis.roles import LOCAL_SERVER_ROLE, SERVER_GROUP, PrivilegedRoleError
from gis.settings import database_settings

# Each is what the issue did from the application's own session; each must now fail.
BYPASSES = [
    "SET session_replication_role = replica",
    "DELETE FROM {table}",
    "UPDATE {table} SET created_at = now()",
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER USER",
    "DROP TRIGGER {table}_append_only ON {table}",
    "DROP TABLE {table} CASCADE",
]
HISTORY = ["audit_log", "opinions", "markings", "site_revisions", "screenings"]


def test_the_server_role_is_no_superuser_and_owns_nothing(engine: Engine, server) -> None:
    with engine.connect() as connection:
        role = connection.execute(text(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, pg_has_role(current_user, :group, 'MEMBER') "
            "AS in_group FROM pg_roles WHERE rolname = current_user"), {"group": SERVER_GROUP}).one()
        owned = connection.execute(text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'USAGE')")).scalar_one()
    assert (role.rolsuper, role.rolcreaterole, role.rolcreatedb, role.in_group) == (False, False, False, True)
    if server.password is None:  # the embedded cluster's own server role, made by LocalPostgis.start()
        assert role.rolname == LOCAL_SERVER_ROLE
    assert owned == 0, f"{role.rolname} owns {owned} relations"


@pytest.fixture(scope="module")
def history(engine: Engine, loaded_samples: list[str]) -> None:
    """At least one row in every history table (the samples leave markings empty)."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO markings (proposal_id, revision_id, department, author_id, note, geom) "
            "SELECT r.proposal_id, r.id, 'water', a.id, '角色测试', ST_Centroid(r.geom) "
            "FROM site_revisions r, accounts a WHERE a.username = 'dept-water' LIMIT 1"))


@pytest.mark.parametrize("table", HISTORY)
@pytest.mark.parametrize("statement", BYPASSES)
def test_history_cannot_be_rewritten_from_the_server_session(
    engine: Engine, history: None, table: str, statement: str
) -> None:
    if table == "audit_log":
        statement = statement.replace("created_at", "at")
    with engine.connect() as connection:
        before = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    assert before > 0
    with pytest.raises(DBAPIError, match="permission denied|must be owner|append-only"), engine.begin() as session:
        session.execute(text(statement.format(table=table)))
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == before


def test_project_codes_cannot_be_changed_or_removed_from_the_server_session(engine: Engine, loaded_samples) -> None:
    with engine.connect() as connection:
        coded = connection.execute(text("SELECT id, project_code FROM proposals WHERE project_code IS NOT NULL "
                                        "LIMIT 1")).one()
    for statement in ("UPDATE proposals SET project_code = NULL WHERE id = :id", "DELETE FROM proposals WHERE id = :id",
                      "ALTER TABLE proposals DISABLE TRIGGER proposals_code_is_permanent",
                      "DROP TRIGGER proposals_code_is_permanent ON proposals"):
        with pytest.raises(DBAPIError, match="permission denied|must be owner|never changes"), \
                engine.begin() as session:
            session.execute(text(statement), {"id": coded.id})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT project_code FROM proposals WHERE id = :id"),
                                  {"id": coded.id}).scalar_one() == coded.project_code


def test_a_site_revision_only_ever_loses_its_current_flag(engine: Engine, owner_engine: Engine, loaded_samples) -> None:
    with engine.connect() as connection:
        revision = connection.execute(text("SELECT id FROM site_revisions WHERE is_current LIMIT 1")).scalar_one()
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as session:
        session.execute(text("UPDATE site_revisions SET geom = ST_Multi(ST_Buffer(geom, 0.01)) WHERE id = :id"),
                        {"id": revision})
    with pytest.raises(DBAPIError, match="append-only"), owner_engine.begin() as session:
        session.execute(text("UPDATE site_revisions SET area_m2 = 1 WHERE id = :id"), {"id": revision})
    with engine.connect() as session:  # what a new revision does, twice: the second clears nothing new
        proposal = session.execute(text("SELECT proposal_id FROM site_revisions WHERE id = :id"),
                                   {"id": revision}).scalar_one()
        for _ in range(2):
            session.execute(text("UPDATE site_revisions SET is_current = false WHERE proposal_id = :p"),
                            {"p": proposal})
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE site_revisions SET is_current = true WHERE id = :id"), {"id": revision})
        session.rollback()


def test_an_imported_layer_version_is_read_only_for_the_server(engine: Engine, loaded_samples) -> None:
    with engine.connect() as connection:
        version_id = connection.execute(text("SELECT min(id) FROM layer_versions")).scalar_one()
    for statement in (f"DELETE FROM layer_features_v{version_id}", "DELETE FROM layer_features",
                      f"UPDATE layer_features_v{version_id} SET area_m2 = 0",
                      f"INSERT INTO layer_features_v{version_id} SELECT * FROM layer_features_v{version_id} LIMIT 1",
                      "CREATE TABLE planted (id int)"):
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as session:
            session.execute(text(statement))
    # The owner's import functions take a version id and do only their one job.
    for call in (f"SELECT layer_partition_create({version_id})", f"SELECT layer_partition_attach({version_id})",
                 "SELECT layer_partition_create(-1)"):
        with pytest.raises(DBAPIError, match="already has|no partition waiting|does not exist"), \
                engine.begin() as session:
            session.execute(text(call))


def test_the_engine_refuses_a_privileged_role_unless_told_to(owner_url: str, monkeypatch) -> None:
    with pytest.raises(PrivilegedRoleError, match="superuser|owns the schema"), get_engine(owner_url).connect():
        pass
    get_engine.cache_clear()
    monkeypatch.setenv("BLUEPRINT_ALLOW_PRIVILEGED_ROLE", "1")
    database_settings.cache_clear()
    try:
        with get_engine(owner_url).connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        get_engine(owner_url).dispose()
        get_engine.cache_clear()
        monkeypatch.delenv("BLUEPRINT_ALLOW_PRIVILEGED_ROLE")
        database_settings.cache_clear()


def test_the_server_does_not_start_as_the_owner(engine: Engine, owner_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--port", "1"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "DATABASE_URL": owner_url}, cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 2
    assert "refuses to run as a privileged database role" in result.stderr
    assert "BLUEPRINT_ALLOW_PRIVILEGED_ROLE" in result.stderr
