"""Suspensions name their legal ground (行政许可法 第四十五条, 第三十二条 补正) and never overlap: every bad
suspension gets a problem a person can act on, in the caller's language, and nothing is written. The clock,
the department lists and the feed count the suspended working days through one computation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from test_supervision_support import API, decide, legacy_project, open_item, people  # noqa: F401

from projects.supervision.grounds import GROUNDS, SELECTABLE_GROUNDS

ZH = {"Accept-Language": "zh-CN"}


def written(engine: Engine, item_id: int) -> tuple[int, int]:
    """(suspensions, audit entries) of an item: what a refused request must leave as it was."""
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM item_suspensions WHERE item_id = :i), "
            "(SELECT count(*) FROM audit_log WHERE (after ->> 'item_id')::int = :i)"), {"i": item_id}).one())


def test_the_grounds_cite_their_article_in_both_languages_and_the_legacy_one_is_not_offered(client) -> None:
    listed = client.get(f"{API}/suspension-grounds").json()
    assert [g["key"] for g in listed if g["selectable"]] == list(SELECTABLE_GROUNDS)
    assert {"hearing", "expert_review", "testing", "inspection", "appraisal", "public_notice", "tender_auction",
            "supplement"} == set(SELECTABLE_GROUNDS)
    assert all("第四十五条" in GROUNDS[k].article.zh and "art. 45" in GROUNDS[k].article.en
               for k in ("hearing", "expert_review", "testing", "inspection", "appraisal", "tender_auction"))
    assert "第三十二条" in GROUNDS["supplement"].article.zh
    assert [g["selectable"] for g in listed if g["key"] == "special_procedure"] == [False]


def test_every_bad_suspension_is_refused_with_its_reason_and_writes_nothing(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停计时事由测试项目")
    item = open_item(client, people, "ecology_environment", code, "eia_approval", "2025-03-03")
    url, who = f"{API}/items/{item['id']}/suspension", people["ecology_environment"]
    base = {"suspended_on": "2025-03-05", "reason": "组织专家技术评审"}
    before = written(engine, item["id"])

    def refused(body: dict[str, Any], field: str, words: str, status: int = 422) -> None:
        answer = client.post(url, headers={**who, **ZH}, json=body)
        assert answer.status_code == status and answer.json().get("field") == field, answer.text
        assert words in answer.json()["detail"], answer.json()["detail"]
        assert written(engine, item["id"]) == before

    refused(base, "ground", "请选择暂停计时的法定事由")
    refused({**base, "ground": "  "}, "ground", "专家评审")
    refused({**base, "ground": "lunch_break"}, "ground", "不是暂停计时的法定事由")
    refused({**base, "ground": "special_procedure"}, "ground", "旧记录")
    refused({**base, "ground": "hearing", "suspended_on": "2025-03-01"}, "suspended_on", "受理日期2025-03-03")
    refused({**base, "ground": "hearing", "suspended_on": "2099-03-01"}, "suspended_on", "晚于今天")
    refused({**base, "ground": "hearing", "resumed_on": "2025-03-04"}, "resumed_on", "早于暂停计时开始之日")
    refused({**base, "ground": "hearing", "resumed_on": "2099-03-04"}, "resumed_on", "晚于今天")
    english = client.post(url, headers=who, json={**base, "ground": "nap"})
    assert "is not a legal ground" in english.json()["detail"] and "expert_review" in english.json()["detail"]


def test_suspensions_of_one_item_never_overlap_not_even_back_dated_ones(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停计时重叠测试项目")
    item = open_item(client, people, "ecology_environment", code, "eia_approval", "2025-03-03")
    url, who = f"{API}/items/{item['id']}", people["ecology_environment"]
    closed = client.post(f"{url}/suspension", headers=who, json={
        "suspended_on": "2025-03-10", "resumed_on": "2025-03-14", "ground": "testing", "reason": "水质检验"})
    assert closed.status_code == 200, closed.text
    before = written(engine, item["id"])
    for span in ({"suspended_on": "2025-03-12", "resumed_on": "2025-03-18"},  # starts inside
                 {"suspended_on": "2025-03-05", "resumed_on": "2025-03-11"},  # ends inside
                 {"suspended_on": "2025-03-05", "resumed_on": "2025-03-20"},  # covers it
                 {"suspended_on": "2025-03-05"}):  # back-dated and lasting: runs over it
        answer = client.post(f"{url}/suspension", headers={**who, **ZH},
                             json={**span, "ground": "hearing", "reason": "听证"})
        assert answer.status_code == 422 and answer.json()["field"] == "suspended_on", answer.text
        assert "2025-03-10至2025-03-14" in answer.json()["detail"] and "检验" in answer.json()["detail"]
        assert written(engine, item["id"]) == before
    # Spans that only touch it, before and after, are fine: (a, b] shares no working day with (b, c].
    for span in ({"suspended_on": "2025-03-04", "resumed_on": "2025-03-10"}, {"suspended_on": "2025-03-14"}):
        answer = client.post(f"{url}/suspension", headers=who, json={**span, "ground": "supplement",
                                                                      "reason": "补正材料"})
        assert answer.status_code == 200, answer.text
    lasting_again = client.post(f"{url}/suspension", headers=who,
                                json={"suspended_on": "2025-03-20", "ground": "hearing", "reason": "听证"})
    assert lasting_again.status_code == 409
    inside_lasting = client.post(f"{url}/suspension", headers=who, json={
        "suspended_on": "2025-03-17", "resumed_on": "2025-03-19", "ground": "hearing", "reason": "听证"})
    assert inside_lasting.status_code == 422 and "尚未恢复" not in inside_lasting.json()["detail"]
    assert "not resumed" in inside_lasting.json()["detail"]
    grounds = [s["ground"] for s in client.get(url, headers=who).json()["suspensions"]]
    assert grounds == ["supplement", "testing", "supplement"]


def test_an_item_stopped_over_its_due_date_is_not_overdue_one_overdue_before_it_stopped_is(
        client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停计时超期测试项目")
    # Flood impact assessment: 10 working days. Accepted Mon 2025-05-12, due Mon 05-26 without a stop.
    stopped = open_item(client, people, "water", code, "flood_impact_assessment", "2025-05-12")
    late = open_item(client, people, "water", code, "soil_water_conservation_plan", "2025-05-12")
    who = people["water"]
    assert client.post(f"{API}/items/{stopped['id']}/suspension", headers=who, json={
        "suspended_on": "2025-05-14", "ground": "expert_review", "reason": "组织专家评审"}).status_code == 200
    # The other one used up its 10 days (due 05-26) and only then stopped for a supplement.
    assert client.post(f"{API}/items/{late['id']}/suspension", headers=who, json={
        "suspended_on": "2025-05-28", "ground": "supplement", "reason": "补正"}).status_code == 200
    listed = client.get(f"{API}/deadlines", headers=who, params={"as_of": "2025-06-10"}).json()["departments"][0]
    overdue = {i["item_id"]: i for i in listed["overdue"]}
    assert stopped["id"] in [i["item_id"] for i in listed["suspended"]] and stopped["id"] not in overdue
    assert overdue[late["id"]]["overdue_working_days"] == 2 and overdue[late["id"]]["suspended_since"] == "2025-05-28"
    # Resumed on 06-03 after 13 stopped working days (05-15 … 06-03; 端午 05-31 … 06-02 is off): 2 days were used
    # before the stop, the other 8 run 06-04 … 06-13; the item, the project page and the list show the same day.
    assert client.post(f"{API}/items/{stopped['id']}/resumption", headers=who,
                       json={"resumed_on": "2025-06-03"}).status_code == 200
    detail = client.get(f"{API}/items/{stopped['id']}", headers=who, params={"as_of": "2025-06-10"}).json()
    assert detail["clock"]["suspended_working_days"] == 13 and detail["clock"]["due"] == "2025-06-13"
    assert detail["clock"]["status"] in ("running", "due_soon")
    page = client.get(f"{API}/projects/{code}/approvals", headers=who, params={"as_of": "2025-06-10"}).json()
    shown = [i for s in page["stages"] for i in s["items"] if i["id"] == stopped["id"]][0]
    assert shown["clock"] == detail["clock"] and shown["may_act"] is True
    assert [i for s in page["stages"] for i in s["items"] if i["id"] == late["id"]][0]["clock"]["status"] == "overdue"
    due_soon = client.get(f"{API}/deadlines", headers=who, params={"as_of": "2025-06-10"}).json()["departments"][0]
    assert [i["due"] for i in due_soon["due_soon"] if i["item_id"] == stopped["id"]] == ["2025-06-13"]
    for_ndrc = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"]).json()
    assert not any(i["may_act"] for s in for_ndrc["stages"] for i in s["items"])


def test_the_feed_reports_the_due_date_and_each_suspension_with_its_ground(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停计时报送测试项目")
    approval = open_item(client, people, "ndrc", code, "project_approval", "2025-08-04")
    assert client.post(f"{API}/items/{approval['id']}/suspension", headers=people["ndrc"], json={
        "suspended_on": "2025-08-05", "resumed_on": "2025-08-07", "ground": "expert_review",
        "reason": "组织专家评审可行性研究报告"}).status_code == 200
    decide(client, people, "ndrc", approval["id"], "2025-08-12", "厦发改审批〔2025〕812号")
    feed = client.post(f"{API}/feed/{code}/exports", headers=people["ndrc"]).json()
    # 5 working days from Mon 08-04 end on Mon 08-11; two stopped (Wed, Thu) move it to Wed 08-13.
    assert feed["items"][0]["due_on"] == "2025-08-13" and feed["items"][0]["due_provisional"] is False
    assert feed["items"][0]["suspensions"] == [
        {"ground": "expert_review", "suspended_on": "2025-08-05", "resumed_on": "2025-08-07"}]
    page = client.get(f"{API}/projects/{code}/approvals", headers=people["ndrc"]).json()
    assert page["stages"][0]["items"][0]["clock"]["due"] == feed["items"][0]["due_on"]


def test_an_item_is_not_decided_on_a_day_its_clock_was_stopped(client, people, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people, name="暂停期间办结测试项目")
    item = open_item(client, people, "water", code, "flood_impact_assessment", "2025-04-07")
    url = f"{API}/items/{item['id']}"
    assert client.post(f"{url}/suspension", headers=people["water"], json={
        "suspended_on": "2025-04-08", "resumed_on": "2025-04-15", "ground": "appraisal", "reason": "委托鉴定"}
    ).status_code == 200
    inside = client.post(f"{url}/decision", headers=people["water"],
                         json={"decided_on": "2025-04-10", "result": "approved"})
    assert inside.status_code == 422 and inside.json()["field"] == "decided_on"
    assert "2025-04-15" in inside.json()["detail"]
    assert client.get(url, headers=people["water"]).json()["decided_on"] is None
    decided = decide(client, people, "water", item["id"], "2025-04-15", "厦水许〔2025〕415号")
    assert decided["clock"]["status"] == "on_time"
