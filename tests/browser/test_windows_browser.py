"""The one-window page in headless Chromium: a district window (翔安区) accepts an application for a city bureau,
uploads a material, is refused when forwarding to the wrong department, forwards it and sees it in its work
list (on a phone); the bureau sees it with the window's name and receives it (on a desktop, in English).
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from login_page import log_in
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    PDF,
    SECRET,
    decide,
    legacy_project,
    open_item,
    people,
)

from projects.accounts import account_by_username
from projects.supervision.windows import create_window_account

pytestmark = pytest.mark.browser
DESK = "sv-window-xiangan"


@pytest.fixture(scope="module")
def project(client, people, engine) -> str:  # noqa: F811
    """A coded project whose project approval is decided, and a window account at 翔安区."""
    with engine.begin() as connection:
        if account_by_username(connection, DESK) is None:
            create_window_account(connection, username=DESK, secret=SECRET, window_slug="xiangan")
    code = legacy_project(engine, people, name="窗口页面测试项目")
    approval = open_item(client, people, "ndrc", code, "project_approval", "2025-03-03")
    decide(client, people, "ndrc", approval["id"], "2025-03-05", f"厦发改审批〔2025〕{approval['id']}号")
    return code


def test_a_district_window_accepts_for_a_city_bureau_which_receives_it(open_tab, live_server, project) -> None:
    desk = open_tab(width=390)
    page = desk.page
    page.goto(f"{live_server}/windows")
    log_in(desk, DESK, SECRET)
    page.wait_for_selector("#win-accept:not([hidden])")
    assert page.inner_text("#win-desk") == "翔安区行政服务中心"
    page.fill("#win-code", project)
    page.select_option("#win-item", "site_selection_opinion")
    page.fill("#win-accepted-on", "2025-03-10")
    page.fill("#win-contact", "陈先生 0592-5123456")
    page.click("#win-accept-submit")
    entry = page.locator(".win-entry", has_text=project)
    entry.wait_for()
    assert "已受理，待转交" in entry.inner_text() and "自然资源和规划局" in entry.inner_text()
    assert "期限2025-03-24" in entry.inner_text()  # 10 working days from the window's day
    entry.locator("input[type=file]").set_input_files(
        {"name": "用地预审申请表.pdf", "mimeType": "application/pdf", "buffer": PDF})
    entry.locator("form[data-action=upload] button[type=submit]").click()
    entry.locator("a[download]", has_text="用地预审申请表.pdf").wait_for()
    entry.locator("select[name=department]").select_option("water")
    entry.locator("input[name=forwarded_on]").fill("2025-03-11")
    entry.locator("form[data-action=forward] button").click()
    entry.locator("[data-error]:not(:empty)").wait_for()
    assert "应转交厦门市自然资源和规划局" in entry.locator("[data-error]").inner_text()
    entry.locator("select[name=department]").select_option("natural_resources")
    entry.locator("form[data-action=forward] button").click()
    entry.locator(".win-status-forwarded").wait_for()
    assert "已转交，待签收" in entry.inner_text()
    desk.screenshot("windows-work-list-390")
    # the browser logs the refused forwarding's 422; nothing else went wrong
    assert [error for error in desk.errors if "422" not in error] == []
    page.goto(f"{live_server}/")  # the city map: a window has no proposals of its own, and asks for none
    page.wait_for_selector("#proposals-section.d-none", state="attached")
    desk.settle()
    assert [r.url for r in desk.responses if "/api/v1/proposals" in r.url] == []
    assert [error for error in desk.errors if "422" not in error] == []

    bureau = open_tab(width=1440, language="en")
    page = bureau.page
    page.goto(f"{live_server}/queue?lang=en")
    log_in(bureau, "sv-natural_resources", SECRET)
    page.click("#queue-windows")  # from its review queue to what the windows accepted for it
    page.wait_for_url("**/windows?lang=en")
    incoming = page.locator(".win-entry", has_text=project)
    incoming.wait_for()
    assert "Xiang'an District Administrative Service Center" in incoming.inner_text()
    assert incoming.locator("a[download]", has_text="用地预审申请表.pdf").count() == 1
    incoming.locator("input[name=received_on]").fill("2025-03-12")
    incoming.locator("form[data-action=receive] button").click()
    incoming.locator(".win-status-received").wait_for()
    assert "received on 2025-03-12" in incoming.inner_text()
    bureau.screenshot("windows-incoming-1440-en")
    assert bureau.errors == []
