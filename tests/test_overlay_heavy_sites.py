"""A heavy site is cut into parts for the overlay; its answer is the one the whole site gets.

On the Xiamen samples: a site of 20,000 vertices sticking out of some layers, and a winding 10 km road
corridor of 30 m, both across several features. Each is overlaid as the platform does (cut into parts)
and whole (the cut switched off); the features, their areas and the parts outside must agree within float
noise. A long thin straight site is probed with the boxes of its pieces; its answer is exactly the one its
own box would find.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon
from sqlalchemy import Engine, Row

from gis.overlay import MIN_AREA_M2, SITE_PART_VERTICES, SPARSE_SITE_RATIO, site_parts
from projects.screening import Screener, ScreeningRequest
from projects.sites import Site, prepare_site

UNCUT = 10**9
"""A part size no site reaches: the whole site is its only part."""


def many_vertex_site(vertices: int = 20_000) -> Polygon:
    """A wavy disc of about 7 km² on Xiamen Island (思明区/湖里区), WGS84."""
    angle = np.linspace(0, 2 * np.pi, vertices - 1, endpoint=False)
    radius = (1_500 + 25 * np.sin(angle * 150)) / 111_320
    return Polygon(np.c_[118.11 + radius * np.cos(angle) / np.cos(np.radians(24.49)),
                         24.49 + radius * np.sin(angle)])


def winding_corridor(length_m: float = 10_000, width_m: float = 30) -> Polygon:
    """A road corridor winding north-east across the island, laid out in EPSG:4548 metres, WGS84."""
    to_metres = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    to_degrees = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)
    x0, y0 = to_metres.transform(118.085, 24.455)
    along = np.linspace(0, length_m, 3_000)
    bearing = np.radians(50)
    sideways = 150 * np.sin(along / 700)
    axis = LineString(np.c_[x0 + along * np.cos(bearing) - sideways * np.sin(bearing),
                            y0 + along * np.sin(bearing) + sideways * np.cos(bearing)])
    corridor = axis.buffer(width_m / 2, quad_segs=2)
    return shapely.transform(corridor, lambda xy: np.c_[to_degrees.transform(xy[:, 0], xy[:, 1])])


def overlay_answer(engine: Engine, site: Site, **changed: Any) -> list[Row]:
    """The rows of the platform's overlay statement for ``site``, with some of its parameters ``changed``."""
    with engine.connect() as connection:
        screener = Screener(connection)
        request = ScreeningRequest(site=site, project_type="02", land_use="1001", industry="C39")
        statement, parameters = screener.statements(request)[0]
        return connection.execute(statement, {**parameters, **changed}).all()


def overlay_rows(engine: Engine, site: Site, part_vertices: int) -> dict[tuple, float]:
    """(set or feature) -> area in m², as the platform's overlay statement answers with this part size."""
    rows = overlay_answer(engine, site, site_parts=site_parts(site.wkb, part_vertices))
    return {(row.outside_of, row.version_id, row.feature_id): row.area_m2
            for row in rows if row.area_m2 >= MIN_AREA_M2}


@pytest.mark.parametrize("shape", ["many-vertex site", "winding corridor"])
def test_a_cut_site_gets_the_features_areas_and_outside_parts_of_the_whole_one(engine, loaded_samples, shape):
    site = prepare_site(shapely.geometry.mapping(many_vertex_site() if shape == "many-vertex site"
                                                 else winding_corridor()))
    assert site.vertex_count > SITE_PART_VERTICES  # the platform cuts it
    whole = overlay_rows(engine, site, UNCUT)
    assert len([key for key in whole if key[0] is None]) >= 3  # it crosses several features
    if shape == "many-vertex site":
        assert {key[0] for key in whole} - {None}  # it sticks out of some layer: an outside part to compare
    for part_vertices in (SITE_PART_VERTICES, 64):
        cut = overlay_rows(engine, site, part_vertices)
        assert cut.keys() == whole.keys()
        for key, area_m2 in whole.items():
            assert cut[key] == pytest.approx(area_m2, rel=1e-9, abs=1e-3), key



def straight_corridor(length_m: float, width_m: float, bearing_deg: float) -> Polygon:
    """A straight road corridor of 4 vertices from the island's south-west, laid out in EPSG:4548, WGS84."""
    to_metres = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    to_degrees = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)
    x0, y0 = to_metres.transform(118.085, 24.455)
    bearing = np.radians(bearing_deg)
    axis = LineString([(x0, y0), (x0 + length_m * np.cos(bearing), y0 + length_m * np.sin(bearing))])
    corridor = axis.buffer(width_m / 2, cap_style="flat")
    return shapely.transform(corridor, lambda xy: np.c_[to_degrees.transform(xy[:, 0], xy[:, 1])])


@pytest.mark.parametrize(("length_m", "width_m", "bearing_deg"), [(12_000, 8, 35), (9_000, 60, 62)])
def test_a_long_thin_site_probed_piece_by_piece_gets_exactly_what_its_whole_box_finds(
        engine, loaded_samples, length_m, width_m, bearing_deg):
    site = prepare_site(shapely.geometry.mapping(straight_corridor(length_m, width_m, bearing_deg)))
    assert site.geometry.area * SPARSE_SITE_RATIO < shapely.envelope(site.geometry).area  # probed by its pieces
    probed = overlay_answer(engine, site)
    assert len([row for row in probed if row.outside_of is None]) >= 3  # it crosses several features
    whole_box = overlay_answer(engine, site, sparse_site_ratio=10**9)  # never sparse: probed with its own box
    assert probed == whole_box  # the same features, areas and pieces, to the last digit
