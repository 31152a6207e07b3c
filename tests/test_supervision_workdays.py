"""Working days: Spring Festival and National Day make-up days from chinese-calendar, a deadline crossing
into a year without data (provisional, never silently weekends-only), and an admin's State Council notice.
"""

from __future__ import annotations

from datetime import date

from test_supervision_support import API, people  # noqa: F401  (fixture)

from projects.supervision.workdays import PACKAGE_YEARS, WorkingCalendar

CALENDAR = WorkingCalendar()


def due(start: str, working_days: int) -> str:
    return CALENDAR.add_working_days(date.fromisoformat(start), working_days).due.isoformat()


def test_the_package_knows_the_2025_holidays_used_below() -> None:
    # 2025 Spring Festival: off 01-28..02-04, make-up Sunday 01-26 and Saturday 02-08;
    # National Day: off 10-01..10-08, make-up Sunday 09-28 and Saturday 10-11 (国办发明电〔2024〕12号).
    off = ["2025-01-28", "2025-02-03", "2025-02-04", "2025-10-01", "2025-10-08"]
    made_up = ["2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11"]
    assert not any(CALENDAR.is_working_day(date.fromisoformat(d)) for d in off)
    assert all(CALENDAR.is_working_day(date.fromisoformat(d)) for d in made_up)
    assert all(date.fromisoformat(d).weekday() >= 5 for d in made_up)


def test_spring_festival_2025_skips_the_holiday_and_counts_the_make_up_sunday() -> None:
    assert due("2025-01-24", 1) == "2025-01-26"  # Friday + 1: the make-up Sunday, not Monday
    assert due("2025-01-24", 2) == "2025-01-27"
    assert due("2025-01-24", 3) == "2025-02-05"  # the whole holiday 01-28..02-04 skipped
    assert due("2025-02-05", 3) == "2025-02-08"  # the make-up Saturday counts
    elapsed = CALENDAR.elapsed(date(2025, 1, 24), date(2025, 2, 8))
    assert (elapsed.working_days, elapsed.provisional) == (6, False)


def test_national_day_2025_skips_the_golden_week_and_counts_both_make_up_days() -> None:
    assert due("2025-09-26", 1) == "2025-09-28"  # make-up Sunday
    assert due("2025-09-30", 1) == "2025-10-09"  # 10-01..10-08 off
    assert due("2025-09-30", 3) == "2025-10-11"  # make-up Saturday
    assert due("2025-09-26", 10) == "2025-10-16"
    assert CALENDAR.elapsed(date(2025, 9, 30), date(2025, 10, 8)).working_days == 0


def test_a_deadline_crossing_into_a_year_without_data_is_provisional_and_says_why(client) -> None:
    last = PACKAGE_YEARS[-1]
    inside = CALENDAR.add_working_days(date(last, 11, 2), 10)
    assert not inside.provisional
    crossing = CALENDAR.add_working_days(date(last, 12, 24), 10)
    assert crossing.provisional and crossing.due.year == last + 1
    assert crossing.years_without_data == (last + 1,)
    body = client.get(f"{API}/calendar/deadline", params={"start": f"{last}-12-24", "working_days": 10}).json()
    assert body["due"] == crossing.due.isoformat()
    assert body["provisional"] is True and body["years_without_data"] == [last + 1]
    assert f"{last + 1}" in body["provisional_reason"]["en"] and "Monday to Friday" in body["provisional_reason"]["en"]
    assert "暂按周一至周五" in body["provisional_reason"]["zh"]
    # a start late in the known year whose deadline stays inside it is not provisional
    assert client.get(f"{API}/calendar/deadline", params={"start": f"{last}-12-01",
                                                           "working_days": 3}).json()["provisional"] is False


def test_an_admin_enters_a_state_council_notice_and_deadlines_follow_it(client, people) -> None:  # noqa: F811
    # 2030 is far beyond any package release: before the notice, its New Year's Day counts as a weekday.
    before = client.get(f"{API}/calendar/deadline", params={"start": "2029-12-31", "working_days": 1}).json()
    assert before == {**before, "due": "2030-01-01", "provisional": True, "years_without_data": [2030]}
    notice = {"title": "国务院办公厅关于2030年部分节假日安排的通知（测试）", "document_number": "国办发明电〔2029〕9号",
              "published_on": "2029-11-12",
              "holidays": [{"date": "2030-01-01", "name": "元旦"}] + [
                  {"date": f"2030-02-{d:02d}", "name": "春节"} for d in range(2, 9)],
              "workdays": ["2030-01-05", "2030-02-09"]}
    assert client.put(f"{API}/calendar/2030", json=notice, headers=people["ndrc"]).status_code == 403
    response = client.put(f"{API}/calendar/2030", json=notice, headers=people["admin"])
    assert response.status_code == 200, response.text
    assert response.json()["replaced"] is False
    after = client.get(f"{API}/calendar/deadline", params={"start": "2029-12-31", "working_days": 1}).json()
    assert after["due"] == "2030-01-02" and after["provisional"] is False
    # Friday 2030-01-04 + 1: the make-up Saturday; Friday 02-01 + 1: the holiday week ends on the make-up Saturday
    assert client.get(f"{API}/calendar/deadline", params={"start": "2030-01-04", "working_days": 1}).json()["due"] \
        == "2030-01-05"
    assert client.get(f"{API}/calendar/deadline", params={"start": "2030-02-01", "working_days": 1}).json()["due"] \
        == "2030-02-09"
    status = client.get(f"{API}/calendar").json()
    assert any(n["year"] == 2030 and n["holiday_count"] == 8 and n["workday_count"] == 2 for n in status["notices"])
    replaced = client.put(f"{API}/calendar/2030", json={**notice, "workdays": ["2030-01-05"]}, headers=people["admin"])
    assert replaced.json()["replaced"] is True
    assert client.get(f"{API}/calendar/deadline", params={"start": "2030-02-01", "working_days": 1}).json()["due"] \
        == "2030-02-11"


def test_a_wrong_notice_is_refused_and_nothing_is_stored(client, people) -> None:  # noqa: F811
    base = {"title": "国务院办公厅关于2031年部分节假日安排的通知", "holidays": [{"date": "2031-01-01", "name": "元旦"}]}
    cases = [
        ({"workdays": ["2031-01-06"]}, "workdays", "2031-01-06"),  # a Monday cannot be a make-up day
        ({"holidays": [{"date": "2030-12-31", "name": "元旦"}]}, "holidays", "2030-12-31"),
        ({"holidays": []}, "holidays", "at least one"),
        ({"workdays": ["2031-01-01"]}, "workdays", "both"),
    ]
    for change, field, words in cases:
        response = client.put(f"{API}/calendar/2031", json={**base, **change}, headers=people["admin"])
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field and words in response.json()["detail"]
    assert all(n["year"] != 2031 for n in client.get(f"{API}/calendar").json()["notices"])
