"""Suspended clocks (暂停计时) of approval items: the stopped working days count neither as used nor towards
the due date; only the responsible department suspends and resumes, one suspension at a time, never on a
decided item, and a suspended item is resumed before it is decided. The department's list names it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from test_supervision_support import API, decide, legacy_project, open_item, people  # noqa: F401

from projects.supervision.clocks import ItemTimes, item_clock, total_clock
from projects.supervision.workdays import WorkingCalendar

CALENDAR = WorkingCalendar()


def test_a_suspension_moves_the_due_date_by_its_working_days_and_stops_the_count() -> None:
    # 2025-03-03 is a Monday: 10 working days end on Monday 03-17; a stop over 03-05 (Wed) to 03-07 (Fri)
    # leaves out Thu and Fri, so the limit ends two working days later, on Wednesday 03-19.
    plain = ItemTimes("site_selection_opinion", date(2025, 3, 3), 10, None, None)
    stopped = ItemTimes("site_selection_opinion", date(2025, 3, 3), 10, None, None,
                        ((date(2025, 3, 5), date(2025, 3, 7)),))
    assert item_clock(CALENDAR, plain, date(2025, 3, 18))["status"] == "overdue"
    clock = item_clock(CALENDAR, stopped, date(2025, 3, 18))
    assert clock["due"] == "2025-03-19" and clock["status"] in ("running", "due_soon")
    assert clock["used_working_days"] == 9 and clock["suspended_working_days"] == 2


def test_a_lasting_suspension_shows_as_suspended_and_its_days_leave_the_total() -> None:
    lasting = ItemTimes("eia_approval", date(2025, 3, 3), 15, None, None, ((date(2025, 3, 5), None),))
    clock = item_clock(CALENDAR, lasting, date(2025, 4, 30))
    assert clock["status"] == "suspended" and clock["suspended_since"] == "2025-03-05"
    assert clock["used_working_days"] == 2 and clock["remaining_working_days"] == 13
    total = total_clock(CALENDAR, [lasting], "small_social", date(2025, 4, 30))
    assert total["used_working_days"] == 2


def test_the_department_suspends_and_resumes_and_decides_only_a_running_clock(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停计时测试项目")
    item = open_item(client, people, "ecology_environment", code, "eia_approval", "2025-03-03")
    url = f"{API}/items/{item['id']}"
    body = {"suspended_on": "2025-03-05", "ground": "expert_review", "reason": "组织专家技术评审"}
    assert client.post(f"{url}/suspension", headers=people["water"], json=body).status_code == 403
    early = client.post(f"{url}/suspension", headers=people["ecology_environment"],
                        json={**body, "suspended_on": "2025-03-01"})
    assert early.status_code == 422 and early.json()["field"] == "suspended_on"
    unknown = client.post(f"{url}/suspension", headers=people["ecology_environment"], json={**body, "ground": "nap"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "ground"
    suspended = client.post(f"{url}/suspension", headers=people["ecology_environment"], json=body)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["clock"]["status"] == "suspended"
    assert suspended.json()["suspensions"][0]["zh"] == "专家评审"
    assert "第四十五条" in suspended.json()["suspensions"][0]["article_zh"]
    again = client.post(f"{url}/suspension", headers=people["ecology_environment"], json=body)
    assert again.status_code == 409
    while_stopped = client.post(f"{url}/decision", headers=people["ecology_environment"],
                                json={"decided_on": "2025-03-20", "result": "approved"})
    assert while_stopped.status_code == 409 and "resume" in while_stopped.json()["detail"]
    before = client.post(f"{url}/resumption", headers=people["ecology_environment"], json={"resumed_on": "2025-03-04"})
    assert before.status_code == 422 and before.json()["field"] == "resumed_on"
    resumed = client.post(f"{url}/resumption", headers=people["ecology_environment"], json={"resumed_on": "2025-03-14"})
    assert resumed.status_code == 200, resumed.text
    # Seven working days stopped (03-06 … 03-14): 15 working days from 03-03 end on 04-02, not on 03-24.
    assert resumed.json()["clock"]["due"] == "2025-04-02" and resumed.json()["suspensions"][0]["resumed_on"]
    decided = decide(client, people, "ecology_environment", item["id"], "2025-03-28", None)
    assert decided["clock"]["status"] == "on_time"
    late = client.post(f"{url}/suspension", headers=people["ecology_environment"],
                       json={**body, "suspended_on": "2025-03-29"})
    assert late.status_code == 409
    with engine.connect() as connection:
        actions = connection.execute(text(
            "SELECT action FROM audit_log WHERE action IN ('suspend_item', 'resume_item') "
            "AND (after ->> 'item_id')::int = :i ORDER BY id"), {"i": item["id"]}).scalars().all()
    assert actions == ["suspend_item", "resume_item"]


def test_the_department_list_names_a_suspended_item(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停计时清单测试项目")
    item = open_item(client, people, "water", code, "flood_impact_assessment", "2025-05-06")
    response = client.post(f"{API}/items/{item['id']}/suspension", headers=people["water"],
                           json={"suspended_on": "2025-05-07", "ground": "supplement", "reason": "补正防洪评价报告"})
    assert response.status_code == 200, response.text
    listed = client.get(f"{API}/deadlines", headers=people["water"]).json()["departments"][0]
    assert item["id"] in [i["item_id"] for i in listed["suspended"]]
    assert item["id"] not in [i["item_id"] for i in listed["overdue"]] and listed["suspended_count"] >= 1
