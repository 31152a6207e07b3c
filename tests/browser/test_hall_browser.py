"""The intermediary hall in headless Chromium, as the people who use it: a project unit, on a phone, posts a
commission on its coded sample project and draws a provider with its own seed; the drawn provider, at a desk,
accepts and delivers; the unit rates the result and finds the commission time on its project's page.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from login_page import log_in
from sqlalchemy import text

from projects.hall.commissions import draw_provider

pytestmark = pytest.mark.browser
SEED = "浏览器测试种子"


@pytest.fixture(scope="module")
def unit(engine, loaded_samples, demo_secrets_file) -> dict:
    """A sample project unit (demo login) with a coded project (not another test's applicant)."""
    from data.samples.load import demo_secrets

    secrets = demo_secrets(demo_secrets_file)
    with engine.connect() as connection:
        username, code = connection.execute(text(
            "SELECT a.username, p.project_code FROM proposals p JOIN accounts a ON a.id = p.owner_id "
            "WHERE p.project_code IS NOT NULL AND a.username = ANY(:demo) "
            "ORDER BY p.coded_at DESC LIMIT 1"), {"demo": [u for u in secrets if u.startswith("applicant-")]}).one()
    return {"username": username, "secret": secrets[username], "code": code}


def _status(page, card: str, status: str) -> None:
    page.wait_for_selector(f"#{card}[data-status='{status}']")


def test_a_unit_draws_a_provider_which_delivers_and_the_unit_rates(open_tab, live_server, unit, engine,
                                                                   demo_secret) -> None:
    phone = open_tab(width=390, language="zh")
    page = phone.page
    page.goto(f"{live_server}/hall/commissions?lang=zh")
    log_in(phone, unit["username"], unit["secret"])
    page.wait_for_selector("#post-commission:not(.d-none)")
    page.select_option("#post-project", unit["code"])
    page.select_option("#post-type", "environmental_assessment")
    page.fill("#post-description", "环境影响报告表编制")
    page.wait_for_selector("#commission-list article, #commission-list .alert")
    before = page.locator("#commission-list article").count()
    page.click("#post-submit")
    page.locator("#commission-list article").nth(before).wait_for()
    card = page.eval_on_selector("#commission-list article", "a => a.id")
    commission_id = int(card.removeprefix("commission-"))
    assert "环境影响评价" in page.inner_text(f"#{card} h3")
    page.wait_for_selector(f"#{card} .hall-candidates table")  # the eligible providers, for a direct choice
    page.fill(f"#seed-{commission_id}", SEED)
    page.click(f"#{card} [data-draw] button[type=submit]")
    _status(page, card, "chosen")
    assert page.inner_text(f"#{card} .hall-seed") == SEED
    drawn = page.inner_text(f"#{card} .hall-provider")
    phone.screenshot("hall-drawn-phone")
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT c.provider_id, c.candidates, s.name, a.username FROM commissions c "
            "JOIN service_providers s ON s.id = c.provider_id "
            "JOIN accounts a ON a.credit_code = s.credit_code AND a.role = 'provider' WHERE c.id = :id"),
            {"id": commission_id}).one()
        blacklisted = connection.execute(text(
            "SELECT s.id FROM service_providers s JOIN credit_list b ON b.credit_code = s.credit_code "
            "AND b.list_kind = 'black'")).scalars().all()
    assert row.name == drawn and row.provider_id == draw_provider(SEED, row.candidates)
    assert not set(blacklisted) & set(row.candidates)

    desk = open_tab(width=1440, language="zh")
    desk.page.goto(f"{live_server}/hall/commissions?lang=zh")
    log_in(desk, row.username, demo_secret(row.username))
    desk.page.click(f"#{card} [data-accept]")
    _status(desk.page, card, "accepted")
    desk.page.fill(f"#note-{commission_id}", "建设项目环境影响报告表（送审稿）")
    desk.page.click(f"#{card} [data-deliver] button[type=submit]")
    _status(desk.page, card, "delivered")
    assert "按时提交" in desk.page.inner_text(f"#{card} .hall-clock")
    desk.screenshot("hall-delivered-desk")

    page.reload()
    page.wait_for_selector(f"#{card}[data-status='delivered'] [data-rate]")
    page.select_option(f"#rating-{commission_id}", "4")
    page.fill(f"#comment-{commission_id}", "报告内容完整，按时提交")
    page.click(f"#{card} [data-rate] button[type=submit]")
    _status(page, card, "rated")
    assert "4/5" in page.inner_text(f"#{card}")
    phone.screenshot("hall-rated-phone")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT rating FROM commissions WHERE id = :id"),
                                  {"id": commission_id}).scalar_one() == 4
    # the project's supervision page shows the commission time beside the departments' time
    page.goto(f"{live_server}/supervision/projects/{unit['code']}?lang=zh")
    page.wait_for_selector("#commission-times:not(.d-none) table")
    times = page.inner_text("#commission-times")
    assert "部门审批用时" in times and "中介服务用时" in times and "已评价" in times


def test_the_hall_lists_providers_by_service_type_and_filters_them(tab, live_server) -> None:
    page = tab.page
    page.goto(f"{live_server}/hall?lang=en")
    page.wait_for_selector("#type-environmental_assessment")
    assert page.locator("#hall-providers section").count() == 7
    page.select_option("#filter-type", "environmental_assessment")
    page.check("#filter-eligible")
    page.click("#hall-filters button[type=submit]")
    page.wait_for_selector("#type-survey", state="detached")
    assert page.locator("#hall-providers section").count() == 1
    listed = page.inner_text("#hall-providers")
    assert "海沧环境咨询有限公司（示例）" in listed and "翔安环评技术有限公司（示例）" not in listed
    assert "sample" in listed
    tab.screenshot("hall-filtered")
