"""The API documentation (/docs) works on an intranet: Swagger UI comes from the platform itself."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_every_operation_from_local_assets(tab, live_server) -> None:
    tab.page.goto(f"{live_server}/docs")
    tab.page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = tab.page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/screenings" in " ".join(paths) and len(paths) > 40
    offsite = [r.url for r in tab.responses if not r.url.startswith((live_server, "data:", "blob:"))]
    assert offsite == [] and tab.errors == []
