"""Joint planning on a real PostGIS: roles, proposals, review, NDRC decisions, codes, credit and audit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_supervision_support import clean_sites

from gis.db import get_engine
from projects.accounts import Role, create_account, grant_role
from projects.credit_code import make_credit_code, organization_code_check_character
from projects.project_code import compute_check_character

API = "/api/v1"
TEST_SECRET = "proposals-test-secret"


def credit_code(serial: int) -> str:
    """A valid unified social credit code of a Xiamen (350203) company for the tests."""
    body = f"{serial:08d}"
    return make_credit_code("91350203" + body + organization_code_check_character(body))


@pytest.fixture(scope="module")
def clean_spots(engine, loaded_samples) -> Iterator[shapely.Geometry]:
    """Disjoint 40 m squares on residential land inside the development boundary, away from every other
    layer and every sample proposal: sites that should screen with no blocking conflict."""
    return (shapely.geometry.shape(site) for site in clean_sites(engine))


@pytest.fixture(scope="module")
def applicant(client, login, engine):
    """An applicant account of its own (its credit code is its identity) and its headers."""
    code = credit_code(70001)
    with engine.begin() as connection:
        create_account(connection, username="applicant-tests", secret=TEST_SECRET, role=Role.APPLICANT,
                       organisation="厦门测试科技有限公司", credit_code=code)
    return {"headers": login("applicant-tests", TEST_SECRET), "credit_code": code}


def proposal_body(site: shapely.Geometry, code: str, **changes) -> dict:
    return {"name": "思明区社区服务中心", "applicant_organisation": "厦门测试科技有限公司", "credit_code": code,
            "district_code": "350203", "industry": "O80", "project_type": "03", "investment_category": "small_social",
            "total_investment_wan": 1200, "land_use": "07", "site": mapping(site), **changes}


def create(client, applicant, site, **changes) -> dict:
    response = client.post(f"{API}/proposals", json=proposal_body(site, applicant["credit_code"], **changes),
                           headers=applicant["headers"])
    assert response.status_code == 201, response.text
    return response.json()


def open_review(client, login, applicant, proposal_id: int) -> None:
    assert client.post(f"{API}/proposals/{proposal_id}/actions", json={"action": "submit"},
                       headers=applicant["headers"]).status_code == 200
    assert client.post(f"{API}/proposals/{proposal_id}/actions", json={"action": "start_review"},
                       headers=login("ndrc")).status_code == 200


def test_a_clean_proposal_goes_from_draft_to_a_national_code(client, login, applicant, clean_spots):
    proposal = create(client, applicant, next(clean_spots))
    assert proposal["state"] == "draft" and proposal["screening"]["summary"]["blocking_count"] == 0
    open_review(client, login, applicant, proposal["id"])
    response = client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc"))
    assert response.status_code == 200, response.text
    code = response.json()["project_code"]
    assert len(code) == 24 and code[5:11] == "350203"
    found = client.get(f"{API}/projects/{code}", headers=login("ndrc")).json()
    assert found["proposal"]["id"] == proposal["id"] and found["code_layout"] == "national"
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    problem = client.get(f"{API}/projects/{wrong}").json()
    assert problem["status"] == 422 and problem["part"] == "check"
    assert client.get(f"{API}/projects/2017-35020-47-01-01234").json()["part"] in {"length", "layout"}


def test_the_list_carries_each_proposals_current_site_conflicts_and_actions(client, login, applicant, clean_spots):
    """What the map pages draw of a proposal comes in the list: its current site, its conflicts and the actions
    its state allows are those of its own detail, after a revision too."""
    proposal = create(client, applicant, next(clean_spots))
    revised = client.post(f"{API}/proposals/{proposal['id']}/sites", json={"site": mapping(next(clean_spots))},
                          headers=applicant["headers"])
    assert revised.status_code == 201, revised.text
    open_review(client, login, applicant, proposal["id"])
    for headers in (applicant["headers"], login("ndrc")):
        detail = client.get(f"{API}/proposals/{proposal['id']}", headers=headers).json()
        [item] = [i for i in client.get(f"{API}/proposals", headers=headers).json() if i["id"] == proposal["id"]]
        [current] = [r for r in detail["revisions"] if r["is_current"]]
        assert current["revision"] == 2 and item["current_site"] == current
        assert item["current_conflicts"] == detail["screening"]["conflicts"]
        assert item["legal_actions"] == detail["legal_actions"] == ["approve", "return", "reject"]


def test_approval_is_refused_with_every_reason(client, login, applicant, clean_spots, owner_engine):
    # type 01 (审批) always needs natural resources and construction; the applicant is blacklisted
    proposal = create(client, applicant, next(clean_spots), project_type="01", investment_category="financial")
    open_review(client, login, applicant, proposal["id"])
    assert client.post(f"{API}/credit", headers=login("admin"), json={
        "list_kind": "black", "credit_code": applicant["credit_code"], "entity_name": "厦门测试科技有限公司",
        "reason": "拖欠农民工工资", "source": "信用中国（厦门）", "valid_from": "2026-01-01"}).status_code == 201
    assert client.post(f"{API}/proposals/{proposal['id']}/opinions", headers=login("dept-construction"),
                       json={"verdict": "object", "reason": "与轨道交通控制线冲突"}).status_code == 201
    response = client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc"))
    assert response.status_code == 409
    kinds = {(reason["kind"], reason.get("department")) for reason in response.json()["reasons"]}
    assert ("objection", "construction") in kinds
    assert ("outstanding_opinion", "natural_resources") in kinds
    assert ("blacklisted_applicant", None) in kinds
    assert "拖欠农民工工资" in response.json()["detail"]
    with owner_engine.begin() as connection:  # lift the blacklist for the other tests: it ended yesterday
        connection.execute(text("UPDATE credit_list SET valid_to = :d WHERE credit_code = :c"),
                           {"d": date(2026, 1, 2), "c": applicant["credit_code"]})


def test_blocking_conflicts_refuse_approval(client, login, loaded_samples):
    proposals = client.get(f"{API}/proposals", headers=login("ndrc")).json()
    blocked = next(p for p in proposals if p["conflicts"]["blocking_count"] and p["state"] == "under_review")
    response = client.post(f"{API}/proposals/{blocked['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc"))
    assert response.status_code == 409
    assert any(reason["kind"] == "blocking_conflict" for reason in response.json()["reasons"])


def test_an_illegal_transition_says_what_is_legal(client, login, applicant, clean_spots):
    proposal = create(client, applicant, next(clean_spots))
    response = client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc"))
    assert response.status_code == 409 and response.json()["legal_actions"] == ["submit"]
    assert "legal from draft: submit" in response.json()["detail"]


def test_a_bad_credit_code_is_refused(client, applicant, clean_spots):
    body = proposal_body(next(clean_spots), applicant["credit_code"][:-1] + "0")
    response = client.post(f"{API}/proposals", json=body, headers=applicant["headers"])
    assert response.status_code == 422 and response.json()["field"] == "credit_code"


def test_a_new_revision_reopens_only_the_departments_whose_conflicts_changed(client, login, applicant, engine):
    with engine.connect() as connection:
        flood, acquisition = (shapely.from_wkb(connection.execute(text(
            "SELECT ST_AsBinary(ST_PointOnSurface(f.geom)) FROM layer_features f JOIN layer_versions v "
            "ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id WHERE l.kind = :k "
            "AND coalesce(f.properties->>'acquisition_status', 'in_progress') = 'in_progress' "
            "AND EXISTS (SELECT 1 FROM layer_features d JOIN layer_versions dv ON dv.id = d.version_id "
            "JOIN layers dl ON dl.id = dv.layer_id WHERE dl.kind = 'district' AND d.properties->>'adcode' = '350211' "
            "AND ST_Contains(d.geom, ST_Buffer(ST_PointOnSurface(f.geom), 0.001))) "
            "ORDER BY ST_Area(f.geom) DESC LIMIT 1"), {"k": kind}).scalar_one()) for kind in
            ("flood_risk", "land_acquisition"))  # both in 集美区: a site stays in its district
    first = create(client, applicant, flood.buffer(0.001, cap_style="square"), project_type="02",
                   investment_category="general_social", district_code="350211")
    open_review(client, login, applicant, first["id"])
    detail = client.get(f"{API}/proposals/{first['id']}", headers=login("ndrc")).json()
    required = set(detail["review"]["required"])
    assert {"jimei_water", "jimei_natural_resources"} <= required  # off the island the district answers
    for department in required:
        assert client.post(f"{API}/proposals/{first['id']}/opinions", headers=login(f"dept-{department}"),
                           json={"verdict": "agree"}).status_code == 201
    moved = client.post(f"{API}/proposals/{first['id']}/sites", headers=applicant["headers"],
                        json={"site": mapping(acquisition.buffer(0.001, cap_style="square"))})
    assert moved.status_code == 201, moved.text
    review = moved.json()["review"]
    outstanding = {entry["department"] for entry in review["outstanding"]}
    assert "jimei_land_acquisition" in outstanding  # a new conflict: its review opens
    assert [r["revision"] for r in moved.json()["revisions"]] == [1, 2]
    standing = {o["department"] for o in review["opinions"] if o["stands"]}
    assert "jimei_water" not in standing or "jimei_water" not in review["required"]


def test_markings_are_shared_on_the_review_and_hidden_from_the_public(client, login, loaded_samples):
    proposal = next(p for p in client.get(f"{API}/proposals", headers=login("ndrc")).json()
                    if p["state"] == "under_review" and p["district_code"] in ("350203", "350206"))  # city bureaus
    marking = {"geometry": {"type": "Point", "coordinates": [118.1, 24.5]}, "note": "此处有古树名木"}
    assert client.post(f"{API}/proposals/{proposal['id']}/markings", json=marking,
                       headers=login("dept-natural_resources")).status_code == 201
    seen = client.get(f"{API}/proposals/{proposal['id']}/markings", headers=login("dept-water")).json()
    assert any(f["properties"]["note"] == "此处有古树名木" for f in seen["features"])
    assert client.get(f"{API}/proposals/{proposal['id']}/markings").status_code in (401, 403, 404)
    assert client.post(f"{API}/proposals/{proposal['id']}/markings", json=marking,
                       headers=login("ndrc")).status_code == 403


def test_admin_decides_only_with_the_ndrc_role(client, login, applicant, clean_spots, engine):
    proposal = create(client, applicant, next(clean_spots))
    open_review(client, login, applicant, proposal["id"])
    approve = {"action": "approve"}
    with engine.begin() as connection:
        create_account(connection, username="admin-tests", secret=TEST_SECRET, role=Role.ADMIN)
    admin = login("admin-tests", TEST_SECRET)
    refused = client.post(f"{API}/proposals/{proposal['id']}/actions", json=approve, headers=admin)
    assert refused.status_code == 403 and "ndrc" in refused.json()["detail"]
    assert client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "return", "reason": "x"},
                       headers=admin).status_code == 403
    assert client.get(f"{API}/proposals/{proposal['id']}", headers=admin).json()["state"] == "under_review"
    # The admin still manages layers (test_layer_upload) and the credit lists; given the NDRC role, it decides.
    with engine.begin() as connection:
        grant_role(connection, "admin-tests", Role.NDRC, by="tests")
    approved = client.post(f"{API}/proposals/{proposal['id']}/actions", json=approve, headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["project_code"]


def test_the_audit_log_is_append_only_in_the_database(client, login, loaded_samples, owner_engine):
    proposal = client.get(f"{API}/proposals", headers=login("ndrc")).json()[0]
    history = client.get(f"{API}/proposals/{proposal['id']}/history", headers=login("ndrc")).json()
    assert [entry["action"] for entry in history][:3] == ["create", "revise_site", "submit"]
    assert all(entry["actor"] and entry["at"] for entry in history)
    # Even the owner, who has every grant, is stopped by the triggers.
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), owner_engine.begin() as connection:
            connection.execute(text(statement))


def test_a_code_never_changes(client, login, engine, owner_engine, loaded_samples):
    with engine.connect() as connection:
        coded = connection.execute(text("SELECT id FROM proposals WHERE project_code IS NOT NULL LIMIT 1")).scalar_one()
    for database in (engine, owner_engine):
        with pytest.raises(DBAPIError, match="never changes"), database.begin() as connection:
            connection.execute(text("UPDATE proposals SET project_code = '2611-350203-89-01-000000' WHERE id = :i"),
                               {"i": coded})
        with pytest.raises(DBAPIError, match="permission denied|never changes"), database.begin() as connection:
            connection.execute(text("DELETE FROM proposals WHERE id = :i"), {"i": coded})


def test_legacy_codes_are_registered_and_looked_up(client, login, clean_spots):
    body = proposal_body(next(clean_spots), credit_code(70002), name="集美区既有道路工程")
    legacy = "2017-350211-48-01-000123"
    response = client.post(f"{API}/projects/legacy", json={**body, "project_code": legacy}, headers=login("ndrc"))
    assert response.status_code == 201, response.text
    assert client.get(f"{API}/projects/{legacy}").json()["name"] == "集美区既有道路工程"
    again = client.post(f"{API}/projects/legacy", json={**body, "project_code": legacy}, headers=login("ndrc"))
    assert again.status_code == 422
    assert client.get(f"{API}/projects/2017-350211-48-04-000123").json()["part"] == "project_type"


def test_fifty_concurrent_approvals_give_fifty_distinct_codes(client, login, applicant, clean_spots, engine):
    ids = []
    for _ in range(50):
        proposal = create(client, applicant, next(clean_spots))
        open_review(client, login, applicant, proposal["id"])
        ids.append(proposal["id"])
    ndrc = login("ndrc")
    results: dict[int, int] = {}
    barrier = threading.Barrier(len(ids) + 1)

    def approve(proposal_id: int) -> None:
        barrier.wait()
        results[proposal_id] = client.post(f"{API}/proposals/{proposal_id}/actions", json={"action": "approve"},
                                           headers=ndrc).status_code

    # and a second approval of the first proposal racing the first: exactly one may win
    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    duplicate: list[int] = []
    threads.append(threading.Thread(target=lambda: (barrier.wait(), duplicate.append(
        client.post(f"{API}/proposals/{ids[0]}/actions", json={"action": "approve"}, headers=ndrc).status_code))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted({results[i] for i in ids} | set(duplicate)) in ([200, 409], [200])
    assert sum(status == 200 for status in [*results.values(), *duplicate]) == 50
    with engine.connect() as connection:
        codes = connection.execute(text("SELECT project_code FROM proposals WHERE id = ANY(:ids)"),
                                   {"ids": ids}).scalars().all()
    assert len(codes) == 50 and len(set(codes)) == 50 and all(codes)
    assert all(compute_check_character(code[:-1]) == code[-1] for code in codes)


PUBLIC, ADMIN, NDRC, DEPT, APPLICANT_OWN, APPLICANT_OTHER = "public", "admin", "ndrc", "dept", "own", "other"


@pytest.fixture(scope="module")
def matrix_proposal(client, login, applicant, clean_spots, engine):
    proposal = create(client, applicant, next(clean_spots), project_type="01", investment_category="financial")
    open_review(client, login, applicant, proposal["id"])
    with engine.begin() as connection:
        create_account(connection, username="applicant-other", secret=TEST_SECRET, role=Role.APPLICANT,
                       organisation="另一家公司", credit_code=credit_code(70003))
    return proposal["id"]


def role_headers(login, applicant, role: str) -> dict[str, str]:
    return {PUBLIC: {}, ADMIN: login("admin"), NDRC: login("ndrc"), DEPT: login("dept-natural_resources"),
            APPLICANT_OWN: applicant["headers"], APPLICANT_OTHER: login("applicant-other", TEST_SECRET)}[role]


MATRIX = [
    # (method, path, body, {role: allowed statuses}); anything else must be 401, 403 or 404
    ("GET", "/proposals", None, {ADMIN, NDRC, DEPT, APPLICANT_OWN, APPLICANT_OTHER}),
    ("GET", "/proposals/{id}", None, {ADMIN, NDRC, DEPT, APPLICANT_OWN}),
    ("GET", "/proposals/{id}/history", None, {ADMIN, NDRC, DEPT, APPLICANT_OWN}),
    ("GET", "/proposals/{id}/markings", None, {ADMIN, NDRC, DEPT, APPLICANT_OWN}),
    ("POST", "/proposals/{id}/markings", {"geometry": {"type": "Point", "coordinates": [118.1, 24.5]},
                                          "note": "矩阵测试"}, {ADMIN, DEPT}),
    ("POST", "/proposals/{id}/opinions", {"verdict": "agree"}, {DEPT}),
    # An admin manages accounts and layers; deciding is the NDRC's (test_admin_decides_only_with_the_ndrc_role).
    ("POST", "/proposals/{id}/actions", {"action": "return", "reason": "矩阵测试"}, {NDRC}),
    ("GET", "/credit", None, {ADMIN, NDRC}),
    ("POST", "/credit", {"list_kind": "red", "credit_code": credit_code(70009), "entity_name": "x",
                         "reason": "守信", "source": "市信用办", "valid_from": "2026-01-01"}, {ADMIN}),
    ("GET", "/me", None, {ADMIN, NDRC, DEPT, APPLICANT_OWN, APPLICANT_OTHER}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
@pytest.mark.parametrize("role", [PUBLIC, ADMIN, NDRC, DEPT, APPLICANT_OWN, APPLICANT_OTHER])
def test_role_matrix(client, login, applicant, matrix_proposal, method, path, body, allowed, role):
    url = API + path.format(id=matrix_proposal)
    response = client.request(method, url, json=body, headers=role_headers(login, applicant, role))
    if role in allowed:
        assert response.status_code < 400 or (response.status_code in (409, 422) and method == "POST"), response.text
    else:
        assert response.status_code in (401, 403, 404), (role, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    if role == PUBLIC and response.status_code < 400:
        pytest.fail("the public saw " + url)


def test_the_public_sees_no_proposal_field(client, loaded_samples):
    for path in ("/proposals", "/proposals/1", "/proposals/1/markings", "/proposals/1/history"):
        response = client.get(API + path)
        assert response.status_code in (401, 403, 404)
        assert "applicant" not in response.text and "credit_code" not in response.text


def test_get_engine_is_the_test_database(engine):
    assert get_engine().url.database == engine.url.database


def test_the_red_list_is_recorded_and_shown_on_the_proposal(client, login, applicant, clean_spots):
    proposal = create(client, applicant, next(clean_spots))
    entry = {"list_kind": "red", "credit_code": applicant["credit_code"], "entity_name": "厦门测试科技有限公司",
             "reason": "纳税信用A级", "source": "厦门市税务局", "valid_from": "2026-01-01"}
    assert client.post(f"{API}/credit", headers=login("admin"), json=entry).status_code == 201
    shown = client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()["applicant_credit"]
    assert [e["reason"] for e in shown["red"]] == ["纳税信用A级"]
    assert client.get(f"{API}/credit", params={"list_kind": "red"}, headers=login("ndrc")).status_code == 200
