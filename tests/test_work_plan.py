"""The preliminary work plan (下达项目前期工作计划): issued with the code, its tasks by project type with the
project unit, the deciding department and due days in working days (provisional in a year without holiday
data), the total limit of the category (50/70/90), and the total clock starting on its issue day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    API,
    clean_sites,
    legacy_project,
    national_project,
    open_item,
    people,
)

from data.samples.history import moment
from projects.clock import replaying
from projects.supervision.work_plan import issue_plan, work_plan
from projects.supervision.workdays import PACKAGE_YEARS, enter_notice

NO_2027_DATA = 2027 not in PACKAGE_YEARS


def _issue(engine, people, code: str, day: dt.date, project_type: str, category: str) -> None:  # noqa: F811
    with engine.begin() as connection:
        proposal_id = connection.execute(text("SELECT id FROM proposals WHERE project_code = :c"),
                                         {"c": code}).scalar_one()
        with replaying(moment(day)):
            issue_plan(connection, people.accounts["ndrc"], proposal_id, project_type, category)


def test_a_government_invested_plan_asks_for_the_study_and_the_design_and_crosses_into_2027(
        client, engine, people) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", name="前期工作计划审批类项目")
    assert client.get(f"/api/v1/projects/{code}/work-plan", headers=people["ndrc"]).status_code == 404
    # Monday 2026-11-30: 20 working days end on 2026-12-28; 25 run into 2027 (2027-01-04, counted Monday to
    # Friday while 2027 has no holiday data), and so does the 90-day total of a government-funded project.
    _issue(engine, people, code, dt.date(2026, 11, 30), "01", "financial")
    plan = client.get(f"/api/v1/projects/{code}/work-plan", headers=people["applicant"])
    assert plan.status_code == 404  # the tests' applicant does not own this project: it sees nothing
    plan = client.get(f"/api/v1/projects/{code}/work-plan", headers=people["water"]).json()
    assert plan["issued_on"] == "2026-11-30" and plan["project_type_zh"] == "审批"
    study, design = plan["tasks"]
    assert (study["task"], study["item_type"], study["department"]) == (
        "feasibility_study", "feasibility_study_approval", "ndrc")
    assert study["project_unit"] == "厦门监管测试有限公司" and study["zh"] == "编制并报批可行性研究报告"
    assert (study["due"], study["provisional"]) == ("2026-12-28", False)
    assert design["task"] == "preliminary_design" and design["due"] == "2027-01-04"
    assert design["provisional"] is NO_2027_DATA
    if NO_2027_DATA:
        assert design["years_without_data"] == [2027] and "2027" in design["provisional_reason"]["zh"]
    assert plan["total"]["limit_working_days"] == 90 and plan["total"]["provisional"] is NO_2027_DATA
    assert {t["state"] for t in plan["tasks"]} <= {"not_started", "overdue"}
    # The study's item accepted: the plan shows it under way, and the total clock started on the issue day.
    open_item(client, people, "ndrc", code, "feasibility_study_approval", "2026-12-01")
    plan = client.get(f"/api/v1/projects/{code}/work-plan", headers=people["ndrc"]).json()
    assert plan["tasks"][0]["state"] == "under_way" and plan["tasks"][0]["item"]["accepted_on"] == "2026-12-01"
    approvals = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"]).json()
    assert approvals["total"]["started_on"] == "2026-11-30"


def test_a_holiday_notice_for_2027_moves_the_due_day_and_makes_it_exact(engine, people) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", name="前期工作计划元旦测试项目")
    _issue(engine, people, code, dt.date(2026, 11, 30), "01", "financial")
    with engine.connect() as connection, connection.begin() as transaction:
        enter_notice(connection, people.accounts["admin"], year=2027,
                     title="国务院办公厅关于2027年部分节假日安排的通知", document_number=None, published_on=None,
                     holidays=[(dt.date(2027, 1, 1), "元旦")], workdays=[])
        design = work_plan(connection, people.accounts["ndrc"], code)["tasks"][1]
        transaction.rollback()  # the notice was this test's own: other tests keep 2027 as it was
    assert (design["due"], design["provisional"]) == ("2027-01-05", False)


def test_verified_and_filed_projects_have_their_own_tasks_and_totals(client, engine, people) -> None:  # noqa: F811
    verified = legacy_project(engine, people, category="general_social", name="前期工作计划核准类项目")
    _issue(engine, people, verified, dt.date(2026, 3, 2), "02", "general_social")
    filed = legacy_project(engine, people, category="small_social", name="前期工作计划备案类项目")
    _issue(engine, people, filed, dt.date(2026, 3, 2), "03", "small_social")
    verified_plan = client.get(f"/api/v1/projects/{verified}/work-plan", headers=people["ndrc"]).json()
    filed_plan = client.get(f"/api/v1/projects/{filed}/work-plan", headers=people["ndrc"]).json()
    assert [t["task"] for t in verified_plan["tasks"]] == ["application_report"]
    # Monday 2026-03-02: 15 working days end on Monday 03-23; 3 on Thursday 03-05; 70 and 50 by category.
    assert verified_plan["tasks"][0]["due"] == "2026-03-23" and verified_plan["total"]["limit_working_days"] == 70
    assert [t["task"] for t in filed_plan["tasks"]] == ["filing"] and filed_plan["tasks"][0]["due"] == "2026-03-05"
    assert filed_plan["total"]["limit_working_days"] == 50
    # Never done and past its day: the plan says so.
    assert filed_plan["tasks"][0]["state"] == "overdue"


def test_approval_issues_the_plan_with_the_code_and_it_is_audited(client, engine, people, loaded_samples) -> None:  # noqa: F811
    code = national_project(client, people, next(clean_sites(engine)), category="general_social")
    plan = client.get(f"/api/v1/projects/{code}/work-plan", headers=people["ndrc"])
    assert plan.status_code == 200, plan.text
    plan = plan.json()
    assert plan["project_type"] == "03" and [t["task"] for t in plan["tasks"]] == ["filing"]
    assert plan["total"]["limit_working_days"] == 70 and plan["clock_started_on"] == plan["issued_on"]
    with engine.connect() as connection:
        actions = connection.execute(text(
            "SELECT a.action, a.after ->> 'work_plan_id' FROM audit_log a JOIN proposals p ON p.id = a.proposal_id "
            "WHERE p.project_code = :c AND a.action IN ('issue_work_plan', 'approve') ORDER BY a.id"),
            {"c": code}).all()
    assert [a.action for a in actions] == ["issue_work_plan", "approve"] and actions[1][1] is not None
    approvals = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"]).json()
    assert approvals["total"]["started_on"] == plan["issued_on"] and approvals["total"]["status"] == "running"
