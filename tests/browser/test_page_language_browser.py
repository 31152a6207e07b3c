"""One language at a time, in headless Chromium: every page in Chinese shows no run of English words — not in
its text, not in a title, tooltip, placeholder or label a control carries, and not in the map's controls (the
drawing toolbar, zoom buttons, a scale bar in metres only) — save codes, units and names on an allowlist; and
the same pages in English show no Chinese words in their interface (labels, buttons, headers, menus, titles
and tooltips; the data, such as a project's Chinese name, stays as it is). Pages are read as the users who
see most of them: the public, an applicant, a department and the NDRC."""

from __future__ import annotations

import re

import pytest
from conftest import Watched
from login_page import log_in
from sqlalchemy import text
from test_proposals import create, credit_code, open_review
from test_supervision_support import clean_sites

from data.samples.hall import SAMPLE_PROVIDER_ACCOUNTS
from projects.accounts import Role, create_account

pytestmark = pytest.mark.browser

API = "/api/v1"
SECRET = "page-language-secret"
ALLOWED = {
    # names, formats and standards, written so in Chinese text too
    "EPSG", "CGCS2000", "WGS84", "GCJ02", "GCJ-02", "GeoJSON", "Shapefile", "GeoPackage", "KML", "DXF", "PDF",
    "CSV", "zip", "OGC", "API", "Leaflet", "GB/T", "NDRC", "English", "MVT", "OpenAPI", "QGIS", "WFS", "OAPIF",
    # units
    "m", "km", "m²", "ha",
}
"""Latin words a Chinese page may show: ``English`` is the language switch, written in its own language."""
PROVIDER = SAMPLE_PROVIDER_ACCOUNTS[0]["username"]
"""A sample service provider's demo login: it has commissions to list."""
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ \t]+[A-Za-z][A-Za-z'’\-]*)+")
CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")
IDENTIFIER = re.compile(r"\S*\d\S*")
"""A token with a digit in it (a code, a date, a test proposal's suffix) is no English word."""

SHOWN_TEXT = """() => {
    // what a person reads on the page: visible text, and what controls say on hover or to a screen reader
    const parts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        if (!element || element.closest('script, style, code, pre, noscript, [data-allow-latin]')) continue;
        const style = getComputedStyle(element);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        if (node.textContent.trim()) parts.push(node.textContent.trim());
    }
    for (const element of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
        if (element.closest('code, pre, [data-allow-latin]')) continue;
        for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
            const value = element.getAttribute(name);
            if (value && value.trim()) parts.push(value.trim());
        }
    }
    return parts;
}"""
INTERFACE_TEXT = """() => {
    // the interface's own words: controls, headers, menus and what controls say on hover
    const parts = [document.title];
    for (const element of document.querySelectorAll('label, button, th, legend, summary, nav a, option, h2, h3')) {
        const text = element.innerText && element.innerText.trim();
        if (text && element.offsetParent !== null) parts.push(text);
    }
    for (const element of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
        for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
            const value = element.getAttribute(name);
            if (value && value.trim()) parts.push(value.trim());
        }
    }
    return parts;
}"""


@pytest.fixture(scope="module")
def people(client, login, engine, loaded_samples, demo_secret, revised_impact) -> dict:
    """An applicant with a draft of its own, a proposal under review and a coded project to look at, and a
    layer impact report."""
    code = credit_code(70093)
    with engine.begin() as connection:
        create_account(connection, username="applicant-language", secret=SECRET, role=Role.APPLICANT,
                       organisation="厦门语言测试有限公司", credit_code=code)
    applicant = {"headers": login("applicant-language", SECRET), "credit_code": code}
    spots = iter(clean_sites(engine))
    draft = create(client, applicant, _shape(next(spots)), name="语言测试草稿项目")
    reviewed = create(client, applicant, _shape(next(spots)), name="语言测试审查项目")
    open_review(client, login, applicant, reviewed["id"])
    coded = next((p for p in client.get(f"{API}/proposals", headers=login("ndrc")).json() if p["project_code"]),
                 None)
    with engine.connect() as connection:  # a sample joint feasibility review that waits for this department
        joint_review = connection.execute(text(
            "SELECT p.project_code FROM feasibility_reviews r JOIN proposals p ON p.id = r.proposal_id "
            "WHERE r.decision IS NULL ORDER BY r.id LIMIT 1")).scalar_one_or_none()
    return {"draft": draft["id"], "reviewed": reviewed["id"], "code": coded["project_code"] if coded else None,
            "joint_review": joint_review, "impact": revised_impact["impact_id"],
            "secrets": {"applicant-language": SECRET, **{name: demo_secret(name) for name in (
                "ndrc", "dept-natural_resources", "window-xiangan", "admin", PROVIDER)}}}


def _shape(site):
    import shapely.geometry

    return shapely.geometry.shape(site)


def _pages(people: dict) -> list[tuple[str, str | None]]:
    """(page, who reads it) for every page of the platform."""
    pages = [("/", None), ("/login", None), ("/investment", None), ("/selection", None), ("/inspections", None),
             ("/departments", None), ("/supervision/calendar", None), ("/", "ndrc"), ("/ndrc", "ndrc"),
             ("/supervision", "ndrc"),
             (f"/proposals/{people['reviewed']}/review", "ndrc"), ("/queue", "dept-natural_resources"),
             (f"/proposals/{people['reviewed']}/review", "dept-natural_resources"),
             ("/proposals/new", "applicant-language"), ("/proposals/mine", "applicant-language"),
             (f"/proposals/{people['draft']}/edit", "applicant-language"),
             ("/windows", "window-xiangan"), ("/windows", "dept-natural_resources"),
             ("/hall", None), ("/hall", "admin"), ("/hall/commissions", "applicant-language"),
             ("/hall/commissions", PROVIDER), ("/hall/commissions", "ndrc"), ("/rules", None),
             (f"/impacts/{people['impact']}", "ndrc"), (f"/impacts/{people['impact']}", "dept-natural_resources")]
    if people["code"]:
        pages.append((f"/supervision/projects/{people['code']}", "ndrc"))
    if people["joint_review"]:
        pages.append((f"/supervision/projects/{people['joint_review']}", "dept-natural_resources"))
    return pages


def _read(tab, base: str, path: str, user: str | None, secret: str | None, language: str,
          script: str = SHOWN_TEXT) -> list[str]:
    """What ``script`` reads on the page once nothing is loading; ``user`` logs in on the login page first if
    the tab's session has not (coming back to the page, which then settles again)."""
    separator = "&" if "?" in path else "?"
    tab.page.goto(f"{base}{path}{separator}lang={language}")
    tab.settle()
    if user and secret and not tab.page.query_selector("#login-user"):
        log_in(tab, user, secret)
    return tab.page.evaluate(script)


def _english_runs(parts: list[str]) -> list[str]:
    runs = []
    for part in parts:
        for run in LATIN_RUN.findall(IDENTIFIER.sub(" ", part)):
            words = [word for word in re.split(r"[ \t]+", run) if word not in ALLOWED]
            if len(words) >= 2:
                runs.append(f"{run!r} in {part[:80]!r}")
    return runs


def test_every_page_in_chinese_shows_no_english_and_in_english_no_chinese(
        open_tab, live_server, people) -> None:
    found: dict[str, list[str]] = {}
    tabs: dict[tuple[str | None, str], Watched] = {}
    sessions: dict[str, dict] = {}

    def tab_of(user: str | None, language: str) -> Watched:
        """The reader's tab in ``language``: one per reader and language; the reader logs in once, on its
        Chinese tab, and its English tab starts with that session's cookie."""
        if (user, language) not in tabs:
            tab = open_tab(language=language, storage_state=sessions.get(user) if user else None)
            # The planning layers' own tiles answer "empty" at once: they are pictures on a canvas, with no
            # words in them (tests/browser/test_browser_maps.py draws them); every other request is real.
            tab.context.route(f"{live_server}/tiles/**", lambda route: route.fulfill(status=204))
            tabs[user, language] = tab
        return tabs[user, language]

    for path, user in _pages(people):
        secret = people["secrets"].get(user) if user else None
        tab = tab_of(user, "zh")
        runs = _english_runs(_read(tab, live_server, path, user, secret, "zh"))
        if runs:
            found[f"{path} as {user or 'the public'} in Chinese"] = runs
        if user and user not in sessions:
            sessions[user] = tab.context.storage_state()
        tab = tab_of(user, "en")
        chinese = [part for part in _read(tab, live_server, path, user, secret, "en", INTERFACE_TEXT)
                   if CHINESE_RUN.search(part) and part != "中文"]  # 中文: the language switch
        if chinese:
            found[f"{path} as {user or 'the public'} in English"] = chinese[:10]
    assert found == {}


def test_the_map_controls_speak_the_pages_language_and_the_scale_is_metric(open_tab, live_server, people):
    for language, zoom_in, polygon in (("zh", "放大", "绘制多边形"), ("en", "Zoom in", "Draw a polygon")):
        tab = open_tab(language=language)
        tab.page.goto(f"{live_server}/?lang={language}")
        tab.settle()
        page = tab.page
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
        assert page.get_attribute(".leaflet-draw-draw-polygon", "title") == polygon
        scale = page.query_selector_all(".leaflet-control-scale-line")
        assert len(scale) == 1 and re.fullmatch(r"\d+ k?m", scale[0].inner_text().strip()), \
            [line.inner_text() for line in scale]
        assert not tab.errors, tab.errors
