"""Accounts, roles and bearer tokens.

Secrets are hashed with Argon2id; a bearer token is 32 random bytes shown once, stored as its SHA-256.
Roles: ``admin``, ``ndrc`` (发改委), ``department`` (one department of the ``departments`` table, by slug),
``applicant`` (项目单位), ``window`` (受理窗口, an acceptance desk), ``provider`` (中介服务机构: speaks for the
registered provider of its credit code). The public has no account. An account has one role and may hold extra
ones (``extra_roles``: admin or NDRC), e.g. an admin who also decides for the NDRC. Creating an account,
granting a role, logging in and failing to log in are all recorded in the audit trail.
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

from gis import audit
from gis.messages import Message, Text, phrases
from projects.credit_code import validate_credit_code
from projects.login_limits import LoginThrottledError, hashing_turns, login_throttle

TOKEN_LIFETIME = timedelta(hours=12)
SESSION_COOKIE = "blueprint_session"
"""The cookie that holds a token for the pages (HttpOnly: see api.auth), read by the API and the pages."""
_HASHER = PasswordHasher()


class Role(StrEnum):
    ADMIN = "admin"
    NDRC = "ndrc"
    DEPARTMENT = "department"
    APPLICANT = "applicant"
    WINDOW = "window"
    """受理窗口: staff of an acceptance desk, who accept applications for any department (代收代办) and forward
    them; which desk is kept by :mod:`projects.supervision.windows`."""
    PROVIDER = "provider"
    """中介服务机构: a registered service provider of the intermediary hall, speaking for its credit code."""


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


phrases(
    "account",
    department=Text("部门账号须指定部门（--department），且只有部门账号可指定部门",
                    "a department account needs --department, and only a department account takes one"),
    applicant=Text("项目单位账号须填写单位名称与统一社会信用代码",
                   "an applicant account needs its organisation and unified social credit code"),
    unknown_department=Text("没有“{department}”这个部门（部门列表见 GET /api/v1/departments）",
                            "there is no department {department!r} (see GET /api/v1/departments)"),
    provider=Text("中介服务机构账号须填写机构名称与统一社会信用代码",
                  "a service provider account needs its organisation and unified social credit code"),
    extra_roles=Text("账号在本身角色之外只能兼任管理员或发改委角色",
                     "an account can hold only the admin or NDRC role besides its own"),
    secret=Text("密码至少8个字符", "the secret must have at least 8 characters"),
    display_name=Text("显示名称最多100个字符", "the display name may have at most 100 characters"),
    exists=Text("账号“{username}”已存在", "an account named {username!r} already exists"),
    unknown=Text("没有名为“{username}”的账号", "there is no account named {username!r}"),
)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    department: str | None
    """The slug of the department a department account belongs to (``departments.slug``)."""
    organisation: str | None
    credit_code: str | None
    extra_roles: frozenset[Role] = frozenset()
    display_name: str | None = None
    """The person's name (姓名), if the account was given one."""

    def holds(self, role: Role) -> bool:
        """Whether the account has ``role``, as its own or as an extra role."""
        return role is self.role or role in self.extra_roles

    def to_dict(self) -> dict[str, Any]:
        """What the account may know of itself (GET /api/v1/me), never its secret or token."""
        return {"username": self.username, "role": self.role.value,
                "extra_roles": sorted(role.value for role in self.extra_roles), "department": self.department,
                "organisation": self.organisation, "credit_code": self.credit_code,
                "display_name": self.display_name}

    @property
    def label(self) -> str:
        return f"{self.username} ({self.role.value}{'/' + self.department if self.department else ''})"


def _row_to_account(row: Row[Any]) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        department=row.department,
        organisation=row.organisation,
        credit_code=row.credit_code,
        extra_roles=frozenset(Role(extra) for extra in row.extra_roles),
        display_name=row.display_name,
    )


_COLUMNS = "id, username, role, department, organisation, credit_code, extra_roles, display_name"
EXTRA_ROLES = (Role.ADMIN, Role.NDRC)
"""The roles an account can hold besides its own (a department or an applicant stays what it is)."""


def create_account(
    connection: Connection,
    *,
    username: str,
    secret: str,
    role: Role | str,
    department: str | None = None,
    organisation: str | None = None,
    credit_code: str | None = None,
    extra_roles: tuple[Role | str, ...] = (),
    display_name: str | None = None,
    by: str = "command line",
) -> Account:
    """Create an account. A department account names its department; an applicant its credit code.

    ``by`` names who creates it, in the audit trail.
    """
    role = Role(role)
    department = department or None
    if (role is Role.DEPARTMENT) != (department is not None):
        raise AccountError(Message("account.department"))
    if department is not None and connection.execute(
            text("SELECT 1 FROM departments WHERE slug = :d"), {"d": department}).first() is None:
        raise AccountError(Message("account.unknown_department", department=department))
    if role in (Role.APPLICANT, Role.PROVIDER):
        if not (organisation and credit_code):
            raise AccountError(Message(f"account.{role.value}"))
        credit_code = validate_credit_code(credit_code)
    extras = sorted({Role(extra) for extra in extra_roles} - {role})
    if any(extra not in EXTRA_ROLES for extra in extras):
        raise AccountError(Message("account.extra_roles"))
    if len(secret) < 8:
        raise AccountError(Message("account.secret"))
    display_name = display_name.strip() if display_name else None
    if display_name is not None and len(display_name) > 100:
        raise AccountError(Message("account.display_name"))
    exists = connection.execute(text("SELECT 1 FROM accounts WHERE username = :u"), {"u": username}).first()
    if exists:
        raise AccountError(Message("account.exists", username=username))
    row = connection.execute(
        text(
            "INSERT INTO accounts (username, role, department, organisation, credit_code, secret_hash, "
            "extra_roles, display_name) "
            "VALUES (:username, :role, :department, :organisation, :credit, :hash, :extras, :display_name) "
            f"RETURNING {_COLUMNS}"
        ),
        {"username": username, "role": role.value, "department": department,
         "organisation": organisation, "credit": credit_code, "hash": _hash(secret),
         "extras": [extra.value for extra in extras], "display_name": display_name},
    ).one()
    account = _row_to_account(row)
    audit.append(connection, actor=by, action="account_create", after=_described(account))
    return account


def grant_role(connection: Connection, username: str, role: Role | str, *, by: str = "command line") -> Account:
    """Give an account an extra role (admin or NDRC); recorded in the audit trail."""
    role = Role(role)
    if role not in EXTRA_ROLES:
        raise AccountError(Message("account.extra_roles"))
    before = account_by_username(connection, username)
    if before is None:
        raise AccountError(Message("account.unknown", username=username))
    if before.holds(role):
        return before
    row = connection.execute(
        text(f"UPDATE accounts SET extra_roles = array_append(extra_roles, :r) WHERE id = :id RETURNING {_COLUMNS}"),
        {"r": role.value, "id": before.id},
    ).one()
    after = _row_to_account(row)
    audit.append(connection, actor=by, action="account_grant", before=_described(before), after=_described(after))
    return after


def secret_matches(connection: Connection, username: str, secret: str) -> bool:
    """Whether ``secret`` is the account's secret (no token, no audit entry: for maintenance only)."""
    stored = connection.execute(text("SELECT secret_hash FROM accounts WHERE username = :u"),
                                {"u": username}).scalar_one_or_none()
    try:
        if stored is None:
            return False
        with hashing_turns:
            return _HASHER.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def reset_secret(connection: Connection, username: str, secret: str, *, by: str = "command line") -> None:
    """Give the account a new secret; its tokens stay valid until they expire. Recorded in the audit trail."""
    if len(secret) < 8:
        raise AccountError(Message("account.secret"))
    account = account_by_username(connection, username)
    if account is None:
        raise AccountError(Message("account.unknown", username=username))
    connection.execute(text("UPDATE accounts SET secret_hash = :h WHERE id = :id"),
                       {"h": _hash(secret), "id": account.id})
    audit.append(connection, actor=by, action="account_secret_reset", after=_described(account))


def _described(account: Account) -> dict[str, Any]:
    """What the audit trail keeps of an account (never its secret)."""
    return {"account_id": account.id, "username": account.username, "role": account.role.value,
            "department": account.department,
            "organisation": account.organisation, "display_name": account.display_name,
            "extra_roles": sorted(r.value for r in account.extra_roles)}


def _hash(secret: str) -> str:
    with hashing_turns:
        return _HASHER.hash(secret)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(connection: Connection, username: str, secret: str) -> str | None:
    """A new bearer token for valid credentials, or None. The token itself is never stored.

    Both outcomes are audited; the caller commits the failed attempt's entry too.
    """
    row = connection.execute(
        text(f"SELECT {_COLUMNS}, secret_hash FROM accounts WHERE username = :u"), {"u": username}
    ).one_or_none()
    if row is None:
        _hash(secret)  # same work as a real check, so timing does not reveal which usernames exist
        audit.append(connection, actor="anonymous", action="login_failed", after={"username": username})
        return None
    try:
        with hashing_turns:
            _HASHER.verify(row.secret_hash, secret)
    except (VerificationError, InvalidHashError):
        audit.append(connection, actor="anonymous", action="login_failed", after={"username": username})
        return None
    audit.append(connection, actor=_row_to_account(row).label, actor_id=row.id, action="login")
    token = secrets.token_urlsafe(32)
    connection.execute(
        text("INSERT INTO access_tokens (token_hash, account_id, expires_at) VALUES (:h, :a, :e)"),
        {"h": _token_hash(token), "a": row.id, "e": datetime.now(UTC) + TOKEN_LIFETIME},
    )
    return token


def log_in(connection: Connection, username: str, secret: str, address: str) -> str | None:
    """A bearer token for valid credentials, None for wrong ones; throttled per account and per source address
    (:mod:`projects.login_limits`), raising :class:`LoginThrottledError` while locked."""
    wait = login_throttle.retry_after(connection, username, address)
    if wait is not None:
        raise LoginThrottledError(wait)
    token = issue_token(connection, username, secret)
    if token is None:
        login_throttle.failed(connection, username, address)
    else:
        login_throttle.succeeded(connection, username)
    return token


def account_for_token(connection: Connection, token: str) -> Account | None:
    """The account of a valid, unexpired bearer token, or None."""
    row = connection.execute(
        text(
            "SELECT a.id, a.username, a.role, a.department, a.organisation, a.credit_code, a.extra_roles, "
            "a.display_name "
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
        raise AccountError(Message("account.unknown", username=username))
    return connection.execute(
        text("DELETE FROM access_tokens t USING accounts a WHERE a.id = t.account_id AND a.username = :u"),
        {"u": username},
    ).rowcount


def account_by_username(connection: Connection, username: str) -> Account | None:
    row = connection.execute(
        text(f"SELECT {_COLUMNS} FROM accounts WHERE username = :u"),
        {"u": username},
    ).one_or_none()
    return _row_to_account(row) if row else None
