"""A MapLibre style document (style spec v8) of the planning layers, in the platform's own colours, with its
legend, so MapLibre GL JS, QGIS (vector tiles, "load style") or any Mapbox-style client draws the layers as the
platform's pages do.

Its one source is the composite tile (TileJSON at ``/tiles/composite.json``): one MVT layer per kind. Each kind
is a fill layer (where its symbol fills) and an outline layer, bottom to top in :data:`layers.symbols.DRAW_ORDER`;
a kind whose symbol has variants (land-use classes by the first two digits of ``landuse_code``, water-source
tiers, flood risk levels, acquisition statuses) picks its colour with a ``match`` expression. Line widths and
dashes are in screen pixels, as in :mod:`layers.symbols` (MapLibre counts dashes in line widths).
Spec: https://maplibre.org/maplibre-style-spec/
"""

from __future__ import annotations

from typing import Any

from layers.catalogue import LAYER_KINDS
from layers.symbols import DRAW_ORDER, LAYER_STYLES, OUTLINE_OPACITY, LayerStyle, Symbol, Variant

SOURCE = "blueprint"
BACKGROUND = "#f4f6f8"
"""The page background of the platform's maps (no basemap by default)."""


def _key(style: LayerStyle) -> list[Any]:
    """The expression of the value that picks a variant: the attribute as text, its first characters if asked."""
    value: list[Any] = ["to-string", ["get", style.by]]
    return ["slice", value, 0, style.prefix] if style.prefix else value


def _by_variant(style: LayerStyle, pick: Any) -> Any:
    """``pick(symbol)`` of the base symbol, or a ``match`` over the variants when they differ from it."""
    base = pick(style.base)
    values = [(variant.value, pick(variant.symbol)) for variant in style.variants]
    if all(value == base for _, value in values):
        return base
    return ["match", _key(style), *[part for value in values for part in value], base]


def _dash(symbol: Symbol) -> list[float] | None:
    if not symbol.dash:
        return None
    return [round(float(part) / symbol.weight, 3) for part in symbol.dash.split()]


def _style_layers(kind: str, style: LayerStyle) -> list[dict[str, Any]]:
    common = {"source": SOURCE, "source-layer": kind, "metadata": {"blueprint:kind": kind}}
    layers = []
    if style.base.fill:
        layers.append({"id": f"{kind}-fill", "type": "fill", **common, "paint": {
            "fill-color": _by_variant(style, lambda symbol: symbol.colour),
            "fill-opacity": _by_variant(style, lambda symbol: symbol.fill_opacity),
        }})
    outline: dict[str, Any] = {"id": f"{kind}-outline", "type": "line", **common,
                               "layout": {"line-join": "round"}, "paint": {
                                   "line-color": _by_variant(style, lambda symbol: symbol.outline),
                                   "line-width": _by_variant(style, lambda symbol: symbol.weight),
                                   "line-opacity": OUTLINE_OPACITY}}
    dash = _dash(style.base)
    if dash:
        outline["paint"]["line-dasharray"] = dash
    if style.outline_from_zoom:
        outline["minzoom"] = style.outline_from_zoom
    layers.append(outline)
    return layers


def _legend_entry(label: str, symbol: Symbol) -> dict[str, Any]:
    return {"label": label, "fill": symbol.colour if symbol.fill else None,
            "fill_opacity": symbol.fill_opacity if symbol.fill else 0, "outline": symbol.outline,
            "outline_width": symbol.weight, "dash": symbol.dash}


def legend(language: str) -> list[dict[str, Any]]:
    """The legend in ``language`` (zh or en), top of the map first: per kind its name, its style layers and its
    lines (one per variant, or its one symbol)."""
    entries = []
    for kind in reversed(DRAW_ORDER):
        style = LAYER_STYLES[kind]
        name = LAYER_KINDS[kind].name.in_language(language)
        variants: tuple[Variant, ...] = style.variants
        lines = ([_legend_entry(variant.label.in_language(language), variant.symbol) for variant in variants]
                 if variants else [_legend_entry(name, style.base)])
        entries.append({"kind": kind, "name": name, "layers": [layer["id"] for layer in _style_layers(kind, style)],
                        "entries": lines})
    return entries


def maplibre_style(tilejson_url: str, language: str) -> dict[str, Any]:
    """The style document; ``tilejson_url`` is the composite tile's TileJSON (absolute), ``language`` zh or en
    for its name and legend."""
    layers: list[dict[str, Any]] = [{"id": "background", "type": "background",
                                     "paint": {"background-color": BACKGROUND}}]
    for kind in DRAW_ORDER:
        layers += _style_layers(kind, LAYER_STYLES[kind])
    return {
        "version": 8,
        "name": "一张蓝图 规划图层" if language == "zh" else "One Blueprint planning layers",
        "metadata": {"blueprint:language": language, "blueprint:legend": legend(language)},
        "sources": {SOURCE: {"type": "vector", "url": tilejson_url}},
        "layers": layers,
    }
