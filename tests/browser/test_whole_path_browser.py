"""The whole path in headless Chromium: an applicant's site drawn in CAD (DXF, CGCS2000 / 3-degree
Gauss-Krüger 117°E, EPSG:4548) is submitted; two departments give their opinions in the review page, one
objecting and then agreeing after the site is revised; the NDRC reads why it cannot approve while the
objection stands, then approves after a confirmation and gets the code; the PDF report holds the code and
the site's areas. Every step is taken in the pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import shapely
from pypdf import PdfReader
from pyproj import Transformer
from test_browser_maps import log_in
from test_fresh_approval import SECRET, applicant_account
from test_site_files import red_line_dxf
from test_supervision_support import clean_sites

from gis.area import M2_PER_MU

pytestmark = pytest.mark.browser

API = "/api/v1"
TO_GAUSS_KRUGER = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)


class Person:
    """One person's browser: own context (own session), the errors its page reports."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")


@contextmanager
def person(chromium, live_server: str, secret_of, username: str, path: str) -> Iterator[Person]:
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    try:
        who = Person(context.new_page())
        who.page.goto(f"{live_server}{path}")
        who.settle()
        log_in(who, username, secret_of(username))
        yield who
        assert who.errors == []
    finally:
        context.close()


def dxf_site(site_wgs84: shapely.Geometry, path: Path) -> str:
    """The site as a design institute hands it over: a closed polyline in a DXF drawing in EPSG:4548 metres
    (no CRS inside)."""
    drawn = shapely.transform(site_wgs84, lambda xy: np.column_stack(TO_GAUSS_KRUGER.transform(xy[:, 0], xy[:, 1])))
    return str(red_line_dxf(path, drawn))


def upload_site(who: Person, drawing: str) -> None:
    """Upload a DXF red line in EPSG:4548 on the proposal page and wait for its screening."""
    page = who.page
    page.set_input_files("#site-file", drawing)
    page.select_option("#site-crs", "EPSG:4548")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/screenings")):
        page.click("#site-upload")
    page.wait_for_selector("#screening-words")


def give_opinion(who: Person, verdict: str, reason: str | None = None) -> None:
    page = who.page
    page.wait_for_selector("#opinion-form:not(.d-none)")
    page.check(f"#verdict-{verdict}")
    if reason:
        page.fill("#opinion-reason", reason)
    page.click("#opinion-submit")
    page.wait_for_selector("#opinion-message .alert-success")


def test_from_a_cad_site_to_a_project_code_and_its_report(chromium, live_server, client, login, demo_secret,
                                                         engine, loaded_samples, tmp_path):
    applicant_account(client, login, engine, "applicant-whole-path", 70051)
    spots = (shapely.geometry.shape(site) for site in clean_sites(engine))
    first, revised = next(spots), next(spots)

    def secret_of(username: str) -> str:
        return SECRET if username == "applicant-whole-path" else demo_secret(username)

    def as_(username: str, path: str):
        return person(chromium, live_server, secret_of, username, path)

    with as_("applicant-whole-path", "/proposals/new") as applicant:
        page = applicant.page
        page.wait_for_selector("#proposal-form:not(.d-none)")
        page.fill("#field-name", "同安区全流程测试项目")
        page.select_option("#field-project_type", "01")
        page.fill("#field-industry", "O80")
        page.select_option("#field-land_use", "07")
        page.fill("#field-total_investment_wan", "2600")
        page.select_option("#field-funding_source", "fiscal")
        page.select_option("#field-investment_category", "financial")
        page.select_option("#field-district_code", "350203")
        upload_site(applicant, dxf_site(first, tmp_path / "红线图.dxf"))
        page.click("#proposal-save")
        page.wait_for_url("**/proposals/*/edit*")
        proposal_id = int(page.url.split("/proposals/")[1].split("/")[0])
        page.wait_for_selector("#apply-note")
        page.click("#proposal-submit")
        page.wait_for_function("() => document.getElementById('proposal-state').textContent === '已提交'")
    assert client.post(f"{API}/proposals/{proposal_id}/actions", json={"action": "start_review"},
                       headers=login("ndrc")).status_code == 200
    review = f"/proposals/{proposal_id}/review"

    with as_("dept-construction", review) as construction:
        give_opinion(construction, "agree")
    with as_("dept-natural_resources", review) as planning:
        give_opinion(planning, "object", "选址占用规划道路红线，请调整")
        # the list is drawn again once the opinion is saved
        planning.page.locator("#opinions").get_by_text("选址占用规划道路红线，请调整").wait_for()

    with as_("ndrc", "/ndrc") as ndrc:
        row = f"tr[data-proposal-id='{proposal_id}']"
        ndrc.page.wait_for_selector(row)
        assert ndrc.page.locator(f"{row} button[data-action=approve]").count() == 0
        refusal = ndrc.page.inner_text(f"{row} .blockers")
        assert "自然资源和规划局不同意：选址占用规划道路红线，请调整" in refusal

    with as_("applicant-whole-path", f"/proposals/{proposal_id}/edit") as applicant:
        upload_site(applicant, dxf_site(revised, tmp_path / "红线图-修改.dxf"))
        with applicant.page.expect_response(lambda r: r.url.endswith(f"/proposals/{proposal_id}/sites")) as saved:
            applicant.page.click("#proposal-save")
        assert saved.value.status == 201
        applicant.page.wait_for_selector("#apply-note")

    with as_("dept-natural_resources", review) as planning:
        give_opinion(planning, "agree")

    with as_("ndrc", "/ndrc") as ndrc:
        page = ndrc.page
        row = f"tr[data-proposal-id='{proposal_id}']"
        page.wait_for_selector(f"{row} .eligibility.eligible")
        page.click(f"{row} button[data-action=approve]")
        confirmation = page.locator(f"{row} + tr .approve-confirmation")
        assert "同安区全流程测试项目" in confirmation.inner_text() and "思明区" in confirmation.inner_text()
        confirmation.locator("[data-action=confirm-approve]").click()
        link = page.locator(f"{row} + tr a.project-code-link")
        link.wait_for()
        code = link.inner_text()
        assert len(code) == 24 and link.get_attribute("href").startswith(f"/supervision/projects/{code}")

        page.goto(f"{live_server}{review}")
        page.wait_for_selector("#report-actions:not(.d-none)")
        with page.expect_download() as download:
            page.click("#report-link")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)

    detail = client.get(f"{API}/proposals/{proposal_id}", headers=login("ndrc")).json()
    assert detail["project_code"] == code
    area = detail["revisions"][-1]["area_m2"]
    assert code in text
    assert f"{area:,.2f} m²" in text and f"{area / M2_PER_MU:,.2f} 亩" in text
    assert "选址占用规划道路红线，请调整" in text and "已失效" in text  # the objection, superseded
    assert "批准赋码" in text
