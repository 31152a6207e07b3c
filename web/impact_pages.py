"""Pages of layer impacts and rules: an impact report (/impacts/{id}, 图层变更影响报告) with its map and the
NDRC's re-screening, and the rules page (/rules, 冲突检测规则) with the rule set in force, any earlier
version, their history and what changed between two versions.

Built on the shared page frame (:mod:`web.pages`); as everywhere, the HTML carries no data: the pages'
scripts (``static/js/impact.js``, ``static/js/rules.js``) read the JSON API, which decides who sees what.
The work lists (/queue, /ndrc) list the reports through ``static/js/impact_list.js``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from layers.land_use import FIRST_LEVEL_CLASSES
from web.i18n import language_of
from web.pages import Language, planning_map, render_page, render_plain

router = APIRouter(include_in_schema=False)


@router.get("/impacts/{impact_id}", response_class=HTMLResponse)
def impact_page(request: Request, impact_id: int, lang: Language = None) -> HTMLResponse:
    """图层变更影响报告: what a layer version changed, per affected proposal and coded project (department,
    rule, severity, old and new overlap in m² and 亩, a link to its review page), on a map of the changed
    features over the affected sites; the NDRC re-screens the proposals it names in one confirmed action."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    return render_page(request, "impact.html", page="impact", language=language, fmap=fmap, layers=layers,
                       title_key="impact.title", config={"impactId": impact_id})


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, lang: Language = None,
               version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    """冲突检测规则: the rule set in force (or version ``version``): every conflict rule, the land-use
    compatibility matrix, the polluting industries; the versions loaded, and what changed between two."""
    return render_plain(request, "rules.html", page="rules", language=language_of(lang), title_key="rules.title",
                        config={"ruleSetVersion": version, "landUseClasses": sorted(FIRST_LEVEL_CLASSES)})
