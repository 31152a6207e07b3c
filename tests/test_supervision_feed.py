"""The central-platform feed: versioned JSON per project code, validated before export, and the
data-quality list of missing codes, items decided before accepted and documents without a number.
"""

from __future__ import annotations

from sqlalchemy import text
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    API,
    APPLICANT_CREDIT,
    decide,
    legacy_project,
    next_site,
    open_item,
    people,
)

from projects.proposals import ProposalInput, create_proposal
from projects.sites import prepare_site


def test_a_clean_project_exports_a_versioned_feed(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="general_social", total=6400, name="中央平台报送测试项目")
    approval = open_item(client, people, "ndrc", code, "project_approval", "2025-08-04")
    decide(client, people, "ndrc", approval["id"], "2025-08-06", "厦发改审批〔2025〕806号")
    assert client.post(f"{API}/feed/{code}/exports", headers=people["water"]).status_code == 403
    first = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"])
    assert first.status_code == 201, first.text
    feed = first.json()
    assert (feed["feed"], feed["schema_version"], feed["version"]) == ("one-blueprint/central-approval-feed", "1.1", 1)
    assert feed["project"]["project_code"] == code and feed["project"]["total_investment_wan"] == 6400
    assert feed["items"] == [{
        "item_code": "project_approval", "item_name": "项目审批（核准、备案）", "stage": "land_use_planning",
        "stage_name": "立项用地规划许可", "department": "ndrc", "accepted_on": "2025-08-04", "decided_on": "2025-08-06",
        "result": "approved", "limit_working_days": 5, "document_number": "厦发改审批〔2025〕806号",
        "reused_document_numbers": [], "due_on": "2025-08-11", "due_provisional": False, "suspensions": []}]
    same = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"]).json()
    assert same["version"] == 1 and same["unchanged"] is True
    open_item(client, people, "natural_resources", code, "site_selection_opinion", "2025-08-07")
    second = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"]).json()
    assert second["version"] == 2 and second["items"][1]["reused_document_numbers"] == ["厦发改审批〔2025〕806号"]
    kept = client.get(f"{API}/feed/{code}", headers=people["ndrc"], params={"version": 1}).json()
    assert len(kept["items"]) == 1 and kept["version"] == 1
    assert client.get(f"{API}/feed/{code}", headers=people["ndrc"]).json()["version"] == 2
    assert client.get(f"{API}/feed/{code}", headers=people["ndrc"], params={"version": 9}).status_code == 404


def test_a_document_without_a_number_stops_the_export_until_it_is_numbered(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    item = open_item(client, people, "ecology_environment", code, "eia_approval", "2025-08-11")
    decide(client, people, "ecology_environment", item["id"], "2025-08-20", None)
    refused = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"])
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/feed-validation-failed"
    assert [p["kind"] for p in refused.json()["problems"]] == ["document_without_number"]
    assert "has no document number" in refused.json()["detail"]
    listed = client.get(f"{API}/data-quality", headers=people["ecology_environment"]).json()
    assert any(p["item_id"] == item["id"] and p["kind"] == "document_without_number" for p in listed["problems"])
    client.put(f"{API}/items/{item['id']}/document-number", headers=people["ecology_environment"],
               json={"document_number": "厦环评〔2025〕820号"})
    assert client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"]).status_code == 201
    listed = client.get(f"{API}/data-quality", headers=people["ndrc"]).json()
    assert not any(p["item_id"] == item["id"] for p in listed["problems"])


def test_records_migrated_from_other_systems_are_checked_too(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    data = ProposalInput(name="旧系统迁移项目（无代码）", applicant_organisation="厦门监管测试有限公司",
                         credit_code=APPLICANT_CREDIT, district_code="350212", industry="K70", project_type="03",
                         investment_category="small_social", total_investment_wan=300, land_use="0702")
    with engine.begin() as connection:
        uncoded = create_proposal(connection, people.accounts["applicant"], data, prepare_site(next_site()))
        # What a migration of the old platform's records brings: rows the services would refuse.
        project_id = connection.execute(text("SELECT id FROM proposals WHERE project_code = :c"), {"c": code}).scalar()
        backwards = connection.execute(text(
            "INSERT INTO approval_items (proposal_id, item_type, stage, department, accepted_on, limit_working_days, "
            "decided_on, result) VALUES (:p, 'construction_permit', 'construction_permit', 'construction', "
            "'2025-09-10', 5, '2025-09-01', 'approved') RETURNING id"), {"p": project_id}).scalar_one()
        connection.execute(text("UPDATE proposals SET state = 'approved' WHERE id = :p"), {"p": uncoded["id"]})
        orphan = connection.execute(text(
            "INSERT INTO approval_items (proposal_id, item_type, stage, department, accepted_on, limit_working_days) "
            "VALUES (:p, 'eia_approval', 'land_use_planning', 'ecology_environment', '2025-09-01', 15) RETURNING id"),
            {"p": uncoded["id"]}).scalar_one()
    try:
        listed = client.get(f"{API}/data-quality", headers=people["ndrc"]).json()
    finally:  # an approved proposal without a code would surprise other modules' tests
        with engine.begin() as connection:
            connection.execute(text("UPDATE proposals SET state = 'draft' WHERE id = :p"), {"p": uncoded["id"]})
    problems = {(p["kind"], p["item_id"]): p for p in listed["problems"]}
    assert "2025-09-01, before it was accepted on 2025-09-10" in \
        problems[("decided_before_accepted", backwards)]["message"]["en"]
    assert problems[("missing_code", orphan)]["proposal_id"] == uncoded["id"]
    assert "没有项目代码" in problems[("missing_code", orphan)]["message"]["zh"]
    assert listed["by_kind"]["missing_code"] >= 1 and listed["by_kind"]["decided_before_accepted"] >= 1
    refused = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"])
    assert refused.status_code == 409 and refused.json()["problems"][0]["kind"] == "decided_before_accepted"
    assert client.get(f"{API}/data-quality", headers=people["applicant"]).status_code == 403
