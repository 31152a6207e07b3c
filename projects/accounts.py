"""Accounts, roles and bearer tokens.

Secrets are hashed with Argon2id; a bearer token is 32 random bytes shown once, stored as its SHA-256.
Roles: ``admin``, ``ndrc`` (发改委), ``department`` (one department of :class:`layers.departments.Department`),
``applicant`` (项目单位). The public has no account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, text

from layers.departments import Department
from projects.credit_code import validate_credit_code
from projects.login_limits import LoginThrottledError, hashing_turns, login_throttle

TOKEN_LIFETIME = timedelta(hours=12)
_HASHER = PasswordHasher()


class Role(StrEnum):
    ADMIN = "admin"
    NDRC = "ndrc"
    DEPARTMENT = "department"
    APPLICANT = "applicant"


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    department: Department | None
    organisation: str | None
    credit_code: str | None

    @property
    def label(self) -> str:
        return f"{self.username} ({self.role.value}{'/' + self.department.value if self.department else ''})"


def _row_to_account(row: Row[Any]) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        department=Department(row.department) if row.department else None,
        organisation=row.organisation,
        credit_code=row.credit_code,
    )


def create_account(
    connection: Connection,
    *,
    username: str,
    secret: str,
    role: Role | str,
    department: Department | str | None = None,
    organisation: str | None = None,
    credit_code: str | None = None,
) -> Account:
    """Create an account. A department account names its department; an applicant its credit code."""
    role = Role(role)
    department = Department(department) if department else None
    if (role is Role.DEPARTMENT) != (department is not None):
        raise AccountError("a department account needs --department, and only a department account takes one")
    if role is Role.APPLICANT:
        if not (organisation and credit_code):
            raise AccountError("an applicant account needs its organisation and unified social credit code")
        credit_code = validate_credit_code(credit_code)
    if len(secret) < 8:
        raise AccountError("the secret must have at least 8 characters")
    exists = connection.execute(text("SELECT 1 FROM accounts WHERE username = :u"), {"u": username}).first()
    if exists:
        raise AccountError(f"an account named {username!r} already exists")
    row = connection.execute(
        text(
            "INSERT INTO accounts (username, role, department, organisation, credit_code, secret_hash) "
            "VALUES (:username, :role, :department, :organisation, :credit, :hash) "
            "RETURNING id, username, role, department, organisation, credit_code"
        ),
        {"username": username, "role": role.value, "department": department.value if department else None,
         "organisation": organisation, "credit": credit_code, "hash": _hash(secret)},
    ).one()
    return _row_to_account(row)


def _hash(secret: str) -> str:
    with hashing_turns:
        return _HASHER.hash(secret)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(connection: Connection, username: str, secret: str) -> str | None:
    """A new bearer token for valid credentials, or None. The token itself is never stored."""
    row = connection.execute(
        text("SELECT id, secret_hash FROM accounts WHERE username = :u"), {"u": username}
    ).one_or_none()
    if row is None:
        _hash(secret)  # same work as a real check, so timing does not reveal which usernames exist
        return None
    try:
        with hashing_turns:
            _HASHER.verify(row.secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return None
    token = secrets.token_urlsafe(32)
    connection.execute(
        text("INSERT INTO access_tokens (token_hash, account_id, expires_at) VALUES (:h, :a, :e)"),
        {"h": _token_hash(token), "a": row.id, "e": datetime.now(UTC) + TOKEN_LIFETIME},
    )
    return token


def log_in(connection: Connection, username: str, secret: str, address: str) -> str | None:
    """A bearer token for valid credentials, None for wrong ones; throttled per account and per source address
    (:mod:`projects.login_limits`), raising :class:`LoginThrottledError` while locked."""
    wait = login_throttle.retry_after(username, address)
    if wait is not None:
        raise LoginThrottledError(wait)
    token = issue_token(connection, username, secret)
    if token is None:
        login_throttle.failed(username, address)
    else:
        login_throttle.succeeded(username)
    return token


def account_for_token(connection: Connection, token: str) -> Account | None:
    """The account of a valid, unexpired bearer token, or None."""
    row = connection.execute(
        text(
            "SELECT a.id, a.username, a.role, a.department, a.organisation, a.credit_code "
            "FROM access_tokens t JOIN accounts a ON a.id = t.account_id "
            "WHERE t.token_hash = :h AND t.expires_at > now()"
        ),
        {"h": _token_hash(token)},
    ).one_or_none()
    return _row_to_account(row) if row else None


def revoke_token(connection: Connection, token: str) -> None:
    """Log out: the token stops working at once."""
    connection.execute(text("DELETE FROM access_tokens WHERE token_hash = :h"), {"h": _token_hash(token)})


def revoke_tokens_of(connection: Connection, username: str) -> int:
    """End every session of an account (a lost laptop, a leaver); how many tokens stopped working."""
    if account_by_username(connection, username) is None:
        raise AccountError(f"there is no account named {username!r}")
    return connection.execute(
        text("DELETE FROM access_tokens t USING accounts a WHERE a.id = t.account_id AND a.username = :u"),
        {"u": username},
    ).rowcount


def account_by_username(connection: Connection, username: str) -> Account | None:
    row = connection.execute(
        text("SELECT id, username, role, department, organisation, credit_code FROM accounts WHERE username = :u"),
        {"u": username},
    ).one_or_none()
    return _row_to_account(row) if row else None
