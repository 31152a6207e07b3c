"""The year boundary: chinese-calendar knows working days only up to its last year (2026 for 1.11). A due date
in 2027 is provisional on every surface that shows it — the item, the project page and its timeline, the
department list, the dashboard, the feed — until an admin enters the State Council notice for 2027; then it
is exact, and moves by the holidays the notice names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text
from test_supervision_support import API, legacy_project, people  # noqa: F401

from projects.supervision.clocks import ItemTimes, item_clock
from projects.supervision.workdays import PACKAGE_YEARS, NoticeYear, WorkingCalendar

NEXT = PACKAGE_YEARS[-1] + 1
NOTICE = {"title": f"国务院办公厅关于{NEXT}年部分节假日安排的通知（测试）", "published_on": f"{NEXT - 1}-11-10",
          "holidays": [{"date": f"{NEXT}-01-01", "name": "元旦"}], "workdays": []}

pytestmark = pytest.mark.skipif(NEXT != 2027, reason="the dates below are those of a package ending with 2026")


@pytest.fixture
def no_notice_for_next_year(engine: Engine) -> Iterator[None]:
    """The test enters next year's notice; other tests count on that year having none, so it goes again."""
    yield
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM calendar_notices WHERE year = :y"), {"y": NEXT})


def test_a_december_acceptance_is_provisional_until_the_notice_names_new_years_day() -> None:
    # 2026-12-15 (Tue) + 20 working days: 12 in December, then Fri 01-01, 01-04 … 01-08 and 01-11, 01-12.
    item = ItemTimes("eia_approval", date(2026, 12, 15), 20, None, None)
    before = item_clock(WorkingCalendar(), item, date(2026, 12, 20))
    assert (before["due"], before["provisional"], before["years_without_data"]) == ("2027-01-12", True, [2027])
    assert "2027" in before["provisional_reason"]["zh"] and "Monday to Friday" in before["provisional_reason"]["en"]
    notice = NoticeYear(2027, {date(2027, 1, 1): "元旦"}, frozenset())
    after = item_clock(WorkingCalendar({2027: notice}), item, date(2026, 12, 20))
    assert (after["due"], after["provisional"]) == ("2027-01-13", False)


def _every_clock(client: Any, people: Any, code: str, item_id: int) -> list[dict[str, Any]]:  # noqa: F811
    """The item's clock as each surface shows it (as of 2027-01-11, when it is due soon)."""
    as_of = {"as_of": "2027-01-11"}
    who = people["ecology_environment"]
    item = client.get(f"{API}/items/{item_id}", headers=who, params=as_of).json()["clock"]
    timeline = client.get(f"{API}/projects/{code}/timeline", headers=who, params=as_of).json()
    on_page = [i["clock"] for s in timeline["approvals"]["stages"] for i in s["items"] if i["id"] == item_id]
    listed = client.get(f"{API}/deadlines", headers=who, params=as_of).json()["departments"][0]["due_soon"]
    board = client.get(f"{API}/dashboard", headers=people["ndrc"], params=as_of).json()["attention_items"]
    return [item, *on_page, *[i for i in listed if i["item_id"] == item_id],
            *[i for i in board if i["item_id"] == item_id]]


def test_every_surface_marks_the_date_provisional_and_the_notice_makes_it_exact(
        client, people, engine, no_notice_for_next_year) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="跨年时限测试项目")
    with engine.begin() as connection:
        # Accepted 2026-12-15 with a 20-day limit, after the machine's today (2026-12-01) when this was written: the
        # services refuse a future acceptance, so the row is written as a synchronised record would be.
        item_id = connection.execute(text(
            "INSERT INTO approval_items (proposal_id, item_type, stage, department, accepted_on, limit_working_days) "
            "SELECT id, 'eia_approval', 'land_use_planning', 'ecology_environment', '2026-12-15', 20 "
            "FROM proposals WHERE project_code = :c RETURNING id"), {"c": code}).scalar_one()
    before = _every_clock(client, people, code, item_id)
    assert len(before) == 4 and all(c["due"] == "2027-01-12" and c["provisional"] for c in before)
    assert all(c["years_without_data"] == [2027] and "2027" in c["provisional_reason"]["en"] for c in before)
    exported = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"]).json()
    assert (exported["items"][0]["due_on"], exported["items"][0]["due_provisional"]) == ("2027-01-12", True)
    assert client.put(f"{API}/calendar/{NEXT}", json=NOTICE, headers=people["admin"]).status_code == 200
    after = _every_clock(client, people, code, item_id)
    assert len(after) == 4 and all(c["due"] == "2027-01-13" and not c["provisional"] for c in after)
    assert all("provisional_reason" not in c for c in after)
    again = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"]).json()
    assert (again["version"], again["items"][0]["due_on"], again["items"][0]["due_provisional"]) == (
        2, "2027-01-13", False)
