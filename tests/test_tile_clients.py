"""What GIS clients read to use the tiles without hand work: the MapLibre style in the platform's own colours
and legend, and OGC API – Tiles (WebMercatorQuad tile matrix set, tilesets, tileset metadata, tiles)."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from test_composite_tiles import CENTRE, farmland  # noqa: F401  (fixture)
from test_tiles import tile_of

from layers.catalogue import LAYER_KINDS
from layers.symbols import DRAW_ORDER, LAND_USE_COLOURS, LAYER_STYLES
from layers.tilesets import CONFORMANCE, collection_tile_links, landing_tile_links
from web.legend import style_config

# ---- the MapLibre style ---------------------------------------------------------------------------------


def test_the_style_draws_every_kind_from_the_composite_tile_bottom_to_top(client):
    style = client.get("/styles/blueprint.json").json()
    assert style["version"] == 8
    assert style["sources"] == {"blueprint": {"type": "vector", "url": "http://testserver/tiles/composite.json"}}
    kinds = [layer["source-layer"] for layer in style["layers"] if layer["type"] != "background"]
    assert list(dict.fromkeys(kinds)) == list(DRAW_ORDER)  # land use at the bottom, districts on top
    ids = {layer["id"] for layer in style["layers"]}
    assert "land_use-fill" in ids and "district-outline" in ids and "district-fill" not in ids  # a boundary only


def test_land_use_zones_are_coloured_by_class_with_the_colours_of_the_platforms_map(client):
    style = client.get("/styles/blueprint.json").json()
    fill = next(layer for layer in style["layers"] if layer["id"] == "land_use-fill")["paint"]["fill-color"]
    assert fill[0] == "match" and fill[1] == ["slice", ["to-string", ["get", "landuse_code"]], 0, 2]
    colours = dict(zip(fill[2:-1:2], fill[3:-1:2], strict=True))
    assert colours == LAND_USE_COLOURS
    # the very colours the platform's own pages draw with
    page = style_config()["layers"]["land_use"]["variants"]
    assert {code: symbol["fillColor"] for code, symbol in page.items()} == colours
    tiers = next(layer for layer in style["layers"] if layer["id"] == "water_source_protection-fill")
    assert tiers["paint"]["fill-color"][:2] == ["match", ["to-string", ["get", "tier"]]]


def test_lines_keep_their_dashes_and_no_outline_washes_out_zoomed_out_land_use(client):
    layers = {layer["id"]: layer for layer in client.get("/styles/blueprint.json").json()["layers"]}
    boundary = layers["urban_development_boundary-outline"]["paint"]
    assert boundary["line-width"] == 2.5 and boundary["line-dasharray"] == [4, 2]  # "10 5" px at 2.5 px
    assert layers["land_use-outline"]["minzoom"] == LAYER_STYLES["land_use"].outline_from_zoom


@pytest.mark.parametrize(("query", "headers", "language"), [
    # the test client asks for English (Accept-Language: en) unless a request says otherwise
    ({}, {"Accept-Language": ""}, "zh"), ({"lang": "en"}, {}, "en"), ({}, {"Accept-Language": "en-GB,en;q=0.9"}, "en"),
])
def test_the_style_carries_its_legend_in_the_language_asked(client, query, headers, language):
    style = client.get("/styles/blueprint.json", params=query, headers=headers).json()
    legend = style["metadata"]["blueprint:legend"]
    assert [entry["kind"] for entry in legend] == list(reversed(DRAW_ORDER))  # top of the map first
    by_kind = {entry["kind"]: entry for entry in legend}
    assert by_kind["ecological_red_line"]["name"] == LAYER_KINDS["ecological_red_line"].name.in_language(language)
    classes = [line["label"] for line in by_kind["land_use"]["entries"]]
    assert ("居住用地" if language == "zh" else "residential") in classes
    assert {line["fill"] for line in by_kind["land_use"]["entries"]} == set(LAND_USE_COLOURS.values())
    style_ids = {layer["id"] for layer in style["layers"]}
    assert all(set(entry["layers"]) <= style_ids for entry in legend)


# ---- OGC API – Tiles --------------------------------------------------------------------------------------


def test_the_web_mercator_quad_tile_matrix_set_is_defined_as_ogc_17_083_gives_it(client):
    listed = client.get("/ogc/tileMatrixSets").json()["tileMatrixSets"]
    assert [entry["id"] for entry in listed] == ["WebMercatorQuad"]
    definition = client.get(listed[0]["links"][0]["href"].removeprefix("http://testserver")).json()
    assert definition["uri"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    assert definition["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    matrices = definition["tileMatrices"]
    assert [matrix["id"] for matrix in matrices] == [str(z) for z in range(25)]
    assert matrices[0]["scaleDenominator"] == pytest.approx(559082264.028717, rel=1e-9)
    assert matrices[0]["cellSize"] == pytest.approx(156543.033928041, rel=1e-9)
    assert matrices[0]["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert (matrices[12]["matrixWidth"], matrices[12]["matrixHeight"]) == (4096, 4096)
    assert client.get("/ogc/tileMatrixSets/WorldCRS84Quad").status_code == 404


def test_a_collection_lists_its_vector_tileset_whose_metadata_leads_to_the_tiles(client, farmland):  # noqa: F811
    tilesets = client.get(f"/ogc/collections/{farmland.layer_id}/tiles").json()["tilesets"]
    assert [(t["dataType"], t["tileMatrixSetURI"].rsplit("/", 1)[1]) for t in tilesets] == [
        ("vector", "WebMercatorQuad")]
    self_link = next(link["href"] for link in tilesets[0]["links"] if link["rel"] == "self")
    metadata = client.get(self_link.removeprefix("http://testserver")).json()
    template = next(link for link in metadata["links"] if link["rel"] == "item")
    assert template["templated"] and template["type"] == "application/vnd.mapbox-vector-tile"
    assert template["href"].endswith("/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    (layer,) = metadata["layers"]
    assert layer["id"] == "basic_farmland" and layer["propertiesSchema"]["properties"]["grade"] == {"type": "number"}
    box = metadata["boundingBox"]
    assert box["lowerLeft"][0] <= CENTRE[0] <= box["upperRight"][0]

    # A tile is {tileMatrix}/{tileRow}/{tileCol}: the XYZ tile z/x/y is z/y/x here.
    z, x, y = tile_of(*CENTRE, 15)
    tile = client.get(template["href"].removeprefix("http://testserver").format(tileMatrix=z, tileRow=y, tileCol=x))
    xyz = client.get(f"/tiles/{farmland.layer_id}/{z}/{x}/{y}.pbf")
    assert tile.status_code == 200 and tile.content == xyz.content and tile.headers["etag"] == xyz.headers["etag"]
    assert [f["properties"]["grade"] for f in mapbox_vector_tile.decode(tile.content)["basic_farmland"]["features"]] \
        == [3]
    swapped = client.get(f"/ogc/collections/{farmland.layer_id}/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert swapped.status_code == 204  # z/x/y read as row x, column y: a tile far off Xiamen


def test_collections_are_found_by_their_name_too_and_refusals_are_problems(client, farmland):  # noqa: F811
    assert client.get("/ogc/collections/basic_farmland/tiles/WebMercatorQuad").status_code == 200
    for path, status in (("/ogc/collections/999999/tiles", 404),
                         (f"/ogc/collections/{farmland.layer_id}/tiles/WorldCRS84Quad", 404),
                         (f"/ogc/collections/{farmland.layer_id}/tiles/WebMercatorQuad/3/0/8", 404),
                         (f"/ogc/collections/{farmland.layer_id}/tiles/WebMercatorQuad/25/0/0", 404)):
        response = client.get(path)
        assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]


def test_the_hooks_give_collections_and_the_landing_page_their_tile_links_and_conformance_says_tiles():
    (link,) = collection_tile_links("http://host", "land_use")
    assert link["href"] == "http://host/ogc/collections/land_use/tiles"
    assert link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    assert landing_tile_links("http://host")[0]["href"] == "http://host/ogc/tileMatrixSets"
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in CONFORMANCE
    assert not any(entry.endswith(("/dataset-tilesets", "/oas30", "/png", "/jpeg")) for entry in CONFORMANCE)
