"""The districts (区) a project lies in, by GB/T 2260 code, named from the district layer."""

from __future__ import annotations

from sqlalchemy import Connection, text


def district_names(connection: Connection) -> dict[str, str]:
    """GB/T 2260 code → district name, from the newest version of the district layer."""
    rows = connection.execute(
        text("SELECT DISTINCT ON (f.properties->>'adcode') f.properties->>'adcode' AS code, "
             "f.properties->>'name' AS name FROM layer_features f JOIN layer_versions v ON v.id = f.version_id "
             "JOIN layers l ON l.id = v.layer_id WHERE l.kind = 'district' AND f.properties ->> 'adcode' IS NOT NULL "
             "ORDER BY f.properties->>'adcode', v.version DESC"),
    ).all()
    return {r.code: r.name for r in rows}
