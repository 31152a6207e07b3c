"""Search (查询定位): one text finds where to take the map.

A text is, in this order of trying:

- a position (two numbers: WGS84 degrees or CGCS2000 Gauss-Krüger metres, see :mod:`gis.coordinates`): the
  point, with the district it lies in;
- a district (区) or a town or street (镇街) of the shipped code list (:mod:`layers.divisions`), by name or
  code: a district's bounds come from the district layer; a town or street has no boundary stored, so its
  result gives its district's bounds and says so (``extent: "district"``);
- a feature code (地块编号 and the other codes of :data:`layers.store.FEATURE_CODE_ATTRIBUTES`) of a current
  layer version, by prefix;
- a proposal's name, only among the proposals the caller may see (:func:`projects.access.can_view_proposal`:
  officials see proposals, applicants their own, the public none), with its current site's bounds;
- a project code (项目代码), by prefix: the site's bounds for those who may see the proposal, otherwise only
  what ``GET /api/v1/projects/{code}`` tells anyone (name, district) and the district's bounds.

Bounds are ``[west, south, east, north]`` and points ``[lon, lat]``, WGS84 degrees. Results carry names and
codes as stored and a ``type``; the page words them in its language.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gis.coordinates import read_position
from gis.messages import Message, Text, phrases
from layers.divisions import find_divisions
from layers.store import find_features_by_code
from projects.access import can_view_proposal
from projects.accounts import Account
from projects.districts import District, district_at, districts

MAX_QUERY_LENGTH = 100
MAX_RESULTS = 50
_PROPOSAL_CANDIDATES = 200
"""Name matches read before the caller's visibility is applied, so that visible ones are not crowded out."""


phrases(
    "search",
    empty=Text("搜索内容为空：请输入区、镇或街道、地块编号、项目名称或代码，或坐标（经度、纬度或高斯-克吕格x、y）",
               "the search text is empty: type a district, town or street, a parcel code, a project name or code, "
               "or coordinates (lon, lat or Gauss-Krüger x, y)"),
    too_long=Text("搜索内容有{length}个字符；最多读取{most}个",
                  "the search text has {length} characters; at most {most} are read"),
)


class SearchQueryError(ValueError):
    """The text cannot be searched (empty, or too long); the message says what to type."""


def _district(district: District | None) -> dict[str, str] | None:
    return {"code": district.code, "name": district.name} if district else None


def _position_result(connection: Connection, query: str) -> dict[str, Any] | None:
    position = read_position(query)
    if position is None:
        return None
    where = district_at(connection, position.lon, position.lat)
    return {"type": "coordinates", "name": query, "code": None, "point": [position.lon, position.lat],
            "bbox": None, "extent": "point", "district": _district(where), "position": position.as_dict()}


def _division_results(query: str, known: dict[str, District], limit: int) -> list[dict[str, Any]]:
    results = []
    for division in find_divisions(query, limit):
        district = known.get(division.code if division.level == "district" else division.parent_code or "")
        results.append({
            "type": "district" if division.level == "district" else "township",
            "township_type": division.township_type,
            "name": division.name, "code": division.code, "point": None,
            "bbox": list(district.bbox) if district else None,
            "extent": "own" if division.level == "district" else "district",
            "district": _district(district),
        })
    return results


def _feature_results(connection: Connection, query: str, limit: int) -> list[dict[str, Any]]:
    return [{"type": "feature", "name": match.code, "code": match.code, "attribute": match.attribute,
             "point": None, "bbox": list(match.bbox), "extent": "own", "district": None,
             "layer": {"id": match.layer_id, "name": match.layer_name, "kind": match.kind, "version": match.version,
                       "feature_id": match.feature_id}}
            for match in find_features_by_code(connection, query, limit)]


_PROPOSALS = (
    "SELECT p.id, p.name, p.state, p.owner_id, p.project_code, p.district_code, "
    "ST_XMin(r.geom), ST_YMin(r.geom), ST_XMax(r.geom), ST_YMax(r.geom) "
    "FROM proposals p LEFT JOIN site_revisions r ON r.proposal_id = p.id AND r.is_current "
    "WHERE {match} ORDER BY {order}, p.id LIMIT :limit"
)


def _proposal_results(connection: Connection, actor: Account | None, query: str, known: dict[str, District],
                      limit: int) -> list[dict[str, Any]]:
    by_name = connection.execute(
        text(_PROPOSALS.format(match="strpos(lower(p.name), lower(:q)) > 0",
                                    order="lower(p.name) = lower(:q) DESC, p.name")),
        {"q": query, "limit": _PROPOSAL_CANDIDATES},
    ).all() if actor is not None else []
    by_code = connection.execute(
        text(_PROPOSALS.format(match="starts_with(upper(p.project_code), upper(:q))",
                                    order="upper(p.project_code) = upper(:q) DESC, p.project_code")),
        {"q": query, "limit": limit},
    ).all()
    results = []
    for row in by_name:
        if can_view_proposal(actor, row.owner_id, row.state):
            results.append(_proposal(row, "proposal", known, visible=True))
    for row in by_code:
        results.append(_proposal(row, "project", known, visible=can_view_proposal(actor, row.owner_id, row.state)))
    return results[:limit]


def _proposal(row: Any, kind: str, known: dict[str, District], *, visible: bool) -> dict[str, Any]:
    district = known.get(row.district_code)
    own = visible and row[6] is not None
    result = {"type": kind, "name": row.name, "code": row.project_code, "point": None,
              "bbox": list(row[6:10]) if own else list(district.bbox) if district else None,
              "extent": "own" if own else "district", "district": _district(district)}
    if visible:
        result.update(proposal_id=row.id, state=row.state)
    return result


def search(connection: Connection, actor: Account | None, query: str, limit: int = 10) -> dict[str, Any]:
    """What ``query`` names, at most ``limit`` results (a position is one result alone); see the module.

    Raises :class:`SearchQueryError` for an empty or overlong text, and the :mod:`gis.coordinates` errors for
    two numbers that are no position one can tell.
    """
    query = " ".join(query.split())
    if not query:
        raise SearchQueryError(Message("search.empty"))
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryError(Message("search.too_long", length=len(query), most=MAX_QUERY_LENGTH))
    limit = max(1, min(limit, MAX_RESULTS))
    position = _position_result(connection, query)
    if position is not None:
        return {"query": query, "results": [position]}
    known = districts(connection)
    results = _division_results(query, known, limit)
    results += _feature_results(connection, query, limit - len(results)) if len(results) < limit else []
    results += _proposal_results(connection, actor, query, known, limit - len(results)) if len(results) < limit else []
    return {"query": query, "results": results[:limit]}
