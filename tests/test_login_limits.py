"""Logins (issue 13): wrong secrets are throttled per account and per address, password hashing is capped,
logout and an admin's revocation end sessions at once."""

from __future__ import annotations

import uuid

import pytest

import projects.accounts
from projects.accounts import Role, create_account
from projects.login_limits import HashingTurns, LoginThrottle, login_settings

API = "/api/v1"
SECRET = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch):
    """Each test starts with no failure counted (the throttle lives in the server process)."""
    monkeypatch.setattr(projects.accounts, "login_throttle", LoginThrottle())
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
