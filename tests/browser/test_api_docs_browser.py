"""The API documentation (/docs) works on an intranet: Swagger UI comes from the platform itself."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_every_operation_from_local_assets(tab, live_server) -> None:
    tab.page.goto(f"{live_server}/docs")
    # Swagger UI lays out every operation of a ~0.5 MB definition in the browser: on a loaded 2-core machine
    # that took 30-40 s, so the wait is generous; a page that never renders still fails.
    tab.page.wait_for_selector(".opblock-summary-path", timeout=90_000)
    paths = tab.page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/screenings" in " ".join(paths) and len(paths) > 40
    offsite = [r.url for r in tab.responses if not r.url.startswith((live_server, "data:", "blob:"))]
    assert offsite == [] and tab.errors == []
