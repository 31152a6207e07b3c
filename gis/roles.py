"""The platform's two database roles: the owner, which migrates, and the server's role, which owns nothing.

The owner role owns every table, function and trigger (the migrations run as it). The server connects as a
login role that is a member of the group ``SERVER_GROUP`` and holds only that group's grants (migration
0005): it can read everything and insert, but what is append-only (audit trail, opinions, markings, site
revisions, stored screenings, project codes) it can never update or delete, and it can run no DDL, so it
cannot disable, drop or bypass the triggers that say so. The DDL a layer import needs (a new partition of
``layer_features``, its index, its attachment) runs in two ``SECURITY DEFINER`` functions owned by the owner
that take nothing but a version id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

SERVER_GROUP = "blueprint_server"
"""The NOLOGIN group that holds the server's grants; any login role the server uses is made a member."""

LOCAL_SERVER_ROLE = "blueprint_app"
"""The login role of the server in the embedded cluster (socket only, like the owner ``blueprint``)."""


class PrivilegedRoleError(RuntimeError):
    """The server was given a role that could rewrite history; the message says what to do instead."""


def privileged_reason(dbapi_connection: Any) -> str | None:
    """Why the session's role is too strong for the server (superuser, or owner of the audit trail), or None.

    Takes the driver's connection (psycopg), so the engine can ask on every new session.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolname, r.rolsuper, coalesce(pg_has_role(current_user, c.relowner, 'USAGE'), false) "
            "FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass('audit_log') "
            "WHERE r.rolname = current_user"
        )
        name, superuser, owns = cursor.fetchone()
    dbapi_connection.commit()
    if superuser:
        return f"role {name!r} is a superuser"
    if owns:
        return f"role {name!r} owns the schema (or is a member of its owner)"
    return None


def refuse_privileged(dbapi_connection: Any, *, allowed: bool) -> None:
    """Raise PrivilegedRoleError when the session's role could bypass the database's own protections."""
    reason = privileged_reason(dbapi_connection)
    if reason and not allowed:
        raise PrivilegedRoleError(
            f"The server refuses to run as a privileged database role: {reason}, so it could disable the "
            f"triggers that keep the audit trail append-only. Give DATABASE_URL a login role that is a member "
            f"of {SERVER_GROUP} and BLUEPRINT_MIGRATION_URL the owner (see the README), or set "
            f"BLUEPRINT_ALLOW_PRIVILEGED_ROLE=1 to run so anyway."
        )


def grant_server_group(owner: Connection, login_role: str) -> None:
    """Make ``login_role`` a member of the server group (idempotent); run as the owner after migrating."""
    member = owner.execute(
        text("SELECT pg_has_role(:login, :group, 'MEMBER')"), {"login": login_role, "group": SERVER_GROUP}
    ).scalar_one()
    if not member:
        owner.execute(text(f'GRANT {SERVER_GROUP} TO "{login_role.replace(chr(34), chr(34) * 2)}"'))
