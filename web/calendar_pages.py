"""节假日安排: which years the working-day calendar knows, and the form an admin enters a year's State Council
holiday notice with (国务院办公厅关于某年部分节假日安排的通知), so that provisional deadlines become exact.

A page without a map on the shared frame. The HTML holds no data: ``/static/js/holiday_notice.js`` reads
``GET /api/v1/supervision/calendar`` and sends the form to ``PUT /api/v1/supervision/calendar/{year}``, which
decides who may enter a notice and checks it; its problems are shown on the form's fields.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from web.assets import PAGE_CSS, static_url
from web.i18n import language_of
from web.pages import Language, render_plain

router = APIRouter(include_in_schema=False)


@router.get("/supervision/calendar", response_class=HTMLResponse)
def holiday_notice_page(request: Request, lang: Language = None) -> HTMLResponse:
    """The years with and without holiday data, the notices entered, and the notice form (admin)."""
    return render_plain(request, "holiday_notice.html", page="calendar", language=language_of(lang),
                        title_key="nav.calendar",
                        context={"page_css": [*PAGE_CSS, static_url("css/clocks.css")]})
