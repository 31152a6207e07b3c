"""A newcomer's first look, in headless Chromium, at what ``samples load`` leaves behind: the supervision
dashboard with the year's overdue and suspended items, warnings and the coded sites on the map; the public
inspection draw with its projects on the map; the planning layers under the investment parcels."""

from __future__ import annotations

import pytest
from login_page import log_in

pytestmark = pytest.mark.browser


def open_page(tab, url: str) -> None:
    tab.page.goto(url)
    tab.page.wait_for_load_state("networkidle")


def test_the_dashboard_lists_the_years_items_and_maps_the_coded_sites(tab, live_server, demo_secret) -> None:
    open_page(tab, f"{live_server}/supervision")
    log_in(tab, "ndrc", demo_secret("ndrc"))
    tab.page.wait_for_selector("#attention-items tbody tr")
    statuses = tab.page.locator("#attention-items tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert {"overdue", "suspended"} <= set(statuses)
    assert "暂停计时" in tab.page.inner_text("#attention-items")
    assert tab.page.locator("#warning-summary tbody tr").count() >= 5
    assert tab.page.locator(".leaflet-overlay-pane path.sv-site").count() >= 16
    tab.screenshot("demo-supervision")
    assert tab.errors == []


def test_the_public_draw_lists_its_projects_and_shows_them_on_the_map(tab, live_server, client) -> None:
    latest = client.get("/api/v1/public/inspection-draws").json()[0]
    open_page(tab, f"{live_server}/inspections")
    tab.page.wait_for_selector(".sv-draw tbody tr")
    assert tab.page.locator(f".sv-draw[data-draw='{latest['id']}'] tbody tr").count() == len(latest["result"])
    sites = tab.page.locator(".leaflet-overlay-pane path.sv-site")
    assert sites.count() == len(latest["result"]) >= 1
    tab.screenshot("demo-inspections")
    assert tab.errors == []


def test_the_investment_page_has_the_planning_layers_under_the_parcels(tab, live_server) -> None:
    open_page(tab, f"{live_server}/investment")
    kinds = tab.page.locator("#layer-panel .layer-item").evaluate_all("items => items.map(i => i.dataset.kind)")
    assert {"land_use", "ecological_red_line", "district"} <= set(kinds) and "investment_parcel" not in kinds
    assert any(r.status == 200 for r in tab.tile_responses())
    assert tab.errors == []
