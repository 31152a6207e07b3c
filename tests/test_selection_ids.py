"""Site selection (智能选址): every candidate has an id of its own, also when a blocking layer cuts one zone
into pieces (the page finds a candidate's shape on the map and its line in the list by that id)."""

from __future__ import annotations

import shapely
from shapely.geometry import box
from test_selection import select, true_area, write

from layers.importer import import_layer
from projects.selection import AreaRange

DISTRICT = box(118.00, 24.40, 118.40, 24.80)
ZONE = box(118.170, 24.500, 118.176, 24.502)  # 13.5 ha of industrial land
RED_LINE = box(118.1725, 24.499, 118.1735, 24.503)  # across its middle: two pieces of about 5.6 ha


def test_the_pieces_of_a_zone_cut_by_a_blocking_layer_are_candidates_with_ids_of_their_own(isolated_engine,
                                                                                            tmp_path) -> None:
    for kind, geometry, properties in [("district", DISTRICT, {"adcode": "350291", "name": "test"}),
                                       ("land_use", ZONE, {"landuse_code": "1001"}),
                                       ("ecological_red_line", RED_LINE, {}),
                                       ("urban_development_boundary", DISTRICT, {})]:
        import_layer(write(tmp_path / f"{kind}.geojson", [geometry], [properties]), kind, name=kind,
                     engine=isolated_engine)
    result = select(isolated_engine, area=AreaRange.of(4, 7, "ha"))
    pieces = [shapely.geometry.shape(c.geometry) for c in result.candidates]
    expected = [ZONE.intersection(box(118.170, 24.4, 118.1725, 24.6)),
                ZONE.intersection(box(118.1735, 24.4, 118.180, 24.6))]
    assert sorted(round(c.area["m2"]) for c in result.candidates) == sorted(round(true_area(e)) for e in expected)
    assert all(any(p.symmetric_difference(e).area < 1e-12 for p in pieces) for e in expected)
    assert len({c.id for c in result.candidates}) == len(result.candidates) == 2, [c.id for c in result.candidates]
