"""Rule set versions compared (规则集版本比对): which rules a new version added, removed or changed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from api.boundary import BoundaryRoute
from api.problems import ProblemError
from gis.db import get_engine
from gis.messages import message_of
from layers.rule_diff import diff_rule_sets
from layers.rule_set import RuleSetNotFoundError, rule_set_version

router = APIRouter(prefix="/api/v1", tags=["layers"], route_class=BoundaryRoute)

Version = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


@router.get("/rule-sets/{version}/diff")
def get_rule_set_diff(
    version: Version,
    against: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="the version compared with "
                                                                          "(default: the one before)")] = None,
) -> dict[str, Any]:
    """What version `version` changed against `against`: rules by id added, removed, or with a changed
    severity, follow-up or other field (old and new value), compatibility pairs and polluting industries.
    Version 1 without `against` is compared with nothing: every rule is added."""
    earlier = version - 1 if against is None else against
    with get_engine().connect() as connection:
        try:
            new = rule_set_version(connection, version)
            old = rule_set_version(connection, earlier) if earlier else None
        except RuleSetNotFoundError as error:
            raise ProblemError(404, "not-found", message_of(error)) from None
    return diff_rule_sets(old, new)
