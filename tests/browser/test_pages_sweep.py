"""Every page, as the public and as each role sees it, on a phone (390 px, touch, the page's own viewport tag)
and a desktop (1440 px), in Chinese and English, and at 1024 px in English: nothing is fetched from another
host, nothing is written to the console as an error, nothing runs off the side of the screen or is cut off
without a way to scroll to it, the navigation bar stays one line with the login (or who is logged in) in
view, the map keeps a usable size, everything that reacts to a click can be reached with the keyboard, and
axe-core (installed with npm in web/assets, injected by the test through DevTools, never served to the pages)
finds no serious or critical accessibility violation (in Chinese at 390 px and in English at 1440 px: what axe
checks, names, roles, labels and contrast, is built alike in both languages, whose words are checked apart;
the map's panes, which are pictures of the layers, are left out; its controls are checked), and at 1440 px
a page in Chinese shows no run of English words and one in English no Chinese words in its interface
(tests/browser/page_language.py; the OGC API's HTML pages are not read for words).

One browser for the module and one login per role; a role's browser contexts at the three widths and in
both languages share that session, each in a browser of its locale (zh-CN, en-GB). A role's pages at one width
load side by side, each in a tab of its own, and settle together before each is looked at.
The planning layers' vector tiles are answered empty by the test (their drawing is tested elsewhere), which
takes most of the waiting out of a page's load.
A page's findings are gathered before the assertion, so one failure lists all of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import Watched, settle_tabs
from login_page import log_in
from page_language import wrong_language
from sqlalchemy import text

from data.samples.hall import SAMPLE_PROVIDER_ACCOUNTS

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "web" / "assets" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {  # name: (context options, languages, the language axe runs in, read the words)
    "phone": ({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}, ("zh", "en"), "zh",
              False),
    "laptop": ({"viewport": {"width": 1024, "height": 768}}, ("en",), None, False),
    "desktop": ({"viewport": {"width": 1440, "height": 900}}, ("zh", "en"), "en", True),
}
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ROLES = {"public": None, "applicant": "applicant", "department": "dept-natural_resources", "ndrc": "ndrc",
         "window": "window-xiangan", "admin": "admin", "provider": SAMPLE_PROVIDER_ACCOUNTS[0]["username"]}
SIDEWAYS = ".leaflet-container, .table-responsive, .sv-chart-wide"
"""Where content may be wider than its box: the map's panes, and tables and a project's timeline (on a phone)
that scroll sideways on purpose."""

LAYOUT = """(sideways) => {
    const root = document.documentElement, inner = window.innerWidth;
    const shown = (e) => { const b = e.getBoundingClientRect(); return b.width > 1 && b.height > 1
        && getComputedStyle(e).visibility !== 'hidden'; };
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string'
        && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    const all = [...document.querySelectorAll('body *')].filter((e) => !e.closest(sideways));
    const styles = new Map(all.map((e) => [e, getComputedStyle(e)]));
    const found = [];
    if (root.scrollWidth > inner + 1) { found.push('the page is ' + root.scrollWidth + ' px wide'); }
    const ellipsis = all.filter((e) => styles.get(e).textOverflow === 'ellipsis');  // their text is cut on purpose
    const outside = all.filter((e) => styles.get(e).position !== 'fixed' && shown(e)
        && !ellipsis.some((c) => c !== e && c.contains(e)) && (() => {
        const b = e.getBoundingClientRect(); return b.right > inner + 1 || b.left < -1; })());
    if (outside.length) { found.push('runs off the side: ' + outside.slice(0, 4).map(name).join(', ')); }
    const clipped = all.filter((e) => {
        const style = styles.get(e);
        if (style.textOverflow === 'ellipsis' || !shown(e)) { return false; }
        const wide = style.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1;
        const tall = ['hidden', 'clip'].includes(style.overflowY) && e.clientHeight > 0
            && e.scrollHeight > e.clientHeight + 2 && e !== document.body;
        return wide || tall;
    });
    if (clipped.length) { found.push('cut off or scrolling sideways: ' + clipped.slice(0, 4).map(name).join(', ')); }
    if (root.scrollHeight > window.innerHeight + 1) {
        const before = window.scrollY;
        window.scrollTo({top: root.scrollHeight, behavior: 'instant'});
        if (window.scrollY === before) { found.push('taller than the window and does not scroll'); }
        window.scrollTo({top: before, behavior: 'instant'});
    }
    const nav = document.querySelector('.blueprint-nav').getBoundingClientRect();
    if (nav.height > 64) { found.push('the navigation bar is ' + Math.round(nav.height) + ' px high'); }
    const account = document.querySelector('#login-link, #login-user');
    if (account && !(shown(account) && account.getBoundingClientRect().right <= inner)) {
        found.push('the login or the user menu is out of view');
    }
    const focusable = (e) => e.tabIndex >= 0 && !e.disabled;
    const unreachable = all.filter((e) => styles.get(e).cursor === 'pointer' && !e.disabled
        && !(e.parentElement && getComputedStyle(e.parentElement).cursor === 'pointer')
        && !focusable(e) && !e.closest('label') && shown(e));
    if (unreachable.length) { found.push('reacts to the mouse only: ' + unreachable.slice(0, 4).map(name).join(', ')); }
    return found;
}"""

MAP_SIZE = """() => {
    const map = document.querySelector('.folium-map');
    if (!map) { return null; }
    const box = map.getBoundingClientRect();
    const panel = document.getElementById('side-panel');  // pages with a small map in their text have none
    const sheet = panel ? panel.getBoundingClientRect() : box;
    const below = sheet.top > box.top + 10 ? Math.min(box.bottom, sheet.top) : box.bottom;
    return {width: Math.round(box.width), height: Math.round(below - box.top), beside: !!panel};
}"""

AXE_RUN = """() => axe.run({exclude: [['.leaflet-pane']]}, {resultTypes: ['violations']})
    .then((result) => result.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')
        + ' ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))})))"""


@dataclass
class Visit:
    """One page in a tab of its own, in one language, and the requests the tab made."""

    path: str
    language: str
    tab: Watched
    requests: list[str] = field(default_factory=list)


def _offsite(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("data", "blob", "about") and parts.hostname not in LOOPBACK


def _map_size(page, width: int) -> str | None:
    """The map's visible part (above the bottom sheet on a phone) must be usable: 300 px or more in each
    direction, and a page's main map the width of a phone's screen; a sheet opened over most of the screen is
    folded first."""
    if page.evaluate("(document.getElementById('side-panel') || {}).dataset?.sheet") == "full" \
            and page.is_visible("#sheet-toggle"):
        page.click("#sheet-toggle")
        page.wait_for_timeout(350)  # the sheet's transition
    size = page.evaluate(MAP_SIZE)
    if size is None:
        return None
    wide_enough = size["width"] >= (width - 1 if width < 768 and size["beside"] else 300)
    return None if wide_enough and size["height"] >= 300 else f"the map shows only {size['width']}x{size['height']} px"


def findings(visit: Visit, width: int, axe: bool, language: str | None = None) -> list[str]:
    """What is wrong with the page the visit's tab shows now; with ``language``, its words too."""
    page = visit.tab.page
    found = wrong_language(page, language) if language else []
    found += [f"request to another host: {url}" for url in visit.requests if _offsite(url)]
    found += [f"console: {error}" for error in visit.tab.errors]
    found += page.evaluate(LAYOUT, SIDEWAYS)
    if axe:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: the page's CSP does not apply
        found += [f"axe {v['impact']} {v['id']}: {json.dumps(v['nodes'], ensure_ascii=False)}"
                  for v in page.evaluate(AXE_RUN)]
    small_map = _map_size(page, width)
    return [*found, small_map] if small_map else found


@pytest.fixture(scope="module")
def sample_ids(engine, loaded_samples, revised_impact) -> dict[str, object]:
    """A sample proposal under review (for the review page), a coded project, a sample applicant with one of
    its proposals, and a layer impact report (of a test red line revised over test proposals)."""
    with engine.connect() as connection:
        review = connection.execute(text(
            "SELECT id FROM proposals WHERE state = 'under_review' "
            # on the island, where the city bureaus (the department visitor) answer
            "AND district_code IN ('350203', '350206') ORDER BY id LIMIT 1")).scalar_one()
        code = connection.execute(text(
            "SELECT project_code FROM proposals WHERE project_code IS NOT NULL ORDER BY id LIMIT 1")).scalar_one()
        applicant, own = connection.execute(text(
            "SELECT a.username, p.id FROM proposals p JOIN accounts a ON a.id = p.owner_id "
            "WHERE a.username LIKE 'applicant-%' ORDER BY p.id LIMIT 1")).one()
        # a sample project whose joint feasibility review waits for natural resources (its form shows)
        joint_review = connection.execute(text(
            "SELECT p.project_code FROM feasibility_reviews r JOIN proposals p ON p.id = r.proposal_id "
            "JOIN feasibility_invitations i ON i.review_id = r.id AND i.department = 'natural_resources' "
            "WHERE r.decision IS NULL ORDER BY r.id LIMIT 1")).scalar_one()
    return {"review": review, "code": code, "applicant": applicant, "own": own, "joint_review": joint_review,
            "impact": revised_impact["impact_id"]}


def pages_of(role: str, ids: dict[str, object]) -> list[str]:
    """The pages a role visits: the public's pages as the public sees them, and each page that needs a login
    once, as the role that sees the most of it (the NDRC: every proposal on the map and every project)."""
    return {
        "public": ["/", "/login", "/logout", "/investment", "/selection", "/inspections", "/departments",
                   "/supervision/calendar", "/ogc?f=html", "/ogc/collections/land_use/items?f=html&limit=5", "/hall",
                   "/rules"],
        "applicant": ["/proposals/mine", "/proposals/new", f"/proposals/{ids['own']}/edit", "/hall/commissions",
                      "/logout"],
        "department": ["/queue", f"/proposals/{ids['review']}/review", f"/supervision/projects/{ids['joint_review']}",
                       "/windows", f"/impacts/{ids['impact']}"],
        "ndrc": ["/", "/ndrc", "/supervision", f"/supervision/projects/{ids['code']}", "/hall/commissions",
                 f"/impacts/{ids['impact']}", f"/proposals/{ids['review']}/review"],
        "window": ["/windows"],
        "admin": ["/hall"],
        "provider": ["/hall/commissions"],
    }[role]


def _open(context, path: str, language: str) -> Visit:
    """A new tab of ``context`` that records its console errors and requests."""
    page = context.new_page()
    visit = Visit(path, language, Watched(page, context))
    watched = visit.tab
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))

    def started(request) -> None:
        visit.requests.append(request.url)
        watched.started += 1

    page.on("request", started)
    for done in ("requestfinished", "requestfailed"):
        page.on(done, lambda request: setattr(watched, "ended", watched.ended + 1))
    return visit


@pytest.fixture(scope="module")
def browsers(chromium, live_server, demo_secret, sample_ids) -> Iterator[dict[tuple[str, str, str], object]]:
    """A browser context per role, screen and language; each role logs in once, its other contexts start with
    that session's cookie."""
    made = {}
    for role, username in ROLES.items():
        session = None
        for screen, (options, languages, _, _) in SCREENS.items():
            for language in languages:
                context = chromium.new_context(locale=LOCALES[language], storage_state=session, **options)
                # The planning layers' own tiles answer "empty" at once: a page's frame, panel, controls and
                # words are what is checked here (tests/browser/test_browser_maps.py draws the tiles); other
                # requests are real.
                context.route(f"{live_server}/tiles/**", lambda route: route.fulfill(status=204))
                if username and session is None:
                    username = sample_ids["applicant"] if role == "applicant" else username
                    page = context.new_page()
                    page.goto(f"{live_server}/map")
                    log_in(Watched(page, context), username, demo_secret(username))
                    session = context.storage_state()
                    page.close()
                made[role, screen, language] = context
    yield made
    for context in made.values():
        context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_the_screen_stays_local_and_passes_axe(browsers, live_server, sample_ids, role,
                                                               screen) -> None:
    options, languages, axe_language, words = SCREENS[screen]
    width = options["viewport"]["width"]
    visits = [_open(browsers[role, screen, language], path, language)
              for path in pages_of(role, sample_ids) for language in languages]
    for visit in visits:
        query = f"{'&' if '?' in visit.path else '?'}lang={visit.language}"
        visit.tab.page.goto(f"{live_server}{visit.path}{query}", wait_until="commit")
    settle_tabs([visit.tab for visit in visits], quiet_ms=300, timeout_s=90)
    found: list[str] = []
    for visit in visits:
        visit.tab.page.bring_to_front()  # a tab behind another is not painted: its transitions would not run
        visit.tab.page.wait_for_load_state("load")
        read = visit.language if words and not visit.path.startswith("/ogc") else None  # the OGC API's: not read
        axe = visit.language == axe_language
        found += [f"{visit.path} {visit.language}: {finding}" for finding in findings(visit, width, axe, read)]
        visit.tab.page.close()
    assert found == [], "\n".join(found)
