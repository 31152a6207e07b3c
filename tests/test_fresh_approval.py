"""The code is assigned on a fresh answer (赋码 on a screening made inside the approval), and the public and
applicants are told that a site overlaps another project, never which one."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from test_proposals import credit_code, open_review, proposal_body
from test_supervision_support import clean_sites

from layers.importer import import_layer
from projects import proposals
from projects.accounts import Role, account_by_username, create_account

API = "/api/v1"
SECRET = "fresh-approval-secret"


@pytest.fixture(scope="module")
def spots(engine, loaded_samples) -> Iterator[shapely.Geometry]:
    """Disjoint 40 m squares that screen without a blocking conflict."""
    return (shapely.geometry.shape(site) for site in clean_sites(engine))


def applicant_account(client, login, engine, username: str, serial: int) -> dict:
    code = credit_code(serial)
    with engine.begin() as connection:
        create_account(connection, username=username, secret=SECRET, role=Role.APPLICANT,
                       organisation=f"{username} 有限公司", credit_code=code)
    return {"headers": login(username, SECRET), "credit_code": code}


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-fresh", 70021)


@pytest.fixture(scope="module")
def other_applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-fresh-other", 70022)


def create(client, applicant: dict, site: shapely.Geometry, **changes) -> dict:
    response = client.post(f"{API}/proposals", json=proposal_body(site, applicant["credit_code"], **changes),
                           headers=applicant["headers"])
    assert response.status_code == 201, response.text
    return response.json()


def approve(client, login, proposal_id: int):
    return client.post(f"{API}/proposals/{proposal_id}/actions", json={"action": "approve"}, headers=login("ndrc"))


def coded(engine, ids: list[int]) -> list[str]:
    with engine.connect() as connection:
        return connection.execute(text("SELECT project_code FROM proposals WHERE id = ANY(:ids) "
                                       "AND project_code IS NOT NULL"), {"ids": ids}).scalars().all()


def test_a_second_proposal_on_the_same_land_is_refused_once_the_first_has_its_code(
        client, login, applicant, spots, engine):
    land = next(spots)
    first, second = create(client, applicant, land), create(client, applicant, land)  # drafts: no conflict yet
    for proposal in (first, second):
        open_review(client, login, applicant, proposal["id"])
    before = client.get(f"{API}/proposals/{second['id']}", headers=login("ndrc")).json()
    assert before["screening"]["summary"]["blocking_count"] == 0

    approved = approve(client, login, first["id"])
    assert approved.status_code == 200, approved.text
    refused = approve(client, login, second["id"])
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/approval-refused"
    assert [(r["kind"], r["rule_id"]) for r in refused.json()["reasons"]] == [
        ("blocking_conflict", "project_site.coded_project")]
    assert refused.json()["reasons"][0]["layer"] == first["name"]
    after = client.get(f"{API}/proposals/{second['id']}", headers=login("ndrc")).json()
    assert after["state"] == "under_review" and after["project_code"] is None
    assert after["revisions"] == before["revisions"]  # nothing written: the refused screening is not kept
    assert coded(engine, [first["id"], second["id"]]) == [approved.json()["project_code"]]


def test_the_decision_names_the_screening_it_was_made_on(client, login, applicant, spots, engine):
    proposal = create(client, applicant, next(spots))
    open_review(client, login, applicant, proposal["id"])
    submitted_on = proposal["revisions"][-1]["screening_id"]
    approved = approve(client, login, proposal["id"]).json()
    decided_on = approved["approval_screening_id"]
    assert decided_on and decided_on != submitted_on
    assert approved["revisions"][-1]["screening_id"] == approved["screening"]["screening_id"] == decided_on
    history = client.get(f"{API}/proposals/{proposal['id']}/history", headers=login("ndrc")).json()
    assert [e["after"]["screening_id"] for e in history if e["action"] == "approve"] == [decided_on]
    with engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT r.proposal_id, r.is_current, s.layer_versions FROM screenings s "
            "JOIN site_revisions r ON r.id = s.revision_id WHERE s.id = CAST(:id AS uuid)"), {"id": decided_on}).one()
        layers = connection.execute(text("SELECT count(*) FROM layers")).scalar_one()
    # kept on the current revision, with the version of every layer it read
    assert stored.proposal_id == proposal["id"] and stored.is_current and len(stored.layer_versions) == layers


def test_an_approval_waits_for_the_overlapping_approval_in_progress_and_then_sees_its_code(
        client, login, applicant, spots, engine):
    land = next(spots)
    first, second = create(client, applicant, land), create(client, applicant, land)
    for proposal in (first, second):
        open_review(client, login, applicant, proposal["id"])
    login("ndrc")
    answer: dict = {}
    waiting = threading.Thread(target=lambda: answer.update(response=approve(client, login, second["id"])))
    with engine.connect() as holding:  # the first approval, coded but not yet committed
        transaction = holding.begin()
        proposals.act(holding, account_by_username(holding, "ndrc"), first["id"], "approve")
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive(), "the second approval did not wait for the first"
        transaction.commit()
    waiting.join()
    assert answer["response"].status_code == 409, answer["response"].text
    assert [r["rule_id"] for r in answer["response"].json()["reasons"]] == ["project_site.coded_project"]
    assert len(coded(engine, [first["id"], second["id"]])) == 1


def test_overlapping_proposals_approved_at_the_same_moment_get_one_code(client, login, applicant, spots, engine):
    land = next(spots)
    ids = [create(client, applicant, land)["id"] for _ in range(4)]
    for proposal_id in ids:
        open_review(client, login, applicant, proposal_id)
    barrier = threading.Barrier(len(ids))
    statuses: dict[int, int] = {}

    def race(proposal_id: int) -> None:  # each request runs on a pooled connection of its own
        barrier.wait()
        statuses[proposal_id] = approve(client, login, proposal_id).status_code

    threads = [threading.Thread(target=race, args=(proposal_id,)) for proposal_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409, 409, 409]
    assert len(coded(engine, ids)) == 1


def test_a_red_line_imported_after_the_screening_stops_the_approval(
        client, login, applicant, spots, engine, tmp_path: Path):
    land = next(spots)
    proposal = create(client, applicant, land)
    open_review(client, login, applicant, proposal["id"])
    assert proposal["screening"]["summary"]["blocking_count"] == 0
    name = f"审批复核测试红线 {uuid.uuid4().hex[:6]}"
    red_line = tmp_path / "red_line.geojson"
    red_line.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": mapping(land.buffer(0.00003))}]}))
    import_layer(red_line, "ecological_red_line", name=name, engine=engine)

    refused = approve(client, login, proposal["id"])
    assert refused.status_code == 409, refused.text
    reasons = refused.json()["reasons"]
    assert any(r["kind"] == "blocking_conflict" and r["layer"] == name for r in reasons)
    # the red line is natural resources' to review: its opinion is now wanted too
    assert any(r["kind"] == "outstanding_opinion" and r["department"] == "natural_resources" for r in reasons)
    assert coded(engine, [proposal["id"]]) == []


def overlapping(client, login, applicant, spots) -> tuple[dict, shapely.Geometry]:
    """A submitted (live) proposal of ``applicant`` with a name no other test uses, and its site."""
    land = next(spots)
    proposal = create(client, applicant, land, name=f"保密测试项目 {uuid.uuid4().hex[:8]}")
    assert client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "submit"},
                       headers=applicant["headers"]).status_code == 200
    return proposal, land


def project_conflicts(report: dict) -> list[dict]:
    return [c for c in report["conflicts"] if c["layer_kind"] == "project_site"]


def assert_anonymous(report: dict, text_seen: str, other: dict) -> None:
    """The report says the site overlaps another project, how much and how badly, but not which or where."""
    [conflict] = project_conflicts(report)
    assert conflict["severity"] == "needs_review" and conflict["overlap"]["m2"] > 1000
    assert conflict["layer_name"] is None and conflict["attributes"] == {} and conflict["geometry"] is None
    assert other["name"] not in text_seen and "proposal_id" not in text_seen and "site_revision" not in text_seen


def assert_named(report: dict, other: dict) -> None:
    [conflict] = project_conflicts(report)
    assert conflict["layer_name"] == other["name"] and conflict["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert conflict["attributes"]["proposal_id"] == other["id"] and conflict["attributes"]["state"] == "submitted"


def test_a_screening_names_the_overlapping_project_only_for_officials(
        client, login, applicant, other_applicant, spots):
    other, land = overlapping(client, login, applicant, spots)
    body = {"site": mapping(land), "project_type": "03", "land_use": "07", "industry": "O80"}
    for headers in ({}, other_applicant["headers"]):
        response = client.post(f"{API}/screenings", json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert_anonymous(response.json(), response.text, other)
    for official in ("ndrc", "dept-natural_resources", "admin"):
        assert_named(client.post(f"{API}/screenings", json=body, headers=login(official)).json(), other)

    stored = client.post(f"{API}/screenings", json={**body, "store": True}).json()
    again = client.get(f"{API}/screenings/{stored['screening_id']}")
    assert_anonymous(again.json(), again.text, other)
    assert_named(client.get(f"{API}/screenings/{stored['screening_id']}", headers=login("ndrc")).json(), other)


def test_an_applicants_own_proposal_does_not_name_the_project_it_overlaps(
        client, login, applicant, other_applicant, spots):
    other, land = overlapping(client, login, applicant, spots)
    mine = create(client, other_applicant, land)
    assert_anonymous(mine["screening"], json.dumps(mine, ensure_ascii=False), other)
    seen = client.get(f"{API}/proposals/{mine['id']}", headers=other_applicant["headers"])
    assert_anonymous(seen.json()["screening"], seen.text, other)
    assert client.post(f"{API}/proposals/{mine['id']}/actions", json={"action": "submit"},
                       headers=other_applicant["headers"]).status_code == 200
    listed = client.get(f"{API}/proposals", headers=other_applicant["headers"])
    [item] = [i for i in listed.json() if i["id"] == mine["id"]]
    assert_anonymous({"conflicts": item["current_conflicts"]}, listed.text, other)
    for official in ("ndrc", "dept-natural_resources"):
        assert_named(client.get(f"{API}/proposals/{mine['id']}", headers=login(official)).json()["screening"], other)
        [item] = [i for i in client.get(f"{API}/proposals", headers=login(official)).json() if i["id"] == mine["id"]]
        assert_named({"conflicts": item["current_conflicts"]}, other)


def test_a_sliver_of_another_project_is_listed_without_its_name_for_the_public(
        client, login, applicant, spots):
    other, land = overlapping(client, login, applicant, spots)
    west, south, east, north = land.bounds
    strip = shapely.geometry.box(east - 1e-8, south, east + 0.0004, north)  # 1 mm of the other site
    body = {"site": mapping(strip), "project_type": "03", "land_use": "07", "industry": "O80"}
    public = client.post(f"{API}/screenings", json=body)
    [sliver] = [s for s in public.json()["ignored_slivers"] if s["layer_kind"] == "project_site"]
    assert sliver["layer_name"] is None and other["name"] not in public.text
    official = client.post(f"{API}/screenings", json=body, headers=login("ndrc")).json()
    assert [s["layer_name"] for s in official["ignored_slivers"] if s["layer_kind"] == "project_site"] == [
        other["name"]]


def test_a_department_a_fresh_screening_calls_for_answers_after_the_ndrc_re_screens(
        client, login, applicant, spots, engine, tmp_path: Path):
    land = next(spots)
    proposal = create(client, applicant, land)
    open_review(client, login, applicant, proposal["id"])
    flood = tmp_path / "flood.geojson"
    flood.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "复核测试洪涝区", "risk_level": "high"},
         "geometry": mapping(land.buffer(0.00003))}]}))
    import_layer(flood, "flood_risk", name=f"复核测试洪涝区 {uuid.uuid4().hex[:6]}", engine=engine)
    refused = approve(client, login, proposal["id"])
    assert any(r["kind"] == "outstanding_opinion" and r["department"] == "water" for r in refused.json()["reasons"])
    opinion = {"verdict": "agree"}
    water = login("dept-water")
    assert client.post(f"{API}/proposals/{proposal['id']}/opinions", json=opinion, headers=water).status_code == 403

    assert client.post(f"{API}/proposals/{proposal['id']}/rescreen", headers=applicant["headers"]).status_code \
        == 201  # the applicant may re-screen its own proposal
    rescreened = client.post(f"{API}/proposals/{proposal['id']}/rescreen", headers=login("ndrc"))
    assert rescreened.status_code == 201, rescreened.text
    assert "water" in rescreened.json()["review"]["required"]
    assert client.post(f"{API}/proposals/{proposal['id']}/opinions", json=opinion, headers=water).status_code == 201
    assert approve(client, login, proposal["id"]).status_code == 200
    history = client.get(f"{API}/proposals/{proposal['id']}/history", headers=login("ndrc")).json()
    assert [entry["action"] for entry in history].count("rescreen") == 2
    assert client.post(f"{API}/proposals/{proposal['id']}/rescreen", headers=login("dept-water")).status_code == 403
