"""The review desk in headless Chromium, on a phone (390 px) and a desktop (1440 px), in Chinese and English:
a department's queue (待我审查) and the opinion form with its validation, a returned proposal that says why
no opinion can be given, the NDRC's filters and the confirmation before a code, the PDF report and the
review page on paper. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import pytest
import shapely
from conftest import proposal_details_refused
from pypdf import PdfReader
from test_browser_maps import log_in, open_page
from test_fresh_approval import applicant_account
from test_proposals import proposal_body
from test_supervision_support import clean_sites

from layers.importer import import_layer

pytestmark = pytest.mark.browser

API = "/api/v1"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
SCREENS = [(screen, lang) for screen in VIEWPORTS for lang in ("zh", "en")]


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-desk-browser", 70041)


@pytest.fixture(scope="module")
def spots(engine, loaded_samples) -> Iterator[shapely.Geometry]:
    return (shapely.geometry.shape(site) for site in clean_sites(engine))


def under_review(client, login, applicant, spots, name: str) -> dict:
    """A type-01 (审批) proposal under review: natural resources and construction must answer."""
    body = proposal_body(next(spots), applicant["credit_code"], name=f"{name} {uuid.uuid4().hex[:5]}",
                         project_type="01", investment_category="financial")
    proposal = client.post(f"{API}/proposals", json=body, headers=applicant["headers"])
    assert proposal.status_code == 201, proposal.text
    for action, headers in (("submit", applicant["headers"]), ("start_review", login("ndrc"))):
        assert client.post(f"{API}/proposals/{proposal.json()['id']}/actions", json={"action": action},
                           headers=headers).status_code == 200
    return proposal.json()


def fits(tab) -> None:
    """Nothing runs off the side of the screen."""
    assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(("screen", "lang"), SCREENS)
def test_a_department_finds_its_queue_and_gives_its_opinion_in_the_page(
        tab, live_server, client, login, demo_secret, applicant, spots, screen, lang):
    proposal = under_review(client, login, applicant, spots, "审查队列测试")
    page = tab.page
    page.set_viewport_size(VIEWPORTS[screen])
    open_page(tab, f"{live_server}/queue?lang={lang}")
    log_in(tab, "dept-construction", demo_secret("dept-construction"))
    item = page.locator(f".queue-item[data-proposal-id='{proposal['id']}']")
    item.wait_for()
    expected = client.get(f"{API}/review-queue", headers=login("dept-construction")).json()
    shown = page.eval_on_selector_all(".queue-item", "items => items.map(i => Number(i.dataset.proposalId))")
    assert shown == [entry["id"] for entry in expected]  # the longest waiting first
    assert ("已等待0天" if lang == "zh" else "waiting 0 days") in item.inner_text()
    fits(tab)
    tab.screenshot(f"queue-{screen}-{lang}")

    item.locator("a.queue-open").click()
    page.wait_for_selector("#opinion-form:not(.d-none)")
    tab.settle()
    # 不同意 without a reason: the page says so in its language, and nothing is stored
    page.check("#verdict-object")
    page.click("#opinion-submit")
    warning = page.inner_text("#opinion-message")
    assert warning.strip() == ("不同意时必须填写理由" if lang == "zh" else "Say why your department objects")
    page.check("#verdict-agree_with_conditions")
    page.click("#opinion-submit")
    assert ("至少填写一条条件" if lang == "zh" else "at least one condition") in page.inner_text("#opinion-message")
    detail = client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()
    assert detail["review"]["opinions"] == []

    page.fill("#opinion-conditions", "施工期间保留消防通道\n夜间不施工")
    page.click("#opinion-submit")
    page.wait_for_selector(".opinion-item.verdict-agree_with_conditions")
    assert ("意见已提交" if lang == "zh" else "Opinion submitted") in page.inner_text("#opinion-message")
    opinion = client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()["review"]["opinions"]
    assert [(o["department"], o["verdict"], o["conditions"]) for o in opinion] == [
        ("construction", "agree_with_conditions", ["施工期间保留消防通道", "夜间不施工"])]
    assert "夜间不施工" in page.inner_text("#opinions")
    fits(tab)
    tab.screenshot(f"opinion-form-{screen}-{lang}")
    assert tab.errors == []


@pytest.mark.parametrize(("screen", "lang"), SCREENS)
def test_a_returned_proposal_says_why_no_opinion_can_be_given(
        tab, live_server, client, login, demo_secret, applicant, spots, screen, lang):
    proposal = under_review(client, login, applicant, spots, "退回说明测试")
    assert client.post(f"{API}/proposals/{proposal['id']}/actions", headers=login("ndrc"),
                       json={"action": "return", "reason": "请补充用地红线图"}).status_code == 200
    page = tab.page
    page.set_viewport_size(VIEWPORTS[screen])
    open_page(tab, f"{live_server}/proposals/{proposal['id']}/review?lang={lang}")
    log_in(tab, "dept-construction", demo_secret("dept-construction"))
    status = page.locator("#opinion-status [data-obstacle='returned']")
    status.wait_for()
    text = status.inner_text()
    assert ("已退回项目单位修改" if lang == "zh" else "returned to the applicant") in text
    assert "请补充用地红线图" in text
    assert page.locator("#opinion-form.d-none").count() == 1
    hint = page.inner_text("#marking-hint")
    assert hint == ("仅在已提交或审查中的项目上可标注地图。" if lang == "zh" else
                    "Markings are made only while the proposal is submitted or under review.")
    assert "请补充用地红线图" in page.inner_text("#decision-list")
    fits(tab)
    tab.screenshot(f"review-returned-{screen}-{lang}")
    assert tab.errors == []


@pytest.mark.parametrize(("screen", "lang"), SCREENS)
def test_the_ndrc_filters_the_overview_and_confirms_before_the_code(
        tab, live_server, client, login, demo_secret, applicant, spots, screen, lang):
    proposal = under_review(client, login, applicant, spots, "赋码确认测试")
    for department in ("construction", "natural_resources"):
        assert client.post(f"{API}/proposals/{proposal['id']}/opinions", headers=login(f"dept-{department}"),
                           json={"verdict": "agree"}).status_code == 201
    page = tab.page
    page.set_viewport_size(VIEWPORTS[screen])
    open_page(tab, f"{live_server}/ndrc?lang={lang}")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    row = f"tr[data-proposal-id='{proposal['id']}']"
    page.wait_for_selector(row)
    listed = client.get(f"{API}/proposals", headers=login("ndrc")).json()

    page.select_option("#filter-eligible", "yes")
    eligible = {p["id"] for p in listed if p["eligible"]}
    shown = set(page.eval_on_selector_all("#ndrc-rows tr[data-proposal-id]",
                                          "rows => rows.map(r => Number(r.dataset.proposalId))"))
    assert shown == eligible and proposal["id"] in shown
    assert page.locator(f"{row} .eligibility.eligible").count() == 1
    page.select_option("#filter-eligible", "no")
    assert page.locator(f"{row}").count() == 0
    assert page.locator("#ndrc-rows button[data-action=approve]").count() == 0  # never on an ineligible one
    page.select_option("#filter-eligible", "")
    page.select_option("#filter-state", "returned")
    assert page.locator("#ndrc-rows tr[data-proposal-id]").count() == sum(p["state"] == "returned" for p in listed)
    page.select_option("#filter-state", "")
    page.select_option("#filter-district", "350203")
    in_district = [p for p in listed if p["district_code"] == "350203"]
    assert page.locator("#ndrc-rows tr[data-proposal-id]").count() == len(in_district)
    page.select_option("#filter-waiting", "natural_resources")
    waiting = sum("natural_resources" in {w["department"] for w in p["outstanding"]} for p in in_district)
    assert page.locator("#ndrc-rows tr[data-proposal-id]").count() == waiting
    page.select_option("#filter-waiting", "")
    page.select_option("#filter-district", "")
    page.fill("#filter-search", proposal["name"])
    assert page.locator("#ndrc-rows tr[data-proposal-id]").count() == 1
    assert ("共1项" if lang == "zh" else "Proposals: 1") in page.inner_text("#ndrc-count")

    page.click(f"{row} button[data-action=approve]")
    confirmation = page.locator(f"{row} + tr .approve-confirmation")
    confirmation.wait_for()
    text = confirmation.inner_text()
    assert proposal["name"] in text and "思明区" in text and "350203" in text
    assert client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()["project_code"] is None
    fits(tab)
    tab.screenshot(f"ndrc-confirm-{screen}-{lang}")
    confirmation.locator("[data-action=confirm-approve]").click()
    link = page.locator(f"{row} + tr .action-feedback a.project-code-link")
    link.wait_for()
    code = client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()["project_code"]
    assert code and link.inner_text() == code
    assert link.get_attribute("href") == f"/supervision/projects/{code}?lang={lang}"
    assert page.locator(f"{row} .project-code a.project-code-link").inner_text() == code
    # The approval issued the preliminary work plan with the code: the NDRC sees it at once.
    plan = page.locator(f"{row} + tr .action-feedback .work-plan-issued")
    assert plan.locator("li[data-task]").count() >= 1
    assert ("已下达前期工作计划" if lang == "zh" else "Preliminary work plan issued") in plan.inner_text()
    assert tab.errors == []


def test_the_ndrc_overview_comes_with_every_site_and_action_in_one_request(
        tab, live_server, client, login, demo_secret, applicant, spots):
    """The city's proposals, each with its actions (approve…) and its site on the map, come in the list's one
    request: no proposal's own detail is asked for."""
    proposal = under_review(client, login, applicant, spots, "一次请求列出操作测试")
    for department in ("construction", "natural_resources"):
        assert client.post(f"{API}/proposals/{proposal['id']}/opinions", headers=login(f"dept-{department}"),
                           json={"verdict": "agree"}).status_code == 201
    page = tab.page
    page.set_viewport_size(VIEWPORTS["desktop"])
    open_page(tab, f"{live_server}/ndrc?lang=zh")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    row = page.locator(f"tr[data-proposal-id='{proposal['id']}']")
    listed = client.get(f"{API}/proposals", headers=login("ndrc")).json()
    with proposal_details_refused(page) as details_asked:
        page.reload()  # logged in: the overview loads again
        row.locator("button[data-action=approve]").wait_for()  # eligible: approval offered
        assert page.locator("#ndrc-rows tr[data-proposal-id]").count() == len(listed)
        assert "一次请求列出操作测试" in row.inner_text()
        assert page.evaluate("() => document.querySelectorAll('.leaflet-overlay-pane path').length") >= len(listed)
        row.locator(".state-cell").click()  # the row zooms the map to its site
        page.wait_for_function("() => Blueprint.map().getZoom() >= 15")
    assert details_asked == []
    assert tab.errors == []


def test_the_review_page_downloads_the_report_and_prints_without_its_tools(
        tab, live_server, client, login, demo_secret, applicant, spots):
    proposal = under_review(client, login, applicant, spots, "打印报告测试")
    page = tab.page
    open_page(tab, f"{live_server}/proposals/{proposal['id']}/review?lang=en")
    log_in(tab, "dept-natural_resources", demo_secret("dept-natural_resources"))
    page.wait_for_selector("#report-actions:not(.d-none)")
    with page.expect_download() as download:
        page.click("#report-link")
    content = download.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Conflict screening report" in text and proposal["name"] in text

    page.emulate_media(media="print")
    for hidden in (".blueprint-nav", "#opinion-section", "#layer-panel", ".leaflet-control-container"):
        assert not page.locator(hidden).first.is_visible(), hidden
    for shown in ("#proposal-header h1", "#conflicts-section", "#opinions-section", ".folium-map"):
        assert page.locator(shown).first.is_visible(), shown
    pdf = page.pdf(format="A4")  # Chromium's own print of the page
    assert b"%PDF" in pdf[:8]
    page.emulate_media(media="screen")
    assert tab.errors == []


def test_a_refused_approval_offers_a_re_screening_that_asks_the_newly_concerned_department(
        tab, live_server, client, login, demo_secret, applicant, spots, engine, tmp_path):
    proposal = under_review(client, login, applicant, spots, "重新检测测试")
    for department in ("construction", "natural_resources"):
        assert client.post(f"{API}/proposals/{proposal['id']}/opinions", headers=login(f"dept-{department}"),
                           json={"verdict": "agree"}).status_code == 201
    site = shapely.geometry.shape(proposal["revisions"][0]["geometry"])
    flood = tmp_path / "flood.geojson"
    flood.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "重新检测洪涝区", "risk_level": "high"},
         "geometry": shapely.geometry.mapping(site.buffer(0.00003))}]}))
    import_layer(flood, "flood_risk", name=f"重新检测洪涝区 {uuid.uuid4().hex[:6]}", engine=engine)
    page = tab.page
    open_page(tab, f"{live_server}/ndrc")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    row = f"tr[data-proposal-id='{proposal['id']}']"
    page.wait_for_selector(f"{row} button[data-action=approve]")  # eligible on its stored screening
    page.click(f"{row} button[data-action=approve]")
    page.locator(f"{row} + tr [data-action=confirm-approve]").click()
    page.wait_for_selector(f"{row} + tr .refusal-reasons")
    assert "水利局" in page.inner_text(f"{row} + tr .refusal-reasons")
    page.click(f"{row} + tr button[data-action=rescreen]")
    page.wait_for_selector(f"{row} + tr .alert-success")
    detail = client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()
    assert "water" in detail["review"]["required"] and detail["project_code"] is None
    assert client.post(f"{API}/proposals/{proposal['id']}/opinions", headers=login("dept-water"),
                       json={"verdict": "agree"}).status_code == 201
    assert [error for error in tab.errors if "status of 409" not in error] == []  # the refusal itself
