"""A server keeps the layer versions and the rule set between screenings (layers.snapshot); a layer imported
while it serves — by itself or by another process — is used by the very next screening."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import create_engine
from test_screening_engine import PLANNING_AREA, write

from gis.db import configure_sessions, read_only
from layers.importer import import_layer
from projects.screening import Screener, ScreeningRequest
from projects.sites import prepare_site

SITE = box(118.105, 24.505, 118.115, 24.515)
FLOOD_OVER_SITE = box(118.10, 24.50, 118.12, 24.52)
FLOOD_ELSEWHERE = box(118.30, 24.70, 118.32, 24.72)


@pytest.fixture(scope="module")
def world(isolated_engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshot-world")
    import_layer(write(folder / "district.geojson", [PLANNING_AREA], [{"adcode": "350299", "name": "test"}]),
                 "district", name="district", engine=isolated_engine)
    import_layer(write(folder / "flood.geojson", [FLOOD_OVER_SITE], [{"risk_level": "high"}]), "flood_risk",
                 name="flood", engine=isolated_engine)
    return isolated_engine, folder


def _request() -> ScreeningRequest:
    return ScreeningRequest(site=prepare_site(mapping(SITE)), project_type="02", land_use="0701", industry="K70")


def _flood(report) -> tuple[int, list[str]]:
    """The flood layer's version the report used, and the kinds of its conflicts."""
    [flood] = [version for version in report.layer_versions if version["layer_name"] == "flood"]
    return flood["version"], sorted({conflict.layer_kind for conflict in report.conflicts})


def test_a_layer_imported_by_another_process_while_serving_is_used_by_the_next_screening(world):
    engine, folder = world
    # another process: an engine of its own, whose imports the serving process hears nothing about
    elsewhere = configure_sessions(create_engine(engine.url))
    try:
        with read_only(engine) as serving:
            screener = Screener(serving)  # made, and its snapshot kept, before the imports
            version, kinds = _flood(screener.screen(_request()))
            assert version == 1 and "flood_risk" in kinds
            assert "ecological_red_line" in screener.screen(_request()).missing_layer_kinds

            import_layer(write(folder / "flood-2.geojson", [FLOOD_ELSEWHERE], [{"risk_level": "high"}]),
                         "flood_risk", name="flood", engine=elsewhere)
            version, kinds = _flood(screener.screen(_request()))
            assert version == 2 and "flood_risk" not in kinds  # the flood zone moved away from the site
            assert _flood(Screener(serving).screen(_request()))[0] == 2

            import_layer(write(folder / "red-line.geojson", [SITE.buffer(0.001)], [{"redline_code": "R1"}]),
                         "ecological_red_line", name="red line", engine=elsewhere)
            report = Screener(serving).screen(_request())
            assert "ecological_red_line" not in report.missing_layer_kinds
            assert report.summary["blocking_count"] >= 1 and report.summary["eligible_for_code"] is False
    finally:
        elsewhere.dispose()
