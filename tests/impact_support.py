"""A layer revised once over test proposals, and the impact report of its new version: for the impact and
rules page tests (API and browser)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import shapely
from shapely.geometry import box, mapping
from test_fresh_approval import applicant_account, approve, create
from test_proposals import open_review
from test_supervision_support import clean_sites

from layers.importer import import_layer
from projects.impact import analyse_and_store


def _west_half(site: shapely.Geometry) -> shapely.Geometry:
    west, south, east, north = site.bounds
    return box(west, south, (west + east) / 2, north)


def _east_half(site: shapely.Geometry) -> shapely.Geometry:
    west, south, east, north = site.bounds
    return box((west + east) / 2, south, east, north)


def _red_line(path: Path, parts: list[shapely.Geometry]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"页面影响测试红线 {n}", "redline_type": "生态功能极重要区"},
         "geometry": mapping(part)} for n, part in enumerate(parts)]}))
    return path


def revised_red_line(client, login, engine, folder: Path, serial: int) -> dict:
    """Proposals A and B under review, D a draft and C coded, then a test red line in two versions.

    Version 1: a square near the sites touching none (kept as it is in version 2), the west half of A's site,
    all of C's. Version 2: that square, all of A, the east half of B, all of D. The stored impact of version 2:
    A changed, B and D appeared, C disappeared; all of it the natural resources bureau's.
    """
    applicant = applicant_account(client, login, engine, f"applicant-impact-pages-{uuid.uuid4().hex[:6]}", serial)
    spots = (shapely.geometry.shape(site) for site in clean_sites(engine))
    sites = {name: next(spots) for name in "ABCD"}
    unchanged = next(spots)
    proposals = {name: create(client, applicant, site, name=f"影响测试{name}项目") for name, site in sites.items()}
    for name in "ABC":
        open_review(client, login, applicant, proposals[name]["id"])
    coded = approve(client, login, proposals["C"]["id"])
    assert coded.status_code == 200, coded.text
    name = f"页面影响测试红线 {uuid.uuid4().hex[:6]}"
    first = import_layer(_red_line(folder / "v1.geojson", [unchanged, _west_half(sites["A"]), sites["C"]]),
                         "ecological_red_line", name=name, engine=engine)
    second = import_layer(_red_line(folder / "v2.geojson", [unchanged, sites["A"], _east_half(sites["B"]),
                                                            sites["D"]]),
                          "ecological_red_line", name=name, engine=engine)
    assert (first.layer_id, second.version) == (second.layer_id, 2)
    impact_id = analyse_and_store(engine, second.layer_id, 2, "test", in_process=True)
    return {"impact_id": impact_id, "layer_id": second.layer_id, "sites": sites, "applicant": applicant,
            "ids": {name: proposal["id"] for name, proposal in proposals.items()},
            "names": {name: proposal["name"] for name, proposal in proposals.items()}}
