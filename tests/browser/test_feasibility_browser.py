"""The joint feasibility review (可研联评联审) in headless Chromium, on the project's supervision page: the NDRC
convenes it with a PDF study, an invited department concludes in its page, the NDRC decides, and the study's
approval item shows as decided; at 390 px in English too. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from login_page import log_in
from sqlalchemy import text
from test_supervision_support import PDF, SECRET, legacy_project, people  # noqa: F401  (people is a fixture)

from data.samples.history import moment
from projects.clock import replaying
from projects.supervision.work_plan import issue_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def project(engine, people) -> str:  # noqa: F811
    """A government-invested project with its work plan issued on 2025-02-24."""
    code = legacy_project(engine, people, category="financial", total=8000, name="联审页面测试道路工程")
    with engine.begin() as connection:
        proposal_id = connection.execute(text("SELECT id FROM proposals WHERE project_code = :c"),
                                         {"c": code}).scalar_one()
        with replaying(moment(dt.date(2025, 2, 24))):
            issue_plan(connection, people.accounts["ndrc"], proposal_id, "01", "financial")
    return code


def open_as(tab, base: str, code: str, username: str, language: str = "zh") -> None:
    tab.page.goto(f"{base}/supervision/projects/{code}?lang={language}")
    tab.page.wait_for_load_state("networkidle")
    log_in(tab, username, SECRET)
    tab.page.wait_for_selector("#feasibility:not(.d-none)")


def test_the_ndrc_convenes_a_department_concludes_and_the_ndrc_decides(open_tab, live_server, project) -> None:
    ndrc = open_tab()
    open_as(ndrc, live_server, project, "sv-ndrc")
    page = ndrc.page
    assert page.locator("#work-plan tr[data-task='feasibility_study']").count() == 1
    assert "编制并报批可行性研究报告" in page.inner_text("#work-plan")
    page.set_input_files("#fs-study", {"name": "可行性研究报告.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.fill("#fs-received", "2025-03-03")
    page.fill("#fs-meeting", "2025-03-10")
    page.check("#fs-invite-natural_resources")
    page.check("#fs-invite-construction")
    page.click("#fs-convene-submit")
    page.wait_for_selector(".fs-review")
    assert page.is_hidden("#feasibility-convene") and page.is_hidden("#feasibility-decide")
    assert "待提出" in page.inner_text("#feasibility tr[data-department='construction']")
    ndrc.screenshot("feasibility-convened")

    for username, conclusion, changes in (("sv-natural_resources", "agree", None),
                                          ("sv-construction", "agree_with_changes", "补充海绵城市设计专篇")):
        department = open_tab()
        open_as(department, live_server, project, username)
        department.page.wait_for_selector("#feasibility-conclude:not(.d-none)")
        department.page.check(f"#fs-conclusion-{conclusion}")
        if changes:
            department.page.fill("#fs-conclude-changes", changes)
        department.page.click("#fs-conclude-submit")
        department.page.wait_for_selector("#feasibility-conclude.d-none", state="attached")
        assert department.errors == []
    assert "修改后同意" in department.page.inner_text("#feasibility tr[data-department='construction']")
    department.screenshot("feasibility-concluded")

    page.reload()
    page.wait_for_selector("#feasibility-decide:not(.d-none)")
    assert page.input_value("#fs-decide-changes") == "补充海绵城市设计专篇"
    page.check("#fs-decision-approve_with_changes")
    page.fill("#fs-decided-on", "2025-03-12")
    page.click("#fs-decide-submit")
    page.wait_for_selector(".fs-decision[data-decision='approve_with_changes']")
    row = page.locator("#item-rows tr", has_text="可行性研究报告审批")
    row.wait_for()
    assert "2025-03-12" in row.inner_text()
    assert page.locator("#work-plan tr[data-task='feasibility_study'][data-state='decided']").count() == 1
    ndrc.screenshot("feasibility-decided")
    assert ndrc.errors == []


def test_the_review_reads_in_english_on_a_phone(open_tab, live_server, project) -> None:
    phone = open_tab(width=390, language="en")
    open_as(phone, live_server, project, "sv-construction", "en")
    text_shown = phone.page.inner_text("#feasibility")
    assert "Joint feasibility review" in text_shown and "Preliminary work plan" in phone.page.inner_text("#work-plan")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone.screenshot("feasibility-phone-en")
    assert phone.errors == []
