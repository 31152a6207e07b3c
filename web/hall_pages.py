"""Pages of the online intermediary hall (网上中介大厅): the hall itself (providers by service type, with
filters; an admin registers providers there) and the commissions page (委托: a project unit posts, chooses or
draws a provider and rates the result; a provider accepts and delivers).

Built on the shared frame (:mod:`web.pages`) without a map: nothing here is spatial. As on every page, the
HTML carries no data; ``/static/js/hall.js`` reads ``/api/v1/hall/…``, which decides who sees and does what.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from projects.accounts import Role
from projects.hall.service_types import QUALIFICATION_KINDS, SERVICE_TYPES
from web.assets import PAGE_CSS, static_url
from web.i18n import labels, language_of
from web.pages import Language, render_plain, session_account
from web.site_form import XIAMEN_DISTRICTS

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, page: str, title_key: str, language: str) -> HTMLResponse:
    english = language == "en"
    table = labels(language)
    table.update({f"hall.type.{k}": t.name.in_language(language) for k, t in SERVICE_TYPES.items()})
    table.update({f"hall.kind.{k}": t.in_language(language) for k, t in QUALIFICATION_KINDS.items()})
    table.update({f"hall.district.{code}": names[1 if english else 0] for code, names in XIAMEN_DISTRICTS.items()})
    account = session_account(request)
    return render_plain(
        request, template, page=page, language=language, title_key=title_key,
        config={"labels": table, "serviceTypes": list(SERVICE_TYPES), "districts": list(XIAMEN_DISTRICTS),
                "qualificationKinds": list(QUALIFICATION_KINDS)},
        context={"t": table, "service_types": list(SERVICE_TYPES), "districts": list(XIAMEN_DISTRICTS),
                 "qualification_kinds": list(QUALIFICATION_KINDS),
                 "is_admin": account is not None and account.holds(Role.ADMIN),
                 "page_css": [*PAGE_CSS, static_url("css/hall.css")]})


@router.get("/hall", response_class=HTMLResponse)
def hall_page(request: Request, lang: Language = None) -> HTMLResponse:
    """网上中介大厅: the registered providers by service type, filtered by type, district and eligibility; an
    admin registers a provider here."""
    return _page(request, "hall.html", "hall", "nav.hall", language_of(lang))


@router.get("/hall/commissions", response_class=HTMLResponse)
def commissions_page(request: Request, lang: Language = None) -> HTMLResponse:
    """中介服务委托: a project unit's commissions (post, choose or draw, rate), a provider's (accept, deliver),
    every commission for the NDRC and the departments."""
    return _page(request, "hall_commissions.html", "hall-commissions", "hall.commissions", language_of(lang))
