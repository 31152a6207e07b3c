"""The site selection page (智能选址) in headless Chromium, at 1440 px and 390 px, in English and Chinese: an
applicant draws a search area (or picks a district), sets the requirements, sees the candidates on the map
and in the list, opens one's screening report and starts a proposal from it, whose form arrives with the
candidate's site and the project's parameters."""

from __future__ import annotations

import pytest
from login_page import log_in
from shapely.geometry import shape
from test_applicant_browser import draw_polygon, show_on_map
from test_proposals import credit_code

from projects.accounts import Role, create_account

pytestmark = pytest.mark.browser

SECRET = "selection-browser-secret"
REQUIREMENTS = {"project_type": "02", "land_use": "1001", "industry": "C39", "area_min": 2, "area_max": 5,
                "area_unit": "ha", "limit": 10}


@pytest.fixture(scope="module")
def applicant(engine, loaded_samples) -> str:
    with engine.begin() as connection:
        create_account(connection, username="applicant-selection", secret=SECRET, role=Role.APPLICANT,
                       organisation="厦门选址测试有限公司", credit_code=credit_code(70093))
    return "applicant-selection"


@pytest.fixture(scope="module")
def district_with_sites(client, loaded_samples) -> tuple[str, dict]:
    """A district of the samples where industrial land of 2–5 ha is found, and its best candidate."""
    for code in ("350213", "350212", "350211", "350205", "350206", "350203"):
        result = client.post("/api/v1/site-selections", json={**REQUIREMENTS, "districts": [code]}).json()
        if result["candidates"]:
            return code, result["candidates"][0]
    pytest.fail("no district of the samples has 2–5 ha of industrial land")


@pytest.mark.parametrize(("width", "language"), [(1440, "en"), (390, "zh")])
def test_an_applicant_finds_a_site_opens_its_report_and_starts_a_proposal(
        open_tab, live_server, applicant, district_with_sites, width, language):
    code, best = district_with_sites
    tab = open_tab(width, language)
    page = tab.page
    page.goto(f"{live_server}/selection?lang={language}")
    tab.settle()
    log_in(tab, applicant, SECRET)
    page.fill("#field-area_min", "2")
    page.fill("#field-area_max", "5")
    page.select_option("#field-area_unit", "ha")
    if width > 800:  # a search area drawn around the best candidate of the district
        area = shape(best["geometry"]).buffer(0.003).envelope
        show_on_map(page, area)
        west, south, east, north = area.bounds
        draw_polygon(page, [(west, south), (east, south), (east, north), (west, north)])
        page.wait_for_selector("#search-area-state")
        assert page.inner_text("#search-area-state") == "Search area drawn"
    else:
        page.check(f"#district-{code}")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/site-selections")) as answered:
        page.click("#selection-run")
    assert answered.value.status == 200, answered.value.text()
    result = answered.value.json()
    page.wait_for_selector(".candidate-item")
    assert best["id"] in [candidate["id"] for candidate in result["candidates"]]
    first = page.locator(".candidate-item").first
    assert first.get_attribute("data-candidate") == result["candidates"][0]["id"]
    assert ("No. 1" if language == "en" else "第1名") in first.inner_text()
    assert page.locator(".leaflet-overlay-pane path").count() >= len(result["candidates"])
    first.locator(".candidate-report").click()
    assert first.locator(".layer-status-table").is_visible()
    tab.screenshot(f"selection-{language}-{width}")
    first.locator(".candidate-propose").click()
    page.wait_for_url(f"**/proposals/new?lang={language}&from=map")
    page.wait_for_selector("#screening-words")
    assert page.input_value("#field-land_use") == "1001" and page.input_value("#field-industry") == "C39"
    assert not [error for error in tab.errors if "422" not in error], tab.errors
