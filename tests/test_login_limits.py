"""Logins (issue 13): wrong secrets are throttled per account and per address, password hashing is capped,
logout and an admin's revocation end sessions at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from sqlalchemy import text

import projects.accounts
from projects.accounts import Role, create_account
from projects.login_limits import HashingTurns, login_settings

API = "/api/v1"
SECRET = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fresh_throttle(engine):
    """Each test starts with no failure counted (the counts live in the database, shared by every test)."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM login_failures"))
    login_settings.cache_clear()
    yield
    login_settings.cache_clear()


@pytest.fixture
def account(engine) -> str:
    username = f"login-{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        create_account(connection, username=username, secret=SECRET, role=Role.NDRC)
    return username


def log_in(client, username: str, secret: str = SECRET):
    return client.post(f"{API}/auth/token", json={"username": username, "secret": secret})


def test_wrong_secrets_lock_the_account_with_a_429_saying_when_to_come_back(client, account):
    for _ in range(login_settings().max_failures_per_account):
        assert log_in(client, account, "wrong-secret").status_code == 401
    locked = log_in(client, account)  # even the right secret, while locked
    assert locked.status_code == 429 and locked.headers["content-type"] == "application/problem+json"
    assert 0 < int(locked.headers["Retry-After"]) <= login_settings().window_s
    assert "try again" in locked.json()["detail"]


def test_a_success_before_the_limit_forgives_the_account(client, account):
    for _ in range(login_settings().max_failures_per_account - 1):
        log_in(client, account, "wrong-secret")
    assert log_in(client, account).status_code == 200
    for _ in range(login_settings().max_failures_per_account - 1):
        log_in(client, account, "wrong-secret")
    assert log_in(client, account).status_code == 200


def test_one_address_guessing_many_accounts_is_locked_out(client, account, monkeypatch):
    monkeypatch.setenv("BLUEPRINT_LOGIN_MAX_FAILURES_PER_ADDRESS", "4")
    login_settings.cache_clear()
    for n in range(4):
        assert log_in(client, f"nobody-{n}", "guess").status_code == 401
    refused = log_in(client, account)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_every_server_instance_counts_the_same_failures(client, account, database_url):
    for _ in range(login_settings().max_failures_per_account):
        assert log_in(client, account, "wrong-secret").status_code == 401
    # A second server process over the same database: the account is locked there too.
    second_instance = textwrap.dedent(f"""
        from fastapi.testclient import TestClient
        from api.app import create_app
        with TestClient(create_app()) as client:
            answer = client.post("{API}/auth/token", json={{"username": "{account}", "secret": "{SECRET}"}})
            print(answer.status_code, answer.headers.get("Retry-After"))
        """)
    run = subprocess.run([sys.executable, "-c", second_instance], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "DATABASE_URL": database_url}, check=True)
    status, retry_after = run.stdout.split()[-2:]
    assert status == "429" and int(retry_after) > 0


def test_failures_leave_the_count_when_they_leave_the_window(client, account, owner_engine):
    for _ in range(login_settings().max_failures_per_account):
        log_in(client, account, "wrong-secret")
    assert log_in(client, account).status_code == 429
    with owner_engine.begin() as connection:  # the window passes
        connection.execute(text("UPDATE login_failures SET failed_at = failed_at - make_interval(secs => :s)"),
                           {"s": login_settings().window_s})
    assert log_in(client, account).status_code == 200
    assert log_in(client, "nobody-at-all", "guess").status_code == 401  # a new failure sweeps the old ones
    with owner_engine.connect() as connection:
        assert connection.execute(text("SELECT key FROM login_failures WHERE scope = 'account'")).scalars().all() \
            == ["nobody-at-all"]


def test_a_login_flood_waits_for_a_turn_at_hashing_and_is_told_to_come_back(client, account, monkeypatch):
    monkeypatch.setenv("BLUEPRINT_LOGIN_CONCURRENT_HASHES", "1")
    monkeypatch.setenv("BLUEPRINT_LOGIN_HASH_WAIT_S", "0.2")
    login_settings.cache_clear()
    turns = HashingTurns()
    monkeypatch.setattr(projects.accounts, "hashing_turns", turns)
    with turns:  # the one turn is taken, as by a login still hashing
        busy = log_in(client, account)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert log_in(client, account).status_code == 200  # a turn is free again


def test_logout_ends_the_session(client, account):
    headers = {"Authorization": f"Bearer {log_in(client, account).json()['access_token']}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    assert client.post(f"{API}/auth/logout").status_code == 401


def test_an_admin_revokes_every_token_of_an_account(client, account, login):
    sessions = [{"Authorization": f"Bearer {log_in(client, account).json()['access_token']}"} for _ in range(2)]
    assert client.post(f"{API}/accounts/{account}/revoke-tokens", headers=login("ndrc")).status_code == 403
    revoked = client.post(f"{API}/accounts/{account}/revoke-tokens", headers=login("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked"] == 2
    for headers in sessions:
        assert client.get(f"{API}/me", headers=headers).status_code == 401
    assert client.post(f"{API}/accounts/nobody-at-all/revoke-tokens", headers=login("admin")).status_code == 422
