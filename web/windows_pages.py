"""The one-window page (一口受理, /windows): a window's acceptance form and work list; a department's list of what
windows accepted for it, with the receipts to confirm.

As on every page, the HTML carries no data: ``/static/js/windows.js`` reads ``/api/v1/windows/…`` (which decides
who sees what) and the item types from ``/api/v1/supervision/stages``. No map: nothing here has a place to show.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from layers.departments import seed
from web.assets import PAGE_CSS, static_url
from web.i18n import language_of
from web.pages import Language, render_plain

router = APIRouter(include_in_schema=False)


@router.get("/windows", response_class=HTMLResponse)
def windows_page(request: Request, lang: Language = None) -> HTMLResponse:
    """一口受理: for a window account, accept for another department, upload, forward and mail, and the work list;
    for a department (or the NDRC), what the windows accepted for it, to receive."""
    return render_plain(request, "windows.html", page="windows", language=language_of(lang), title_key="win.title",
                        config={"departments": [d.slug for d in seed().departments]},
                        context={"page_css": [*PAGE_CSS, static_url("css/windows.css")]})
