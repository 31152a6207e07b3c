"""The samples' year of history (data/samples/history.py), as a newcomer finds it after ``samples load``:
projects coded on earlier days with valid codes, approval items overdue and suspended, progress reports with
annual investment, anomaly warnings, a published draw with its sites, interest registrations; the audit
trail intact, and a second load that changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from random import Random

import pytest
from sqlalchemy import text

from data.samples.history import plan_history
from data.samples.load import SAMPLES, load_samples
from gis.audit import verify_chain
from projects.clock import BEIJING, beijing_today
from projects.project_code import generate_code, parse_code
from projects.supervision.workdays import WorkingCalendar

API = "/api/v1/supervision"
MANIFEST = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
CODED = [f["properties"] for f in json.loads((SAMPLES / MANIFEST["proposals"]).read_text(encoding="utf-8"))["features"]
         if f["properties"]["sample_state"] == "approved"]


@pytest.fixture(scope="module")
def ndrc(login, loaded_samples) -> dict[str, str]:
    return login("ndrc")


def test_the_dashboard_shows_overdue_and_suspended_items_warnings_and_sites(client, ndrc) -> None:
    board = client.get(f"{API}/dashboard", headers=ndrc).json()
    departments = board["overdue_by_department"]
    assert sum(d["overdue_count"] for d in departments) >= 3
    assert sum(d["suspended_count"] for d in departments) >= 3
    statuses = {item["status"] for item in board["attention_items"]}
    assert {"overdue", "suspended"} <= statuses
    kinds = {w["kind"] for w in board["warnings"]}
    assert {"late_completion", "no_report", "investment_jump", "investment_over_total", "site_drift"} <= kinds
    coded = {p["name"] for p in CODED}
    assert coded <= {f["properties"]["name"] for f in board["sites"]["features"]}
    assert any(t["status"] == "completed_within_limit" or t["status"] == "completed_over_limit"
               for t in board["approval_times"])
    districts = {d["district_code"] for d in board["investment"]["districts"]}
    assert len(districts) == 6


def test_codes_and_clocks_carry_their_own_past_days(engine, loaded_samples) -> None:
    today = beijing_today()
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT p.name, p.project_code, p.coded_at, p.created_at, p.district_code, "
            "min(i.accepted_on) AS first_item, min(i.created_at) AS first_item_written "
            "FROM proposals p JOIN approval_items i ON i.proposal_id = p.id "
            "WHERE p.name = ANY(:names) AND p.project_code IS NOT NULL GROUP BY p.id"),
            {"names": [p["name"] for p in CODED]}).all()
    assert len(rows) == len(CODED)
    coded_days = sorted(r.coded_at.astimezone(BEIJING).date() for r in rows)
    assert coded_days[0] <= today - dt.timedelta(days=300) and coded_days[-1] < today
    for row in rows:
        code = parse_code(row.project_code)  # valid: its time code is no later than this month
        day = row.coded_at.astimezone(BEIJING).date()
        assert (code.year, code.month) == (day.year, day.month), row.project_code
        assert row.created_at < row.coded_at and row.first_item >= day
        assert row.first_item_written.astimezone(BEIJING).date() == row.first_item
        # Reproducible: the random part is the first draw of the project's seeded generator.
        expected = generate_code(assigned_on=day, region_code=row.district_code, department_code="89",
                                 project_type="01", rng=Random(f"{MANIFEST['seed']}:code:{row.name}"))
        assert row.project_code == expected.text


def test_reports_carry_annual_investment(client, ndrc) -> None:
    # A month's report comes in the next month: the year of six weeks ago has reports whatever today is.
    year = (beijing_today() - dt.timedelta(days=45)).year
    plan = client.get(f"{API}/annual-plans/{year}", headers=ndrc).json()
    assert plan["total"]["project_count"] >= 5 and plan["total"]["actual_wan"] > 0
    samples = [p for p in plan["projects"] if p["name"] in {c["name"] for c in CODED}]  # not other tests' projects
    assert samples and all(p["annual_planned_wan"] is not None for p in samples)


def test_a_published_draw_with_its_sites_and_interest_registrations(client, ndrc) -> None:
    draws = client.get("/api/v1/public/inspection-draws").json()
    sample = [d for d in draws if d["seed"].startswith("samples-")]
    assert len(sample) == 1 and sample[0]["verification"]["rerun_matches"]
    targets = sample[0]["result"]
    assert len(targets) == 5 and all(t["site"]["type"] in ("Polygon", "MultiPolygon") for t in targets)
    assert all(t["inspectors"] for t in targets)
    interests = client.get("/api/v1/parcel-interests", headers=ndrc).json()
    assert interests["total"] >= 14
    assert all(i["email"].endswith("@example.com") for i in interests["interests"] if i["organisation"].endswith(
        "投资发展有限公司"))


def test_district_windows_accepted_items_for_the_water_bureau(client, login, engine, loaded_samples) -> None:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT w.id, w.window_slug, p.district_code, i.department, i.accepted_on, w.accepted_on AS at_window "
            "FROM window_acceptances w JOIN approval_items i ON i.id = w.item_id "
            "JOIN proposals p ON p.id = i.proposal_id JOIN accounts a ON a.id = w.accepted_by "
            "WHERE a.username LIKE 'window-%' ORDER BY w.id")).all()  # the demo desks' (tests seat desks of their own)
        seated = connection.execute(text("SELECT count(*) FROM window_staff s JOIN accounts a ON a.id = s.account_id "
                                         "WHERE a.username LIKE 'window-%'")).scalar_one()
    assert seated == 7 and 2 <= len(rows) <= 4
    # each accepted at its project's district window, the item's clock starting on the window's day
    assert all(r.department == "water" and r.accepted_on == r.at_window for r in rows)
    listing = client.get("/api/v1/windows/work-list", headers=login(f"window-{rows[0].window_slug}")).json()
    assert listing["window"]["division_code"] == rows[0].district_code
    statuses = {a["status"] for slug in {r.window_slug for r in rows}
                for a in client.get("/api/v1/windows/work-list", headers=login(f"window-{slug}")).json()["acceptances"]}
    assert {"accepted", "forwarded"} <= statuses
    incoming = client.get("/api/v1/windows/incoming", headers=login("dept-water")).json()["acceptances"]
    assert {r.id for r in rows} <= {a["id"] for a in incoming if a["window"]["level"] == "district"}


def test_a_second_load_changes_nothing_and_the_trail_verifies(engine, loaded_samples, demo_secrets_file: Path) -> None:
    tables = ("proposals", "approval_items", "item_suspensions", "progress_reports", "anomaly_warnings",
              "inspection_draws", "inspectors", "parcel_interests", "audit_log", "accounts", "window_staff",
              "window_acceptances", "window_materials")

    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}

    before = counts()
    lines = list(load_samples(secrets_file=demo_secrets_file))
    assert counts() == before
    assert any("already there" in line for line in lines)
    with engine.connect() as connection:
        assert verify_chain(connection).intact


def test_the_plan_is_the_same_for_the_same_day_and_ends_before_it() -> None:
    day = dt.date(2026, 6, 15)
    first = plan_history(MANIFEST["seed"], day, CODED, WorkingCalendar())
    assert first == plan_history(MANIFEST["seed"], day, CODED, WorkingCalendar())
    moments = [i.decided_on or i.accepted_on for p in first for i in p.items] + [r.reported_on for p in first
                                                                                 for r in p.reports]
    assert max(moments) < day
    assert plan_history(MANIFEST["seed"], day + dt.timedelta(days=30), CODED, WorkingCalendar()) != first
