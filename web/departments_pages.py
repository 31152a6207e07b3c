"""部门 (the departments page, ``/departments``): the departments on three levels as a tree — city bureaus,
their district counterparts, the towns and streets under those — each with its level, division code and its
responsibilities (which layer kinds, site reviews, approval items and building conditions it answers for, and
in which districts), filtered by level and district. Rendered on the server from
:func:`projects.departments.department_tree`; no script needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gis.db import get_engine
from layers.departments import seed
from projects.departments import CATEGORIES, LEVEL_NAMES, department_tree
from projects.supervision.stages import ITEM_TYPES
from web.assets import PAGE_CSS, static_url
from web.i18n import labels, language_of
from web.pages import Language, render_plain

router = APIRouter(include_in_schema=False)


def _concern_names(language: str) -> dict[str, str]:
    """Each concern's name in ``language``: layer kinds, site reviews, approval items, building conditions."""
    table = labels(language)
    names = {key.split(".", 1)[1]: value for key, value in table.items()
             if key.startswith(("kind.", "concern.", "condition."))}
    names.update({key: kind.name_en if language == "en" else kind.name_zh for key, kind in ITEM_TYPES.items()})
    return names


@router.get("/departments", response_class=HTMLResponse)
def departments_page(
    request: Request, lang: Language = None,
    level: Annotated[str | None, Query(description="city, district or town")] = None,
    district: Annotated[str | None, Query(description="a district's 6-digit code")] = None,
) -> HTMLResponse:
    """The departments and their responsibilities; an unknown filter value shows everything."""
    language = language_of(lang)
    level = level if level in LEVEL_NAMES else None
    districts = seed().districts
    district = district if district in {d.code for d in districts} else None
    with get_engine().connect() as connection:
        tree = department_tree(connection, level=level, district=district)

    def count(nodes: list[dict[str, Any]]) -> int:
        return sum(1 + count(node["children"]) for node in nodes)

    district_names = {d.code: d.name_en if language == "en" else d.name_zh for d in districts}
    return render_plain(request, "departments.html", page="departments", language=language,
                        title_key="departments.title",
                        context={"tree": tree, "count": count(tree), "levels": list(LEVEL_NAMES),
                                 "categories": CATEGORIES, "concern_names": _concern_names(language),
                                 "districts": districts, "district_names": district_names,
                                 "chosen_level": level, "chosen_district": district,
                                 "page_css": [*PAGE_CSS, static_url("css/departments.css")]})
