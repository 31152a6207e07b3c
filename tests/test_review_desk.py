"""What the review and decision pages read from the API: a department's queue (待我审查), opinions citing
markings, refusal reasons in both languages, the NDRC's decisions with their reasons, eligibility, and the
printable PDF report."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
import shapely
from pypdf import PdfReader
from test_fresh_approval import applicant_account
from test_proposals import API, create, open_review
from test_supervision_support import clean_sites

from gis.area import M2_PER_MU

CHINESE = {"Accept-Language": ""}
"""No language asked for (the test client asks for English): the report is in Chinese, the default."""


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-desk", 70031)


@pytest.fixture(scope="module")
def clean_spots(engine, loaded_samples) -> Iterator[shapely.Geometry]:
    return (shapely.geometry.shape(site) for site in clean_sites(engine))


@pytest.fixture(scope="module")
def reviewed(client, login, applicant, clean_spots) -> dict:
    """A type-01 (审批) proposal under review: natural resources and construction must answer."""
    proposal = create(client, applicant, next(clean_spots), project_type="01", investment_category="financial",
                      name="集美区审查台测试项目")
    open_review(client, login, applicant, proposal["id"])
    return proposal


def test_the_queue_lists_what_waits_for_the_department_longest_first(client, login, reviewed):
    queue = client.get(f"{API}/review-queue", headers=login("dept-construction")).json()
    assert reviewed["id"] in [item["id"] for item in queue]
    assert [item["waiting_since"] for item in queue] == sorted(item["waiting_since"] for item in queue)
    assert all(item["state"] == "under_review" for item in queue)
    assert all("construction" in {w["department"] for w in item["outstanding"]} for item in queue)
    ours = next(item for item in queue if item["id"] == reviewed["id"])
    assert ours["waiting_days"] == 0
    # the water bureau is not asked about this site
    water = client.get(f"{API}/review-queue", headers=login("dept-water")).json()
    assert reviewed["id"] not in [item["id"] for item in water]


def test_the_queue_is_for_departments(client, login, loaded_samples):
    assert client.get(f"{API}/review-queue", headers=login("ndrc")).status_code == 403
    assert client.get(f"{API}/review-queue").status_code == 401


def test_an_opinion_cites_only_its_own_departments_markings(client, login, reviewed):
    path = f"{API}/proposals/{reviewed['id']}"
    centre = shapely.geometry.shape(reviewed["revisions"][0]["geometry"]).centroid
    point = {"type": "Point", "coordinates": [centre.x, centre.y]}
    ours, theirs = (client.post(f"{path}/markings", headers=login(user), json={"geometry": point, "note": note})
                    for user, note in (("dept-construction", "施工便道出入口"), ("dept-natural_resources", "规划路网")))
    assert ours.status_code == theirs.status_code == 201, ours.text
    ours, theirs = ours.json(), theirs.json()
    refused = client.post(f"{path}/opinions", headers=login("dept-construction"),
                          json={"verdict": "agree", "marking_ids": [theirs["id"]]})
    assert refused.status_code == 422 and refused.json()["field"] == "marking_ids"
    assert not [o for o in client.get(path, headers=login("ndrc")).json()["review"]["opinions"]
                if o["department"] == "construction"], "a refused opinion was stored"
    given = client.post(f"{path}/opinions", headers=login("dept-construction"),
                        json={"verdict": "agree_with_conditions", "conditions": ["施工期间保留便道"],
                              "marking_ids": [ours["id"]]})
    assert given.status_code == 201, given.text
    opinion = next(o for o in given.json()["review"]["opinions"] if o["department"] == "construction")
    assert opinion["marking_ids"] == [ours["id"]] and opinion["stands"]


def test_refusal_reasons_come_in_both_languages(client, login, applicant, clean_spots):
    proposal = create(client, applicant, next(clean_spots), project_type="01", investment_category="financial")
    open_review(client, login, applicant, proposal["id"])
    assert client.post(f"{API}/proposals/{proposal['id']}/opinions", headers=login("dept-natural_resources"),
                       json={"verdict": "object", "reason": "占用规划道路"}).status_code == 201
    response = client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc"))
    assert response.status_code == 409
    reasons = {reason["kind"]: reason for reason in response.json()["reasons"]}
    objection, outstanding = reasons["objection"], reasons["outstanding_opinion"]
    # departments are named in full (a site in 思明区 goes to the city bureaus)
    assert objection["text"]["zh"] == "厦门市自然资源和规划局不同意：占用规划道路"
    assert objection["text"]["en"] == "Xiamen Natural Resources and Planning Bureau objects: 占用规划道路"
    assert outstanding["text"]["zh"] == "厦门市住房和建设局尚未反馈意见（已等待 0 天）"
    assert outstanding["department"] == "construction" and outstanding["waiting_days"] == 0
    assert not re.search(r"[A-Za-z]{3,}", outstanding["text"]["zh"])
    listed = next(p for p in client.get(f"{API}/proposals", headers=login("ndrc")).json()
                  if p["id"] == proposal["id"])
    assert listed["eligible"] is False
    assert {b["kind"] for b in listed["blockers"]} == {"objection", "outstanding_opinion"}
    assert listed["district_name"] == "思明区"


def test_a_blocking_conflict_reason_names_the_rule_and_area_in_both_languages(client, login, loaded_samples):
    listed = client.get(f"{API}/proposals", headers=login("ndrc")).json()
    blocked = next(p for p in listed if p["conflicts"]["blocking_count"] and p["state"] == "under_review")
    reason = next(b for b in blocked["blockers"] if b["kind"] == "blocking_conflict")
    area = f"{reason['overlap_m2']:,.0f}"
    assert reason["text"]["zh"].startswith("禁止类冲突：") and f"{area} 平方米" in reason["text"]["zh"]
    assert reason["text"]["en"].startswith("blocking conflict: ") and f"{area} m²" in reason["text"]["en"]


def test_a_returned_proposal_carries_its_return_reason(client, login, applicant, clean_spots):
    proposal = create(client, applicant, next(clean_spots))
    open_review(client, login, applicant, proposal["id"])
    missing = client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "return", "reason": " "},
                          headers=login("ndrc"))
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    returned = client.post(f"{API}/proposals/{proposal['id']}/actions",
                           json={"action": "return", "reason": "请补充红线图"}, headers=login("ndrc")).json()
    assert [(d["action"], d["reason"]) for d in returned["decisions"]] == [("return", "请补充红线图")]
    own = client.get(f"{API}/proposals/{proposal['id']}", headers=applicant["headers"]).json()
    assert own["state"] == "returned" and own["decisions"][0]["reason"] == "请补充红线图"


def test_the_report_pdf_holds_the_code_the_areas_and_the_opinions(client, login, applicant, clean_spots):
    proposal = create(client, applicant, next(clean_spots), name="翔安区报告测试项目")
    open_review(client, login, applicant, proposal["id"])
    approved = client.post(f"{API}/proposals/{proposal['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc")).json()
    code = approved["project_code"]
    response = client.get(f"{API}/proposals/{proposal['id']}/report.pdf", headers={**login("ndrc"), **CHINESE})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    area = approved["revisions"][-1]["area_m2"]
    for expected in ("冲突检测报告", "策划生成意见汇总", "翔安区报告测试项目", code, f"{area:,.2f} m²",
                     f"{area / M2_PER_MU:,.2f} 亩", "已赋码", "签字", "批准赋码"):
        assert expected in text, expected
    english = pdf_text(client.get(f"{API}/proposals/{proposal['id']}/report.pdf?lang=en",
                                  headers=login("ndrc")).content)
    assert "Conflict screening report" in english and code in english and "Signature" in english
    by_header = pdf_text(client.get(f"{API}/proposals/{proposal['id']}/report.pdf",
                                    headers={**login("ndrc"), "Accept-Language": "en-GB,en;q=0.9"}).content)
    assert "Conflict screening report" in by_header


def test_the_report_lists_conflicts_with_their_areas_and_layer_versions(client, login, loaded_samples):
    listed = client.get(f"{API}/proposals", headers=login("ndrc")).json()
    blocked = next(p for p in listed if p["conflicts"]["blocking_count"])
    detail = client.get(f"{API}/proposals/{blocked['id']}", headers=login("ndrc")).json()
    text = pdf_text(client.get(f"{API}/proposals/{blocked['id']}/report.pdf",
                               headers={**login("ndrc"), **CHINESE}).content)
    flat = text.replace("\n", " ")
    for conflict in detail["screening"]["conflicts"]:
        assert f"{conflict['overlap']['m2']:,.2f}" in flat
        assert f"{conflict['overlap']['mu']:,.2f}" in flat
    assert "禁止类冲突" in text and "版本" in text
    assert any(status in text for status in ("有冲突", "无冲突", "选址下无数据"))


def test_the_report_is_read_as_the_proposal_is(client, login, applicant, clean_spots):
    draft = create(client, applicant, next(clean_spots))
    path = f"{API}/proposals/{draft['id']}/report.pdf"
    assert client.get(path).status_code == 401 or client.get(path).status_code == 404
    assert client.get(path, headers=login("dept-water")).status_code == 404  # a draft is the applicant's
    own = client.get(path, headers={**applicant["headers"], **CHINESE})
    assert own.status_code == 200 and "草稿" in pdf_text(own.content)


def test_an_applicant_is_not_told_which_project_stands_in_the_way(client, login, applicant, clean_spots):
    site = next(clean_spots)
    first = create(client, applicant, site, name="先行赋码项目")
    open_review(client, login, applicant, first["id"])
    assert client.post(f"{API}/proposals/{first['id']}/actions", json={"action": "approve"},
                       headers=login("ndrc")).status_code == 200
    second = create(client, applicant, site, name="后来重叠项目")
    open_review(client, login, applicant, second["id"])

    def in_the_way(headers: dict) -> list[dict]:
        listed = next(p for p in client.get(f"{API}/proposals", headers=headers).json() if p["id"] == second["id"])
        assert listed["eligible"] is False
        return [b for b in listed["blockers"] if b.get("layer_kind") == "project_site"]

    assert [b["layer"] for b in in_the_way(login("ndrc"))] == ["先行赋码项目"]
    assert [b["layer"] for b in in_the_way(applicant["headers"])] == [None]
