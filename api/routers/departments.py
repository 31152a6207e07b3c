"""Departments API (部门): ``GET /api/v1/departments``, the departments on three levels (city 市级, district 区级,
town/street 镇街) as a tree, each with its responsibilities (see :mod:`projects.departments`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.boundary import BoundaryRoute
from api.problems import ProblemError, problem_responses
from gis.db import get_engine
from gis.messages import message_of
from projects.departments import DepartmentInputError, department_tree

router = APIRouter(prefix="/api/v1", tags=["departments"], route_class=BoundaryRoute)


@router.get("/departments", responses=problem_responses(422))
def get_departments(
    level: Annotated[Literal["city", "district", "town"] | None, Query(
        description="only the departments of this level: city 市级, district 区级, town 镇街")] = None,
    district: Annotated[str | None, Query(
        pattern=r"^\d{6}$", description="only the departments of this district (6-digit GB/T 2260 code, e.g. "
                                        "350213) and the city bureaus answering there")] = None,
) -> list[dict[str, Any]]:
    """The departments as a tree (a city bureau, its district counterparts, the towns under those), each with its
    names in Chinese and English (``zh``, ``en``), its level (``level_zh``, ``level_en``), its division code and
    its responsibilities: for each category (``layer_kind`` conflicts, project-type ``review``, approval
    ``item_type``, building ``condition``), the concerns it answers for and the districts where it does."""
    try:
        with get_engine().connect() as connection:
            return department_tree(connection, level=level, district=district)
    except DepartmentInputError as error:
        raise ProblemError(422, "invalid-parameter", message_of(error), field=error.field) from None
