"""Login throttling (登录限流): wrong secrets are counted per account and per source address.

An account that has had ``BLUEPRINT_LOGIN_MAX_FAILURES_PER_ACCOUNT`` wrong secrets within the window, or an
address with ``BLUEPRINT_LOGIN_MAX_FAILURES_PER_ADDRESS``, is refused until the oldest of those failures
leaves the window; the refusal says when to try again. A successful login clears its account's count (not
its address's: one good password must not reset a guesser spraying many accounts from the same address).

The counts live in the memory of the server process (one ``blueprint serve``): a restart forgives them, and
several server processes would each count on their own. Both maps are bounded, so a flood of made-up
usernames cannot grow them without limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.messages import Message, Text, phrases

MAX_TRACKED = 100_000
"""Accounts (and addresses) whose failures are remembered; beyond it, the longest quiet are forgotten."""


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


class _Failures:
    """Failure times per key within the window, the least recently failed forgotten first past MAX_TRACKED."""

    def __init__(self) -> None:
        self.times: OrderedDict[str, deque[float]] = OrderedDict()

    def recent(self, key: str, now: float, window_s: float) -> deque[float]:
        times = self.times.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - window_s:
            times.popleft()
        if not times:
            del self.times[key]
        return times

    def add(self, key: str, now: float) -> None:
        self.times.setdefault(key, deque()).append(now)
        self.times.move_to_end(key)
        while len(self.times) > MAX_TRACKED:
            self.times.popitem(last=False)


class LoginThrottle:
    """Counts wrong secrets per account and per address and says how long a locked one must wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts = _Failures()
        self._addresses = _Failures()

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until this account and address may try again, or None when they may now."""
        settings = login_settings()
        now = time.monotonic()
        waits = []
        with self._lock:
            for failures, key, limit in ((self._accounts, username, settings.max_failures_per_account),
                                         (self._addresses, address, settings.max_failures_per_address)):
                times = failures.recent(key, now, settings.window_s)
                if len(times) >= limit:
                    waits.append(times[len(times) - limit] + settings.window_s - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._accounts.add(username, now)
            self._addresses.add(address, now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._accounts.times.pop(username, None)


login_throttle = LoginThrottle()
"""The server process's throttle."""


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

