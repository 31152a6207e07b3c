"""Stopping an item's clock in the browser: the responsible department suspends an open item on a legal ground,
sees the stopped span on the Gantt chart, resumes it and reads the moved due date — at 390 px in Chinese and at
1440 px in English; and an admin enters a year's holiday notice, its problems shown on the form."""

from __future__ import annotations

import datetime as dt

import pytest
from login_page import log_in as sign_in
from sqlalchemy import text
from test_supervision_support import API, SECRET, legacy_project, open_item, people  # noqa: F401

from projects.clock import beijing_today

pytestmark = pytest.mark.browser
NOTICE_YEAR = 2032  # far past any package release and no other test's year


def wide(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") > page.evaluate("window.innerWidth") + 1


@pytest.mark.parametrize(("width", "language"), [(390, "zh"), (1440, "en")])
def test_a_department_suspends_on_a_ground_sees_the_span_and_resumes(
        open_tab, live_server, client, people, engine, width, language) -> None:  # noqa: F811
    today = beijing_today()
    accepted = today - dt.timedelta(days=40)
    code = legacy_project(engine, people, name=f"页面暂停计时测试项目{width}")
    item = open_item(client, people, "ecology_environment", code, "eia_approval", accepted.isoformat())
    due_before = item["clock"]["due"]
    tab = open_tab(width=width, language=language)
    page = tab.page
    page.goto(f"{live_server}/supervision/projects/{code}?lang={language}")
    sign_in(tab, "sv-ecology_environment", SECRET)
    form = f"#item-clocks form[data-item='{item['id']}']"
    page.wait_for_selector(f"{form}[data-action='suspension']")
    assert not wide(page)
    # No ground chosen: the API's problem, in the page's language, on the ground's field.
    page.fill(f"#clock-{item['id']}-reason", "组织专家评审")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"#clock-{item['id']}-ground.is-invalid")
    problem = page.inner_text(f"#clock-{item['id']}-problem")
    assert ("请选择暂停计时的法定事由" in problem) if language == "zh" else ("name the legal ground" in problem)
    page.select_option(f"#clock-{item['id']}-ground", "expert_review")
    page.fill(f"#clock-{item['id']}-suspended_on", (accepted + dt.timedelta(days=3)).isoformat())
    page.click(f"{form} button[type=submit]")
    span = f"#gantt rect.sv-suspended-span[data-item='{item['id']}']"
    page.wait_for_selector(span, state="attached")
    assert page.get_attribute(span, "data-ground") == "expert_review"
    hover = page.text_content(f"{span} title")
    assert ("专家评审" in hover) if language == "zh" else ("expert review" in hover)
    words = page.text_content(f"#gantt .sv-gantt-text li[data-item='{item['id']}']")
    assert ("暂停计时" in words) if language == "zh" else ("clock stopped since" in words)
    resume = f"{form}[data-action='resumption']"
    page.wait_for_selector(resume)
    resumed_on = accepted + dt.timedelta(days=17)
    page.fill(f"#clock-{item['id']}-resumed_on", resumed_on.isoformat())
    page.click(f"{resume} button[type=submit]")
    page.wait_for_selector(f"#item-clocks form[data-item='{item['id']}'][data-action='suspension']")
    after = client.get(f"{API}/items/{item['id']}", headers=people["ecology_environment"]).json()
    due_after = after["clock"]["due"]
    assert due_after > due_before and after["suspensions"][0]["resumed_on"] == resumed_on.isoformat()
    assert due_after in page.inner_text(f"#item-rows tr[data-item='{item['id']}']")
    assert due_after in page.inner_text("#item-clock-status")
    assert page.locator(span).count() == 1 and not wide(page)
    tab.screenshot(f"clocks-suspend-{width}-{language}")
    assert [error for error in tab.errors if "status of 422" not in error] == []  # the refusal itself


@pytest.fixture
def no_notice(engine):
    yield
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM calendar_notices WHERE year = :y"), {"y": NOTICE_YEAR})


@pytest.mark.parametrize(("width", "language"), [(1440, "zh"), (390, "en")])
def test_an_admin_enters_a_holiday_notice_and_sees_the_apis_problems_on_the_form(
        open_tab, live_server, people, no_notice, width, language) -> None:  # noqa: F811
    tab = open_tab(width=width, language=language)
    page = tab.page
    page.goto(f"{live_server}/supervision/calendar?lang={language}")
    page.wait_for_selector("#calendar-years tr[data-year]")
    assert page.is_visible("#notice-admin-only")
    sign_in(tab, "sv-admin", SECRET)
    assert page.locator("#notice-admin-only").count() == 0
    page.fill("#notice-year", str(NOTICE_YEAR))
    page.fill("#notice-title", f"国务院办公厅关于{NOTICE_YEAR}年部分节假日安排的通知（页面测试）")
    page.fill("#notice-published_on", f"{NOTICE_YEAR - 1}-11-12")
    page.fill("#holiday-rows li:nth-child(1) input[type=date]", f"{NOTICE_YEAR}-01-01")
    page.fill("#holiday-rows li:nth-child(1) input[type=text]", "元旦")
    page.click("#add-holiday")
    page.fill("#holiday-rows li:nth-child(2) input[type=date]", f"{NOTICE_YEAR - 1}-12-31")  # not in the year
    page.click("#add-workday")
    page.fill("#workday-rows li:nth-child(1) input[type=date]", f"{NOTICE_YEAR}-01-05")  # a Monday
    page.click("#notice-save")
    page.wait_for_selector("#notice-holidays.border-danger")
    message = page.inner_text("#notice-message")
    assert f"{NOTICE_YEAR - 1}-12-31" in message and (("未保存" in message) if language == "zh" else
                                                       ("Not saved" in message))
    page.click("#holiday-rows li:nth-child(2) button")
    page.click("#notice-save")
    page.wait_for_selector("#notice-workdays.border-danger")
    assert f"{NOTICE_YEAR}-01-05" in page.inner_text("#notice-message")
    page.fill("#workday-rows li:nth-child(1) input[type=date]", f"{NOTICE_YEAR}-01-04")  # a Sunday
    page.click("#add-holiday")
    page.click("#notice-save")  # the new row's date is blank: pydantic's problem, on that input
    page.wait_for_selector("#holiday-rows li:nth-child(2) input.is-invalid")
    page.click("#holiday-rows li:nth-child(2) button")
    page.click("#notice-save")
    page.wait_for_selector("#notice-message .alert-success")
    assert str(NOTICE_YEAR) in page.inner_text("#notice-message")
    page.wait_for_selector(f"#calendar-notices tr[data-year='{NOTICE_YEAR}']")
    assert "1 / 1" in page.inner_text(f"#calendar-notices tr[data-year='{NOTICE_YEAR}']")
    assert not wide(page)
    tab.screenshot(f"clocks-holiday-notice-{width}-{language}")
    assert [error for error in tab.errors if "status of 422" not in error] == []  # the refusals themselves


@pytest.mark.parametrize(("width", "language", "words"), [(1440, "zh", "暂定：缺少节假日数据"),
                                                          (390, "en", "provisional: no holiday data")])
def test_a_due_date_in_a_year_without_holiday_data_is_provisional_in_words_on_every_page(
        open_tab, live_server, client, people, engine, width, language, words) -> None:  # noqa: F811
    today = beijing_today()
    code = legacy_project(engine, people, name=f"页面暂定期限测试项目{width}")
    with engine.begin() as connection:
        # A long limit (as a synchronised record may carry), so that the stopped clock's due date lies months on.
        item_id = connection.execute(text(
            "INSERT INTO approval_items (proposal_id, item_type, stage, department, accepted_on, limit_working_days) "
            "SELECT id, 'eia_approval', 'land_use_planning', 'ecology_environment', :a, 60 FROM proposals "
            "WHERE project_code = :c RETURNING id"), {"a": today - dt.timedelta(days=10), "c": code}).scalar_one()
    who = people["ecology_environment"]
    stopped = client.post(f"{API}/items/{item_id}/suspension", headers=who, json={
        "suspended_on": (today - dt.timedelta(days=9)).isoformat(), "ground": "hearing", "reason": "组织听证"})
    assert stopped.status_code == 200, stopped.text
    if not stopped.json()["clock"]["provisional"]:
        pytest.skip("today is too far from the calendar package's last year for a provisional due date")
    tab = open_tab(width=width, language=language)
    page = tab.page
    page.goto(f"{live_server}/supervision/projects/{code}?lang={language}")
    sign_in(tab, "sv-ecology_environment", SECRET)
    page.wait_for_selector(f"#item-rows tr[data-item='{item_id}'] .sv-badge-provisional")
    assert words in page.inner_text(f"#item-rows tr[data-item='{item_id}']")
    assert words in page.text_content(f"#gantt .sv-gantt-text li[data-item='{item_id}']")
    assert words in page.inner_text(f"#item-clocks article[data-item='{item_id}']")
    page.goto(f"{live_server}/supervision?lang={language}")
    row = f"#attention-items tr[data-item='{item_id}']"
    page.wait_for_selector(row)
    assert page.get_attribute(row, "data-status") == "suspended" and words in page.inner_text(row)
    assert not wide(page)
    assert tab.errors == []
