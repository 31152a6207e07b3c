"""Approval stages and items on a real PostGIS: 无码不批, department rights, decisions, issued documents and
their reuse (批文引用), working-day clocks per item and per project, overdue and due-soon lists.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    API,
    APPLICANT_CREDIT,
    PDF,
    decide,
    legacy_project,
    next_site,
    open_item,
    people,
)

from projects.clock import beijing_today
from projects.project_code import parse_code
from projects.proposals import ProposalInput, create_proposal
from projects.sites import prepare_site
from projects.supervision.clocks import ItemTimes, item_clock
from projects.supervision.settings import supervision_settings
from projects.supervision.workdays import PACKAGE_YEARS, WorkingCalendar


def test_the_four_stages_come_in_order_with_their_items_and_the_50_70_90_limits(client) -> None:
    catalogue = client.get(f"{API}/stages").json()
    assert [s["zh"] for s in catalogue["stages"]] == ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"]
    assert catalogue["total_limits_working_days"] == {"small_social": 50, "general_social": 70, "financial": 90}
    items = {t["item_type"]: t for s in catalogue["stages"] for t in s["item_types"]}
    assert items["construction_permit"]["department"] == "construction"
    assert "engineering_planning_permit" in items["construction_permit"]["reuses"]


def test_no_item_without_a_valid_code(client, people, engine) -> None:  # noqa: F811
    data = ProposalInput(name="未赋码的测试项目", applicant_organisation="厦门监管测试有限公司",
                         credit_code=APPLICANT_CREDIT, district_code="350212", industry="K70", project_type="03",
                         investment_category="small_social", total_investment_wan=500, land_use="0702")
    with engine.begin() as connection:
        draft = create_proposal(connection, people.accounts["applicant"], data, prepare_site(next_site()))
    body = {"item_type": "project_approval", "accepted_on": "2026-11-02"}
    uncoded = client.post(f"{API}/items", headers=people["ndrc"], json={**body, "proposal_id": draft["id"]})
    assert uncoded.status_code == 409
    assert uncoded.json()["type"] == "/problems/no-code-no-approval" and "无码不批" in uncoded.json()["detail"]
    malformed = client.post(f"{API}/items", headers=people["ndrc"],
                            json={**body, "project_code": "2019-350206-47-01-12345"})
    assert malformed.status_code == 422 and malformed.json()["type"] == "/problems/no-code-no-approval"
    assert client.post(f"{API}/items", headers=people["ndrc"],
                       json={**body, "project_code": "2019-350206-47-01-999999"}).status_code == 404
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM approval_items WHERE proposal_id = :p"),
                                  {"p": draft["id"]}).scalar_one() == 0


def test_only_the_responsible_department_accepts_and_decides(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    body = {"project_code": code, "item_type": "site_selection_opinion", "accepted_on": "2025-03-03"}
    assert client.post(f"{API}/items", headers=people["water"], json=body).status_code == 403
    assert client.post(f"{API}/items", headers=people["applicant"], json=body).status_code == 403
    assert client.post(f"{API}/items", json=body).status_code == 401
    item = open_item(client, people, "natural_resources", code, "site_selection_opinion", "2025-03-03")
    assert client.post(f"{API}/items/{item['id']}/decision", headers=people["construction"],
                       json={"decided_on": "2025-03-05", "result": "approved"}).status_code == 403
    early = client.post(f"{API}/items", headers=people["natural_resources"],
                        json={**body, "item_type": "land_use_planning_permit", "accepted_on": "2018-12-31"})
    assert early.status_code == 422 and "before the project code" in early.json()["detail"]


def test_a_decision_is_final_and_never_precedes_acceptance(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    item = open_item(client, people, "ndrc", code, "project_approval", "2025-04-07")
    url = f"{API}/items/{item['id']}/decision"
    before = client.post(url, headers=people["ndrc"], json={"decided_on": "2025-04-03", "result": "approved"})
    assert before.status_code == 422 and before.json()["field"] == "decided_on"
    future = client.post(url, headers=people["ndrc"], json={"decided_on": "2099-01-01", "result": "approved"})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    assert client.post(url, headers=people["ndrc"], json={"decided_on": "2025-04-08", "result": "maybe"}
                       ).status_code == 422
    decide(client, people, "ndrc", item["id"], "2025-04-09", "厦发改审批〔2025〕401号")
    again = client.post(url, headers=people["ndrc"], json={"decided_on": "2025-04-10", "result": "refused"})
    assert again.status_code == 409 and "final" in again.json()["detail"]


def test_later_items_reuse_earlier_documents_and_a_reupload_is_refused(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="general_social", total=8000)
    approval = open_item(client, people, "ndrc", code, "project_approval", "2025-05-06")
    decide(client, people, "ndrc", approval["id"], "2025-05-08", "厦发改审批〔2025〕501号")
    site = open_item(client, people, "natural_resources", code, "site_selection_opinion", "2025-05-09")
    assert [r["document_number"] for r in site["reuses"]] == ["厦发改审批〔2025〕501号"]
    permit = open_item(client, people, "natural_resources", code, "land_use_planning_permit", "2025-05-12")
    assert [a["item_type"] for a in permit["awaiting"]] == ["site_selection_opinion"]
    decide(client, people, "natural_resources", site["id"], "2025-05-16", "厦资源规划选〔2025〕16号")
    permit = client.get(f"{API}/items/{permit['id']}", headers=people["ndrc"]).json()
    assert {r["document_number"]: r["how"] for r in permit["reuses"]} == {
        "厦发改审批〔2025〕501号": "automatic", "厦资源规划选〔2025〕16号": "automatic"}
    assert permit["awaiting"] == []

    uploaded = client.put(f"{API}/items/{approval['id']}/document-file", headers=people["ndrc"],
                          files={"file": ("立项批复.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 200, uploaded.text
    download = client.get(uploaded.json()["document"]["file"]["url"], headers=people["water"])
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert client.get(uploaded.json()["document"]["file"]["url"]).status_code in (401, 404)
    # the same file for the land-use permit: refused, pointing at the document to reference instead
    copy = client.put(f"{API}/items/{site['id']}/document-file", headers=people["natural_resources"],
                      files={"file": ("copy.pdf", PDF, "application/pdf")})
    assert copy.status_code == 409 and copy.json()["type"] == "/problems/document-already-issued"
    assert copy.json()["document_number"] == "厦发改审批〔2025〕501号"
    assert client.put(f"{API}/items/{approval['id']}/document-file", headers=people["ndrc"],
                      files={"file": ("v2.pdf", PDF + b"%", "application/pdf")}).status_code == 409
    # the same number issued again, or the same item type applied for again: refused, reference it
    engineering = open_item(client, people, "natural_resources", code, "engineering_planning_permit", "2025-05-19")
    reissued = client.post(f"{API}/items/{engineering['id']}/decision", headers=people["natural_resources"],
                           json={"decided_on": "2025-05-20", "result": "approved",
                                 "document_number": "厦发改审批〔2025〕５０１号"})  # full-width digits: the same number
    assert reissued.status_code == 409 and reissued.json()["document_number"] == "厦发改审批〔2025〕501号"
    again = client.post(f"{API}/items", headers=people["ndrc"],
                        json={"project_code": code, "item_type": "project_approval", "accepted_on": "2025-06-02"})
    assert again.status_code == 409 and "reference" in again.json()["detail"]
    # an explicit reference by number, shown with the reuses; an unknown number is refused
    referenced = client.post(f"{API}/items/{engineering['id']}/references", headers=people["natural_resources"],
                             json={"document_number": "厦资源规划选〔2025〕16号"})
    assert referenced.status_code == 200
    how = {r["document_number"]: r["how"] for r in referenced.json()["reuses"]}
    assert how["厦资源规划选〔2025〕16号"] == "explicit"
    unknown = client.post(f"{API}/items/{engineering['id']}/references", headers=people["natural_resources"],
                          json={"document_number": "厦资源规划选〔2025〕99号"})
    assert unknown.status_code == 422


def test_a_document_file_must_be_what_it_claims_and_not_too_big(client, people, engine, monkeypatch) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    item = open_item(client, people, "water", code, "soil_water_conservation_plan", "2025-06-03")
    url = f"{API}/items/{item['id']}/document-file"
    assert client.put(url, headers=people["water"], files={"file": ("a.pdf", PDF, "application/pdf")}
                      ).status_code == 409  # not decided: nothing issued yet
    decide(client, people, "water", item["id"], "2025-06-10", None)
    fake = client.put(url, headers=people["water"], files={"file": ("a.pdf", b"<html>hi</html>", "application/pdf")})
    assert fake.status_code == 422 and fake.json()["field"] == "file"
    lying = client.put(url, headers=people["water"], files={"file": ("a.png", PDF + b"1", "image/png")})
    assert lying.status_code == 422 and "image/png" in lying.json()["detail"]
    monkeypatch.setenv("BLUEPRINT_SUPERVISION_MAX_DOCUMENT_BYTES", "64")
    supervision_settings.cache_clear()
    try:
        big = client.put(url, headers=people["water"], files={"file": ("a.pdf", PDF + b"x" * 100, "application/pdf")})
        assert big.status_code == 422 and "at most 64" in big.json()["detail"]
    finally:
        monkeypatch.delenv("BLUEPRINT_SUPERVISION_MAX_DOCUMENT_BYTES")
        supervision_settings.cache_clear()
    # the number may follow the decision (文号待补), once
    numbered = client.put(f"{API}/items/{item['id']}/document-number", headers=people["water"],
                          json={"document_number": "厦水保〔2025〕61号"})
    assert numbered.json()["document"]["document_number"] == "厦水保〔2025〕61号"
    assert client.put(f"{API}/items/{item['id']}/document-number", headers=people["water"],
                      json={"document_number": "厦水保〔2025〕62号"}).status_code == 409


def test_item_clocks_count_working_days_around_spring_festival(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    # project approval: 5 working days from Friday 2025-01-24 → 01-26 (make-up), 01-27, 02-05, 02-06, 02-07
    item = open_item(client, people, "ndrc", code, "project_approval", "2025-01-24")
    assert item["clock"]["due"] == "2025-02-07" and item["clock"]["limit_working_days"] == 5
    late = client.get(f"{API}/items/{item['id']}", headers=people["ndrc"], params={"as_of": "2025-02-10"}).json()
    # overdue by 2 working days on Monday 02-10: the make-up Saturday 02-08 counted
    assert late["clock"]["status"] == "overdue" and late["clock"]["overdue_working_days"] == 2
    decided = decide(client, people, "ndrc", item["id"], "2025-02-07", "厦发改审批〔2025〕107号")
    assert decided["clock"]["status"] == "on_time" and decided["clock"]["used_working_days"] == 5


def test_overdue_and_due_soon_items_are_listed_per_department(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    # 10 working days from Friday 2025-09-26 across National Day end on 2025-10-16
    item = open_item(client, people, "natural_resources", code, "site_selection_opinion", "2025-09-26")
    assert item["clock"]["due"] == "2025-10-16"

    def listed(as_of: str, who: str = "ndrc") -> dict:
        body = client.get(f"{API}/deadlines", headers=people[who], params={"as_of": as_of}).json()
        return {d["department"]: d for d in body["departments"]}

    soon = listed("2025-10-13")["natural_resources"]
    entry = next(i for i in soon["due_soon"] if i["item_id"] == item["id"])
    assert entry["remaining_working_days"] == 3 and entry["project_code"] == code
    late = listed("2025-10-20")["natural_resources"]
    entry = next(i for i in late["overdue"] if i["item_id"] == item["id"])
    assert entry["overdue_working_days"] == 2  # 10-17 and 10-20
    assert not any(i["item_id"] == item["id"] for i in listed("2025-10-01")["natural_resources"]["due_soon"])
    own = listed("2025-10-20", "water")
    assert list(own) == ["water"]  # a department sees its own list
    assert client.get(f"{API}/deadlines", headers=people["applicant"]).status_code == 403


def test_a_changed_item_limit_applies_to_new_items_only(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    older = open_item(client, people, "water", code, "flood_impact_assessment", "2025-03-03")
    assert client.put(f"{API}/item-types/flood_impact_assessment/limit", headers=people["ndrc"],
                      json={"working_days": 4}).status_code == 403
    changed = client.put(f"{API}/item-types/flood_impact_assessment/limit", headers=people["admin"],
                         json={"working_days": 4})
    assert changed.status_code == 200
    try:
        other = legacy_project(engine, people)
        newer = open_item(client, people, "water", other, "flood_impact_assessment", "2025-03-03")
        assert newer["clock"]["limit_working_days"] == 4 and newer["clock"]["due"] == "2025-03-07"
        kept = client.get(f"{API}/items/{older['id']}", headers=people["water"]).json()
        assert kept["clock"]["limit_working_days"] == 10 and kept["clock"]["due"] == "2025-03-17"
    finally:
        client.put(f"{API}/item-types/flood_impact_assessment/limit", headers=people["admin"],
                   json={"working_days": 10})


def test_the_total_clock_counts_parallel_days_once_against_the_category_limit(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="small_social")
    first = open_item(client, people, "ndrc", code, "project_approval", "2025-03-03")
    second = open_item(client, people, "water", code, "soil_water_conservation_plan", "2025-03-05")
    decide(client, people, "ndrc", first["id"], "2025-03-07", "厦发改审批〔2025〕303号")
    decide(client, people, "water", second["id"], "2025-03-12", "厦水保〔2025〕312号")
    total = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"],
                       params={"as_of": "2025-03-31"}).json()["total"]
    # (03-03, 03-07] ∪ (03-05, 03-12]: 03-04..07 and 03-10..12 = 7 working days, not 4 + 5
    assert total["used_working_days"] == 7 and total["limit_working_days"] == 50
    assert total["status"] == "running" and total["remaining_working_days"] == 43
    final = open_item(client, people, "construction", code, "completion_acceptance", "2025-03-24")
    decide(client, people, "construction", final["id"], "2025-03-26", "厦建竣〔2025〕326号")
    view = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"],
                      params={"as_of": "2025-12-31"}).json()
    assert view["total"]["status"] == "completed_within_limit" and view["total"]["used_working_days"] == 9
    assert [len(s["items"]) for s in view["stages"]] == [2, 0, 0, 1]


def test_a_financial_project_over_its_90_days_is_flagged(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", total=50000)
    open_item(client, people, "ndrc", code, "project_approval", "2025-01-02")
    total = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"],
                       params={"as_of": "2025-06-30"}).json()["total"]
    assert total["limit_working_days"] == 90 and total["used_working_days"] > 90 and total["status"] == "over_limit"


def test_a_clock_running_into_a_year_without_data_is_provisional() -> None:
    last = PACKAGE_YEARS[-1]
    item = ItemTimes("eia_approval", date(last, 12, 24), 15, None, None)
    clock = item_clock(WorkingCalendar(), item, as_of=date(last, 12, 28))
    assert clock["due"].startswith(f"{last + 1}-") and clock["status"] == "running"
    assert clock["provisional"] is True and clock["years_without_data"] == [last + 1]
    assert f"{last + 1}" in clock["provisional_reason"]["en"]
    done = item_clock(WorkingCalendar(), item, as_of=date(last, 12, 28).replace(day=30))
    assert done["provisional"] is True  # the due date still lies in the year without data


def test_a_freshly_coded_national_project_gets_items(client, people, loaded_samples) -> None:  # noqa: F811
    proposals = client.get("/api/v1/proposals", headers=people["ndrc"]).json()
    coded = next(p for p in proposals if p["project_code"] and parse_code(p["project_code"]).layout == "national")
    # The sample projects come with a year of approvals; none has needed a soil and water conservation plan.
    item = open_item(client, people, "water", coded["project_code"], "soil_water_conservation_plan",
                     beijing_today().isoformat())
    assert item["project_code"] == coded["project_code"] and item["clock"]["status"] in ("running", "due_soon")
