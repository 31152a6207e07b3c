"""The joint review of a feasibility study (可研联评联审): the NDRC convenes it with the study (PDF or OFD,
judged by content), invited departments conclude once, the NDRC decides only after all of them, and the
decision decides the study's approval item. Every refusal is a problem that changes nothing.
"""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import text
from test_supervision_support import PDF, PNG, legacy_project, open_item, people  # noqa: F401  (people is a fixture)

REVIEW = "/api/v1/projects/{code}/feasibility-review"
INVITED = ["natural_resources", "construction", "ecology_environment"]


def ofd() -> bytes:
    """A minimal OFD package (GB/T 33190): a ZIP whose entry point is OFD.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def convene(client, people, code: str, content: bytes = PDF, name: str = "可研报告.pdf",  # noqa: F811
            who: str = "ndrc", **fields):
    data = {"received_on": "2025-03-03", "meeting_on": "2025-03-10", "departments": INVITED, **fields}
    return client.post(REVIEW.format(code=code), headers=people[who], data=data,
                       files={"study": (name, content, "application/octet-stream")})


def conclude(client, people, code: str, who: str, **body):  # noqa: F811
    return client.post(f"{REVIEW.format(code=code)}/conclusions", headers=people[who], json=body)


def decide(client, people, code: str, **body):  # noqa: F811
    return client.post(f"{REVIEW.format(code=code)}/decision", headers=people["ndrc"],
                       json={"decided_on": "2025-03-12", **body})


def counts(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in (
            "feasibility_reviews", "feasibility_invitations", "feasibility_conclusions", "approval_items",
            "audit_log")) + (connection.execute(text(
                "SELECT count(*) FROM feasibility_reviews WHERE decision IS NOT NULL")).scalar_one(),)


def test_the_review_is_convened_concluded_by_each_department_and_decides_the_study_item(
        client, engine, people) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", name="可研联审测试项目")
    convened = convene(client, people, code)
    assert convened.status_code == 201, convened.text
    assert convened.json()["work_plan_issued_on"] is None  # registered, not approved here: no plan to show
    review = convened.json()["reviews"][0]
    assert sorted(d["department"] for d in review["invited"]) == sorted(INVITED)
    assert review["outstanding"] == sorted(INVITED) and review["decision"] is None
    assert review["study"]["content_type"] == "application/pdf" and review["meeting_on"] == "2025-03-10"
    study = client.get(review["study"]["url"], headers=people["water"])
    assert study.status_code == 200 and study.content == PDF
    item = client.get(f"/api/v1/supervision/items/{review['item_id']}", headers=people["ndrc"]).json()
    assert (item["item_type"], item["accepted_on"], item["decided_on"]) == (
        "feasibility_study_approval", "2025-03-03", None)

    # Before every invited department has concluded, the NDRC cannot decide, and nothing changes.
    before = counts(engine)
    early = decide(client, people, code, decision="approve")
    assert early.status_code == 409 and early.json()["outstanding"] == sorted(INVITED)
    assert "Ecology and Environment Bureau" in early.json()["detail"]
    assert counts(engine) == before

    assert conclude(client, people, code, "natural_resources", conclusion="agree").status_code == 201
    changed = conclude(client, people, code, "construction", conclusion="agree_with_changes",
                       changes=["补充海绵城市设计专篇", " ", "核减道路工程投资估算"])
    assert changed.status_code == 201, changed.text
    partly = decide(client, people, code, decision="approve")
    assert partly.status_code == 409 and partly.json()["outstanding"] == ["ecology_environment"]
    assert conclude(client, people, code, "ecology_environment", conclusion="agree").status_code == 201

    decided = decide(client, people, code, decision="approve_with_changes",
                     changes=["补充海绵城市设计专篇", "核减道路工程投资估算"], document_number="厦发改审〔2025〕31号")
    assert decided.status_code == 200, decided.text
    review = decided.json()["reviews"][0]
    construction = next(d for d in review["invited"] if d["department"] == "construction")
    assert construction["changes"] == ["补充海绵城市设计专篇", "核减道路工程投资估算"]
    assert review["outstanding"] == [] and review["decision"]["item_result"] == "approved_with_conditions"
    item = client.get(f"/api/v1/supervision/items/{review['item_id']}", headers=people["ndrc"]).json()
    assert (item["decided_on"], item["result"]) == ("2025-03-12", "approved_with_conditions")
    assert item["document"]["document_number"] == "厦发改审〔2025〕31号"
    with engine.connect() as connection:
        actions = connection.execute(text(
            "SELECT a.action FROM audit_log a JOIN proposals p ON p.id = a.proposal_id WHERE p.project_code = :c "
            "AND a.action LIKE '%feasibility%' ORDER BY a.id"), {"c": code}).scalars().all()
    assert actions == ["convene_feasibility_review"] + ["conclude_feasibility_review"] * 3 + [
        "decide_feasibility_review"]
    # Decided: no more conclusions or decisions on it.
    assert conclude(client, people, code, "construction", conclusion="agree").status_code == 409
    assert decide(client, people, code, decision="approve").status_code == 409


def test_every_refusal_is_a_problem_and_changes_nothing(client, engine, people) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", name="可研联审拒绝测试项目")
    before = counts(engine)
    for response, status, field in (
        (convene(client, people, code, who="natural_resources"), 403, None),
        (convene(client, people, code, PNG, "scan.png"), 422, "study"),
        (convene(client, people, code, b"PK\x03\x04 not an OFD", "study.ofd"), 422, "study"),
        (convene(client, people, code, b"", "empty.pdf"), 422, "study"),
        (convene(client, people, code, meeting_on="2025-03-01"), 422, "meeting_on"),
        (convene(client, people, code, departments=["tourism"]), 422, "departments"),
        (convene(client, people, code, departments=["ndrc"]), 422, "departments"),
        (convene(client, people, code, received_on="2018-06-01"), 422, "accepted_on"),
        (conclude(client, people, code, "water", conclusion="agree"), 409, None),  # nothing convened yet
    ):
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field is None or response.json()["field"] == field
    assert counts(engine) == before

    assert convene(client, people, code, ofd(), "可研报告.ofd").status_code == 201
    before = counts(engine)
    for response, status, field in (
        (convene(client, people, code), 409, None),  # one review under way at a time
        (conclude(client, people, code, "water", conclusion="agree"), 403, None),  # not invited
        (conclude(client, people, code, "natural_resources", department="construction", conclusion="agree"),
         403, None),  # only for its own department
        (conclude(client, people, code, "ndrc", conclusion="agree"), 403, None),
        (conclude(client, people, code, "natural_resources", conclusion="maybe"), 422, "conclusion"),
        (conclude(client, people, code, "natural_resources", conclusion="agree_with_changes"), 422, "changes"),
        (conclude(client, people, code, "natural_resources", conclusion="disagree", reason=" "), 422, "reason"),
        (decide(client, people, code, decision="approve"), 409, None),
    ):
        assert response.status_code == status, response.text
        assert field is None or response.json()["field"] == field
    assert counts(engine) == before

    assert conclude(client, people, code, "natural_resources", conclusion="disagree",
                    reason="选址与规划道路红线冲突").status_code == 201
    assert conclude(client, people, code, "natural_resources", conclusion="agree").status_code == 409
    assert conclude(client, people, code, "construction", conclusion="agree").status_code == 201
    assert conclude(client, people, code, "ecology_environment", conclusion="agree").status_code == 201
    before = counts(engine)
    for response, field in (
        (decide(client, people, code, decision="approve"), "reason"),  # a disagreement is overruled only with why
        (decide(client, people, code, decision="disagree"), "reason"),
        (decide(client, people, code, decision="approve_with_changes", changes=[]), "changes"),
        (decide(client, people, code, decision="approve", reason="已调整", decided_on="2025-03-07"), "decided_on"),
        (decide(client, people, code, decision="shrug"), "decision"),
    ):
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    assert counts(engine) == before

    refused = decide(client, people, code, decision="disagree", reason="选址与规划道路红线冲突，须调整方案后重新报批")
    assert refused.status_code == 200, refused.text
    review = refused.json()["reviews"][0]
    assert review["decision"]["item_result"] == "refused" and "红线" in review["decision"]["reason"]
    item = client.get(f"/api/v1/supervision/items/{review['item_id']}", headers=people["ndrc"]).json()
    assert item["result"] == "refused"
    # A refused study may be revised and reviewed again, under a new item.
    again = convene(client, people, code, received_on="2025-04-01", meeting_on="2025-04-08")
    assert again.status_code == 201, again.text
    assert [r["id"] for r in again.json()["reviews"]][1] == review["id"]
    assert again.json()["reviews"][0]["item_id"] != review["item_id"]


def test_a_study_accepted_as_an_item_before_is_reviewed_under_that_item(client, engine, people) -> None:  # noqa: F811
    code = legacy_project(engine, people, category="financial", name="可研先受理后联审测试项目")
    item = open_item(client, people, "ndrc", code, "feasibility_study_approval", "2025-02-26")
    convened = convene(client, people, code, received_on="2025-03-03", meeting_on="2025-03-05")
    assert convened.status_code == 201, convened.text
    review = convened.json()["reviews"][0]
    assert review["item_id"] == item["id"] and review["received_on"] == "2025-02-26"
