"""One-window acceptance (一口受理, 代收代办) on a real PostGIS: a district window accepts for a city bureau, the
bureau's clock starts on the window's day; materials, forwarding, receipt and mailing; every refusal changes
nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    PDF,
    SECRET,
    People,
    decide,
    legacy_project,
    open_item,
    people,
)

from projects.accounts import AccountError, Role, account_by_username, create_account
from projects.clock import beijing_today
from projects.supervision.windows import assign_window, create_window_account, tracking_number

WINDOWS = "/api/v1/windows"


@pytest.fixture(scope="module")
def desks(engine: Engine, client: Any) -> dict[str, dict[str, str]]:
    """Window accounts at 翔安区 and 思明区 (created once per run), logged in over HTTP."""
    headers = {}
    for slug in ("xiangan", "siming"):
        username = f"sv-window-{slug}"
        with engine.begin() as connection:
            if account_by_username(connection, username) is None:
                create_window_account(connection, username=username, secret=SECRET, window_slug=slug)
        token = client.post("/api/v1/auth/token", json={"username": username, "secret": SECRET}).json()
        headers[slug] = {"Authorization": f"Bearer {token['access_token']}"}
    return headers


def _accept(client: Any, desk: dict[str, str], code: str, item_type: str, accepted_on: str) -> dict[str, Any]:
    response = client.post(f"{WINDOWS}/acceptances", headers=desk,
                           json={"project_code": code, "item_type": item_type, "accepted_on": accepted_on,
                                 "applicant_contact": "陈先生 0592-1234567"})
    assert response.status_code == 201, response.text
    return response.json()


def _upload(client: Any, desk: dict[str, str], acceptance_id: int, content: bytes = PDF) -> Any:
    return client.post(f"{WINDOWS}/acceptances/{acceptance_id}/materials", headers=desk,
                       files={"file": ("用地红线图.pdf", content, "application/pdf")})


def _state(engine: Engine, acceptance_id: int) -> tuple[Any, ...]:
    """Everything a refusal must leave as it was: the acceptance row, its files and the audit trail's length."""
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM window_acceptances WHERE id = :id"), {"id": acceptance_id}).one()
        files = connection.execute(text("SELECT count(*) FROM window_materials WHERE acceptance_id = :id"),
                                   {"id": acceptance_id}).scalar_one()
        entries = connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    return tuple(row), files, entries


def test_a_district_window_accepts_for_a_city_bureau_and_its_clock_starts_on_the_windows_day(
        client, people: People, desks, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    approval = open_item(client, people, "ndrc", code, "project_approval", "2025-03-03")
    decide(client, people, "ndrc", approval["id"], "2025-03-05", f"厦发改审批〔2025〕{approval['id']}号")
    accepted = _accept(client, desks["xiangan"], code, "site_selection_opinion", "2025-03-10")
    assert accepted["window"]["zh"] == "翔安区行政服务中心" and accepted["department"] == "natural_resources"
    assert accepted["status"] == "accepted" and accepted["accepted_on"] == "2025-03-10"
    item = client.get(f"/api/v1/supervision/items/{accepted['item_id']}", headers=people["natural_resources"],
                      params={"as_of": "2025-03-24"}).json()
    # 10 working days from Monday 10 March: due Monday 24 March, the clock counted from the window's day
    assert item["accepted_on"] == "2025-03-10" and item["department"] == "natural_resources"
    assert item["clock"]["due"] == "2025-03-24" and item["clock"]["used_working_days"] == 10
    assert item["reuses"][0]["item_type"] == "project_approval"
    # the bureau cannot accept the same item again at its own desk, nor another window
    again = client.post("/api/v1/supervision/items", headers=people["natural_resources"],
                        json={"project_code": code, "item_type": "site_selection_opinion", "accepted_on": "2025-03-11"})
    assert again.status_code == 409
    twice = client.post(f"{WINDOWS}/acceptances", headers=desks["siming"],
                        json={"project_code": code, "item_type": "site_selection_opinion", "accepted_on": "2025-03-11"})
    assert twice.status_code == 409 and "already open" in twice.json()["detail"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM window_acceptances w JOIN approval_items i "
                                       "ON i.id = w.item_id JOIN proposals p ON p.id = i.proposal_id "
                                       "WHERE p.project_code = :c"), {"c": code}).scalar_one() == 1


def test_materials_forwarding_receipt_and_mailing_in_order(client, people: People, desks, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    accepted = _accept(client, desks["xiangan"], code, "project_approval", "2025-04-07")
    url = f"{WINDOWS}/acceptances/{accepted['id']}"
    nothing = client.post(f"{url}/forwarding", headers=desks["xiangan"],
                          json={"department": "ndrc", "forwarded_on": "2025-04-07"})
    assert nothing.status_code == 409 and "no materials" in nothing.json()["detail"]
    uploaded = _upload(client, desks["xiangan"], accepted["id"])
    assert uploaded.status_code == 201, uploaded.text
    material = uploaded.json()["materials"][0]
    assert material["filename"] == "用地红线图.pdf"
    # the responsible department (here the NDRC) reads the pushed file; another department does not see it
    assert client.get(material["url"], headers=people["ndrc"]).content == PDF
    assert client.get(material["url"], headers=people["water"]).status_code == 404
    mailed = client.put(f"{url}/mailing", headers=desks["xiangan"],
                        json={"tracking_number": "ea 123456785 cn", "sent_on": "2025-04-08"})
    assert mailed.status_code == 200, mailed.text
    assert mailed.json()["mail"] == {"tracking_number": "EA123456785CN", "sent_on": "2025-04-08", "received_on": None}
    forwarded = client.post(f"{url}/forwarding", headers=desks["xiangan"],
                            json={"department": "ndrc", "forwarded_on": "2025-04-08"})
    assert forwarded.status_code == 200 and forwarded.json()["status"] == "forwarded"
    assert client.post(f"{url}/receipt", headers=desks["xiangan"], json={"received_on": "2025-04-09"}
                       ).status_code == 403
    received = client.post(f"{url}/receipt", headers=people["ndrc"], json={"received_on": "2025-04-09"})
    assert received.status_code == 200 and received.json()["status"] == "received"
    paper = client.post(f"{url}/mailing/receipt", headers=people["ndrc"], json={"received_on": "2025-04-10"})
    assert paper.status_code == 200 and paper.json()["mail"]["received_on"] == "2025-04-10"
    decide(client, people, "ndrc", accepted["item_id"], "2025-04-11", f"厦发改审批〔2025〕{accepted['item_id']}号")
    listed = client.get(f"{WINDOWS}/work-list", headers=desks["xiangan"], params={"as_of": "2025-04-14"}).json()
    mine = next(a for a in listed["acceptances"] if a["id"] == accepted["id"])
    assert listed["window"]["window"] == "xiangan"
    assert mine["status"] == "decided" and mine["clock"]["status"] == "on_time"
    incoming = client.get(f"{WINDOWS}/incoming", headers=people["ndrc"]).json()["acceptances"]
    assert next(a for a in incoming if a["id"] == accepted["id"])["window"]["zh"] == "翔安区行政服务中心"
    assert all(a["id"] != accepted["id"]
               for a in client.get(f"{WINDOWS}/work-list", headers=desks["siming"]).json()["acceptances"])
    with engine.connect() as connection:
        actions = connection.execute(text(
            "SELECT action FROM audit_log WHERE action LIKE 'window_%' AND (after->>'acceptance_id')::int = :id "
            "ORDER BY id"), {"id": accepted["id"]}).scalars().all()
    assert actions == ["window_accept", "window_material", "window_mail", "window_forward", "window_receive",
                       "window_mail_receive"]


def test_the_work_list_shows_an_overdue_item_with_its_clock(client, people: People, desks, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    accepted = _accept(client, desks["siming"], code, "project_approval", "2025-05-06")
    listed = client.get(f"{WINDOWS}/work-list", headers=desks["siming"], params={"as_of": "2025-06-03"}).json()
    row = next(a for a in listed["acceptances"] if a["id"] == accepted["id"])
    assert row["status"] == "accepted" and row["clock"]["status"] == "overdue"
    assert row["clock"]["limit_working_days"] == 5 and row["clock"]["overdue_working_days"] > 0


def test_each_refusal_changes_nothing(client, people: People, desks, engine) -> None:  # noqa: F811
    code = legacy_project(engine, people)
    today = beijing_today()
    future = (today + timedelta(days=3)).isoformat()
    accepted = _accept(client, desks["xiangan"], code, "eia_approval", "2025-06-02")
    url = f"{WINDOWS}/acceptances/{accepted['id']}"
    assert _upload(client, desks["xiangan"], accepted["id"]).status_code == 201
    before = _state(engine, accepted["id"])
    wrong = client.post(f"{url}/forwarding", headers=desks["xiangan"],
                        json={"department": "water", "forwarded_on": "2025-06-03"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "department"
    assert "Ecology and Environment Bureau" in wrong.json()["detail"]
    wrong_zh = client.post(f"{url}/forwarding", headers={**desks["xiangan"], "Accept-Language": "zh"},
                           json={"department": "no_such_bureau", "forwarded_on": "2025-06-03"})
    assert wrong_zh.status_code == 422 and "生态环境局" in wrong_zh.json()["detail"]
    refusals = [
        client.post(f"{url}/forwarding", headers=desks["xiangan"],
                    json={"department": "ecology_environment", "forwarded_on": "2025-05-30"}),  # before acceptance
        client.post(f"{url}/forwarding", headers=desks["xiangan"],
                    json={"department": "ecology_environment", "forwarded_on": future}),
        client.post(f"{url}/forwarding", headers=desks["siming"],  # another window's: not even shown
                    json={"department": "ecology_environment", "forwarded_on": "2025-06-03"}),
        client.post(f"{url}/forwarding", headers=people["ecology_environment"],
                    json={"department": "ecology_environment", "forwarded_on": "2025-06-03"}),
        client.post(f"{url}/receipt", headers=people["ecology_environment"], json={"received_on": "2025-06-03"}),
        client.put(f"{url}/mailing", headers=desks["xiangan"],
                   json={"tracking_number": "EA123456789CN", "sent_on": "2025-06-03"}),  # wrong check digit
        client.put(f"{url}/mailing", headers=desks["xiangan"],
                   json={"tracking_number": "12345", "sent_on": "2025-06-03"}),
        client.put(f"{url}/mailing", headers=desks["xiangan"],
                   json={"tracking_number": "1234567890123", "sent_on": "2025-05-01"}),
        client.post(f"{url}/mailing/receipt", headers=people["ecology_environment"],
                    json={"received_on": "2025-06-04"}),
        _upload(client, desks["xiangan"], accepted["id"]),  # the same file twice
        _upload(client, desks["xiangan"], accepted["id"], b"not a pdf"),
    ]
    assert [r.status_code for r in refusals] == [422, 422, 404, 403, 409, 422, 422, 422, 409, 409, 422]
    assert _state(engine, accepted["id"]) == before
    forwarded = client.post(f"{url}/forwarding", headers=desks["xiangan"],
                            json={"department": "ecology_environment", "forwarded_on": "2025-06-03"})
    assert forwarded.status_code == 200
    before = _state(engine, accepted["id"])
    later = [
        client.post(f"{url}/forwarding", headers=desks["xiangan"],
                    json={"department": "ecology_environment", "forwarded_on": "2025-06-04"}),
        _upload(client, desks["xiangan"], accepted["id"], PDF + b"%more"),
        client.post(f"{url}/receipt", headers=people["ecology_environment"], json={"received_on": "2025-06-02"}),
        client.post(f"{url}/receipt", headers=people["water"], json={"received_on": "2025-06-04"}),
    ]
    assert [r.status_code for r in later] == [409, 409, 422, 404]
    assert _state(engine, accepted["id"]) == before
    # a window's acceptance in the future opens nothing
    with engine.connect() as connection:
        items_before = connection.execute(text("SELECT count(*) FROM approval_items")).scalar_one()
    ahead = client.post(f"{WINDOWS}/acceptances", headers=desks["xiangan"],
                        json={"project_code": code, "item_type": "soil_water_conservation_plan", "accepted_on": future})
    assert ahead.status_code == 422
    unknown = client.post(f"{WINDOWS}/acceptances", headers=desks["xiangan"],
                          json={"project_code": code, "item_type": "no_such_item", "accepted_on": "2025-06-02"})
    assert unknown.status_code == 422
    by_department = client.post(f"{WINDOWS}/acceptances", headers=people["water"],
                                json={"project_code": code, "item_type": "soil_water_conservation_plan",
                                      "accepted_on": "2025-06-02"})
    assert by_department.status_code == 403
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM approval_items")).scalar_one() == items_before


def test_tracking_numbers() -> None:
    assert tracking_number("1234567890123") == "1234567890123"
    assert tracking_number("ＥＡ１２３４５６７８５ＣＮ") == "EA123456785CN"
    with pytest.raises(Exception, match="check digit"):
        tracking_number("EA123456780CN")


def test_a_window_account_without_a_desk_is_refused(client, engine) -> None:
    with engine.begin() as connection:
        if account_by_username(connection, "sv-window-unseated") is None:
            create_account(connection, username="sv-window-unseated", secret=SECRET, role=Role.WINDOW)
    token = client.post("/api/v1/auth/token", json={"username": "sv-window-unseated", "secret": SECRET}).json()
    listed = client.get(f"{WINDOWS}/work-list", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert listed.status_code == 403 and "not assigned" in listed.json()["detail"]


def test_a_window_account_sits_at_one_desk(engine, desks) -> None:
    with engine.begin() as connection:
        account = account_by_username(connection, "sv-window-xiangan")
        assign_window(connection, account, "xiangan")  # again at its own desk: nothing changes
        with pytest.raises(AccountError, match="already sits at window 'xiangan'"):
            assign_window(connection, account, "huli")
        assert connection.execute(text("SELECT window_slug FROM window_staff WHERE account_id = :a"),
                                  {"a": account.id}).scalar_one() == "xiangan"
