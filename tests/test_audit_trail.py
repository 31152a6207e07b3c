"""The audit trail is a hash chain: ``blueprint audit verify`` walks it and names the first entry that was
changed, removed or slipped in behind the platform's back; concurrent writers still make one chain; and
logins, failed logins, interest registrations and account changes are in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from gis import audit
from gis.audit import verify_chain
from gis.migrate import upgrade_database
from projects.accounts import Role, create_account, grant_role


def _verify_command(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", "audit", "verify"], capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": database_url}, cwd=Path(__file__).parent.parent,
                          timeout=120)


def _entry(engine: Engine, action: str, **after: str) -> list[dict]:
    condition = "".join(f" AND after->>'{key}' = :{key}" for key in after)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT actor, actor_id, after FROM audit_log WHERE action = :a{condition}"),
                                  {"a": action, **after}).all()
    return [row._asdict() for row in rows]


def test_an_entry_altered_by_the_owner_is_named_by_verify(engine, owner_engine, database_url, loaded_samples):
    intact = _verify_command(database_url)
    assert intact.returncode == 0, intact.stderr
    assert "audit trail intact" in intact.stdout
    with engine.connect() as connection:
        victim = connection.execute(text("SELECT id, after FROM audit_log WHERE action = 'approve' "
                                         "ORDER BY id LIMIT 1")).one()
    forged = {**victim.after, "project_code": "forged"}
    try:
        with owner_engine.begin() as connection:  # the owner may switch the trigger off; the chain still tells
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            connection.execute(text("UPDATE audit_log SET after = CAST(:a AS jsonb) WHERE id = :id"),
                               {"a": json.dumps(forged), "id": victim.id})
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        broken = _verify_command(database_url)
        assert broken.returncode == 1
        assert f"broken at entry {victim.id}: its content was changed" in broken.stderr
    finally:
        with owner_engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            connection.execute(text("UPDATE audit_log SET after = CAST(:a AS jsonb) WHERE id = :id"),
                               {"a": json.dumps(victim.after), "id": victim.id})
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    assert _verify_command(database_url).returncode == 0


def test_removed_entries_are_found_in_the_middle_and_at_the_end(owner_engine, loaded_samples):
    with owner_engine.connect() as connection:  # each case rolled back: nothing of it stays
        ids = connection.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars().all()
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[3]})
        report = verify_chain(connection)
        assert (report.broken_id, report.entries) == (ids[4], 3)
        assert "missing" in report.reason
        connection.rollback()
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[-1]})
        report = verify_chain(connection)
        assert not report.intact and "at the end" in report.reason
        connection.rollback()
        assert verify_chain(connection).intact


def test_concurrent_writers_make_one_chain(engine, loaded_samples):
    with engine.connect() as connection:
        before = verify_chain(connection)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(10):
                with engine.begin() as connection:
                    audit.append(connection, actor=f"worker {worker}", action="concurrency_test", after={"n": n})
        except BaseException as error:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as connection:
        after = verify_chain(connection)
    assert after.intact and after.entries == before.entries + 80


def test_logins_and_failed_logins_are_recorded(client, engine, demo_secret):
    assert client.post("/api/v1/auth/token", json={"username": "ndrc", "secret": "wrong secret"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "nobody-here", "secret": "x" * 8}).status_code == 401
    right = client.post("/api/v1/auth/token", json={"username": "ndrc", "secret": demo_secret("ndrc")})
    assert right.status_code == 200
    assert _entry(engine, "login_failed", username="ndrc")
    assert _entry(engine, "login_failed", username="nobody-here")
    assert any(entry["actor"] == "ndrc (ndrc)" and entry["actor_id"] for entry in _entry(engine, "login"))


def test_an_interest_registration_is_recorded_without_the_contact(client, engine, loaded_samples):
    parcels = client.get("/api/v1/parcels", params={"page_size": 200}).json()["parcels"]
    parcel = next(p for p in parcels if p.get("availability") != "transferred")
    body = {"organisation": "审计测试投资公司", "contact_name": "王五", "phone": "13800000000",
            "intended_use": "研发中心"}
    response = client.post(f"/api/v1/parcels/{parcel['parcel_code']}/interest", json=body)
    assert response.status_code == 201, response.text
    [entry] = _entry(engine, "parcel_interest", organisation="审计测试投资公司")
    assert entry["after"]["parcel_code"] == parcel["parcel_code"] and entry["actor"] == "public"
    assert "13800000000" not in str(entry["after"])


def test_account_changes_are_recorded(engine):
    with engine.begin() as connection:
        create_account(connection, username="audit-tests-admin", secret="audit-test-secret", role=Role.ADMIN,
                       by="tests")
        grant_role(connection, "audit-tests-admin", Role.NDRC, by="tests")
    [created] = _entry(engine, "account_create", username="audit-tests-admin")
    assert created["actor"] == "tests" and created["after"]["role"] == "admin"
    assert "secret" not in str(created["after"]).replace("extra_roles", "")
    [granted] = _entry(engine, "account_grant", username="audit-tests-admin")
    assert granted["after"]["extra_roles"] == ["ndrc"]


def test_entries_written_before_the_chain_existed_are_chained_by_the_migration(empty_database):
    with empty_database() as url:
        upgrade_database(url, "0004")
        owner = create_engine(url, poolclass=NullPool)
        try:
            with owner.begin() as connection:
                for n in range(3):
                    connection.execute(text("INSERT INTO audit_log (actor, action, after) VALUES "
                                            "('before 0005', 'old', CAST(:a AS jsonb))"), {"a": json.dumps({"n": n})})
            upgrade_database(url)
            with owner.connect() as connection:
                report = verify_chain(connection)
                assert report.intact and report.entries == 3
                connection.execute(text("INSERT INTO audit_log (actor, action) VALUES ('after 0005', 'new')"))
                assert verify_chain(connection).entries == 4
        finally:
            owner.dispose()


def test_a_screening_stored_on_its_own_is_recorded(client, engine, loaded_samples):
    site = {"type": "Polygon", "coordinates": [[[118.10, 24.50], [118.101, 24.50], [118.101, 24.501],
                                                [118.10, 24.501], [118.10, 24.50]]]}
    response = client.post("/api/v1/screenings", json={"site": site, "store": True, "project_type": "02",
                                                       "land_use": "1001", "industry": "C39"})
    assert response.status_code == 200, response.text
    [entry] = _entry(engine, "screening_stored", screening_id=response.json()["screening_id"])
    assert entry["actor"] == "public" and entry["after"]["layer_versions"]
