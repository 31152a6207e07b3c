"""Login throttling (登录限流): wrong secrets are counted per account and per source address.

An account that has had ``BLUEPRINT_LOGIN_MAX_FAILURES_PER_ACCOUNT`` wrong secrets within the window, or an
address with ``BLUEPRINT_LOGIN_MAX_FAILURES_PER_ADDRESS``, is refused until the oldest of those failures
leaves the window; the refusal says when to try again. A successful login clears its account's count (not
its address's: one good password must not reset a guesser spraying many accounts from the same address).

The counts live in the database (``login_failures``), on the database's clock, so every server instance
behind a load balancer counts the same failures; rows leave as they fall out of the window.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, text

from gis.messages import Message, Text, phrases


class LoginSettings(BaseSettings):
    """Environment variables ``BLUEPRINT_LOGIN_*``."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_LOGIN_", extra="ignore")

    max_failures_per_account: int = 5
    max_failures_per_address: int = 30
    window_s: float = 900.0
    """Failures older than this (seconds) no longer count."""
    concurrent_hashes: int = 4
    """Password hashes (Argon2id, 64 MiB each) computed at once; more logins wait for a turn."""
    hash_wait_s: float = 10.0
    """How long a login waits for a turn at hashing before it is told to come back (503)."""


@lru_cache
def login_settings() -> LoginSettings:
    return LoginSettings()


# Seconds until the limit-th most recent failure of one scope and key leaves the window (no row: not locked).
_WAIT_OF = """(SELECT EXTRACT(EPOCH FROM failed_at + make_interval(secs => :window) - clock_timestamp())
    FROM login_failures
    WHERE scope = '{scope}' AND key = :{scope} AND failed_at > clock_timestamp() - make_interval(secs => :window)
    ORDER BY failed_at DESC OFFSET :{scope}_limit - 1 LIMIT 1)"""
_RETRY_AFTER = text(f"SELECT GREATEST({_WAIT_OF.format(scope='account')}, {_WAIT_OF.format(scope='address')})")
_FAILED = text("""
    WITH forgotten AS (
        DELETE FROM login_failures WHERE failed_at <= clock_timestamp() - make_interval(secs => :window))
    INSERT INTO login_failures (scope, key) VALUES ('account', :account), ('address', :address)""")


class LoginThrottle:
    """Counts wrong secrets per account and per address (in ``login_failures``) and says how long a locked
    one must wait."""

    def retry_after(self, connection: Connection, username: str, address: str) -> int | None:
        """Seconds until this account and address may try again, or None when they may now.

        Takes a transaction lock on the account, so concurrent guesses at one account are counted one after
        the other and cannot slip past the limit together."""
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('login:' || :u, 0))"),
                           {"u": username})
        settings = login_settings()
        wait = connection.execute(_RETRY_AFTER, {
            "window": settings.window_s, "account": username, "address": address,
            "account_limit": settings.max_failures_per_account,
            "address_limit": settings.max_failures_per_address}).scalar()
        return max(1, math.ceil(wait)) if wait is not None else None

    def failed(self, connection: Connection, username: str, address: str) -> None:
        connection.execute(_FAILED, {"window": login_settings().window_s, "account": username,
                                     "address": address})

    def succeeded(self, connection: Connection, username: str) -> None:
        connection.execute(text("DELETE FROM login_failures WHERE scope = 'account' AND key = :u"),
                           {"u": username})


login_throttle = LoginThrottle()


phrases(
    "login",
    hashing_busy=Text("同时登录的人数过多，请几秒后重试", "too many logins at once; try again in a few seconds"),
    throttled=Text("该账号或该地址登录失败次数过多，请{seconds}秒后重试",
                   "too many failed logins for this account or from this address; try again in {seconds} s"),
)


class HashingBusyError(RuntimeError):
    """Every turn at password hashing stayed taken for the whole wait: too many logins at once."""


class HashingTurns:
    """At most ``concurrent_hashes`` Argon2 computations at once, so a login flood cannot exhaust memory."""

    def __init__(self) -> None:
        self._turns = threading.BoundedSemaphore(login_settings().concurrent_hashes)

    def __enter__(self) -> None:
        if not self._turns.acquire(timeout=login_settings().hash_wait_s):
            raise HashingBusyError(Message("login.hashing_busy"))

    def __exit__(self, *_: object) -> None:
        self._turns.release()


hashing_turns = HashingTurns()


class LoginThrottledError(RuntimeError):
    """Too many wrong secrets for this account or from this address; ``retry_after`` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(Message("login.throttled", seconds=retry_after))
        self.retry_after = retry_after

