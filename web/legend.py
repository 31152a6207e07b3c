"""How the pages draw each planning layer and each proposal overlay, and the legend that explains it.

The layers' symbols are :mod:`layers.symbols` (shared with the MapLibre style for GIS clients); the proposal
overlays' are here. The pages' JavaScript styles vector tiles and GeoJSON overlays from :func:`style_config`,
and the legend is rendered from :func:`layer_legend` — so the legend always shows the colours on the map.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from layers.catalogue import LAYER_KINDS, Text
from layers.symbols import LAYER_STYLES, OUTLINE_OPACITY, Symbol


def leaflet_options(symbol: Symbol) -> dict[str, Any]:
    """The Leaflet path options of a symbol."""
    return {
        "color": symbol.outline,
        "weight": symbol.weight,
        "opacity": OUTLINE_OPACITY,
        "fill": symbol.fill,
        "fillColor": symbol.colour,
        "fillOpacity": symbol.fill_opacity if symbol.fill else 0,
        "dashArray": symbol.dash,
    }


SITE_COLOUR = "#e65100"
"""A candidate site being drawn or uploaded (选址工具), apart from every layer's and marking's colour."""

PROPOSAL_SYMBOLS: dict[str, tuple[Text, Symbol]] = {
    "site.blocking": (Text("选址存在禁止类冲突", "site with a blocking conflict"),
                      Symbol("#b71c1c", fill_opacity=0.08, weight=3)),
    "site.needs_review": (Text("选址需部门审查", "site that needs review"),
                          Symbol("#e65100", fill_opacity=0.08, weight=3)),
    "site.clear": (Text("选址无冲突", "conflict-free site"), Symbol("#2e7d32", fill_opacity=0.08, weight=3)),
    "site.approved": (Text("已赋码项目", "coded project"), Symbol("#1565c0", fill_opacity=0.12, weight=3)),
    "site.earlier": (Text("历史选址", "earlier site revision"), Symbol("#616161", weight=2, dash="6 5", fill=False)),
    "site.candidate": (Text("待检测选址（绘制或上传）", "candidate site (drawn or uploaded)"),
                       Symbol(SITE_COLOUR, fill_opacity=0.05, weight=3, dash="8 4")),
    "conflict.blocking": (Text("禁止类冲突范围", "blocking overlap"), Symbol("#e53935", fill_opacity=0.6, weight=1)),
    "conflict.needs_review": (Text("需审查冲突范围", "overlap needing review"),
                              Symbol("#fb8c00", fill_opacity=0.5, weight=1)),
    "conflict.info": (Text("提示性重叠", "overlap for information"), Symbol("#78909c", fill_opacity=0.4, weight=1)),
    "marking": (Text("部门标注", "department marking"), Symbol("#8e24aa", fill_opacity=0.2, weight=3, dash="2 6")),
}
"""Symbols of the proposal overlays (sites by screening result, conflict overlaps, markings)."""


def style_config() -> dict[str, Any]:
    """The symbols as the pages' JavaScript reads them (``Blueprint.style(kind, properties, zoom)``)."""
    return {
        "layers": {
            slug: {
                "base": leaflet_options(style.base),
                "by": style.by,
                "prefix": style.prefix,
                "variants": {variant.value: leaflet_options(variant.symbol) for variant in style.variants},
                "outlineFromZoom": style.outline_from_zoom,
            }
            for slug, style in LAYER_STYLES.items()
        },
        "proposals": {key: leaflet_options(symbol) for key, (_, symbol) in PROPOSAL_SYMBOLS.items()},
    }


@dataclass(frozen=True)
class LegendEntry:
    label: str
    symbol: dict[str, Any]


def _entry(label: str, symbol: Symbol) -> LegendEntry:
    return LegendEntry(label, asdict(symbol))


def layer_legend(kind: str, language: str) -> list[LegendEntry]:
    """The legend lines of one layer kind: its variants, or its one symbol."""
    style = LAYER_STYLES.get(kind)
    if style is None:
        return []
    if style.variants:
        return [_entry(variant.label.in_language(language), variant.symbol) for variant in style.variants]
    return [_entry(LAYER_KINDS[kind].name.in_language(language), style.base)]


def proposal_legend(language: str) -> list[LegendEntry]:
    """The legend lines of the proposal overlays."""
    return [_entry(label.in_language(language), symbol) for label, symbol in PROPOSAL_SYMBOLS.values()]
