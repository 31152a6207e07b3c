"""The site selection page (智能选址, /selection): where a project can go, found on the map.

A person draws a search area (Leaflet.draw, served by the app) or picks districts, sets the project's type,
intended land use, industry and the site area range (m², 亩 or 公顷) and "inside the urban development
boundary"; the page's script (``/static/js/selection.js``) asks ``POST /api/v1/site-selections`` and shows the
candidates on the map and in a list, best first, with the reasons for their rank; a candidate's full screening
report opens in the list, and "start a proposal from it" opens ``/proposals/new`` with its geometry and the
project's parameters filled in (the same hand-over as the map page's screened site, static/js/apply.js).
Chinese by default, English with ``?lang=en``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from web import maps
from web.i18n import language_of
from web.pages import Language, planning_map, render_page
from web.site_form import site_form_choices

router = APIRouter(include_in_schema=False)

AREA_UNITS = ("ha", "mu", "m2")
"""The units the page offers for the area range (the API's ``area_unit``), hectares first."""


@router.get("/selection", response_class=HTMLResponse)
def selection_page(request: Request, lang: Language = None) -> HTMLResponse:
    """智能选址: draw a search area, set the requirements, see the candidates, open one, start a proposal."""
    language = language_of(lang)
    fmap, layers = planning_map(language)
    draw = maps.add_draw(fmap, site=True)
    return render_page(
        request, "selection.html", page="selection", language=language, fmap=fmap, layers=layers,
        title_key="nav.selection",
        config={"drawItems": f"drawnItems_{draw.get_name()}", "drawControl": draw.get_name()},
        context={"choices": site_form_choices(language), "area_units": AREA_UNITS},
    )
