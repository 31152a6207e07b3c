"""How each planning layer and each proposal overlay is drawn, and the legend that explains it.

One table of symbols is the single source of truth: the pages' JavaScript styles vector tiles and
GeoJSON overlays from :func:`style_config`, and the legend is rendered from :func:`legend` — so the legend
always shows the colours on the map.

Land-use colours follow the conventional palette of Chinese planning maps (residential yellow, public
services pink, commercial red, industrial brown, warehousing purple, green space green, water blue — the
GB 50137 tradition carried on by the 2023 用地用海分类 guide), with tones chosen to stay legible without a
basemap. It is a reading aid, not a normative colour table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from layers.catalogue import LAYER_KINDS, Text
from layers.land_use import FIRST_LEVEL_CLASSES


@dataclass(frozen=True)
class Symbol:
    """A polygon symbol: outline and fill (CSS colours; ``dash`` is an SVG dash array, e.g. ``"6 4"``)."""

    colour: str
    fill_opacity: float = 0.3
    weight: float = 1.0
    stroke: str | None = None  # outline colour; None: same as ``colour``
    dash: str | None = None
    fill: bool = True

    def as_leaflet(self) -> dict[str, Any]:
        """The Leaflet path options of this symbol."""
        return {
            "color": self.stroke or self.colour,
            "weight": self.weight,
            "opacity": 0.9,
            "fill": self.fill,
            "fillColor": self.colour,
            "fillOpacity": self.fill_opacity if self.fill else 0,
            "dashArray": self.dash,
        }


@dataclass(frozen=True)
class Variant:
    value: str
    label: Text
    symbol: Symbol


@dataclass(frozen=True)
class LayerStyle:
    """The symbol of a layer kind; ``by`` names the attribute that picks a variant (its first ``prefix``
    characters when set, e.g. the first-level class of a land-use code)."""

    base: Symbol
    by: str | None = None
    prefix: int | None = None
    variants: tuple[Variant, ...] = ()
    outline_from_zoom: int | None = None  # below it, no outline: a hairline would wash out small polygons


LAND_USE_COLOURS: dict[str, str] = {
    "01": "#eef0a8", "02": "#bfe9aa", "03": "#5fae5e", "04": "#cdf57a", "05": "#65cdaa", "06": "#d8d79f",
    "07": "#f7e34a", "08": "#f28cc0", "09": "#e8413c", "10": "#bb9674", "11": "#9f7fff", "12": "#a6a6a6",
    "13": "#3d8fa8", "14": "#4cc45a", "15": "#6f7d4f", "16": "#f4f4f4", "17": "#7ec8ee", "23": "#d9d3c7",
}
"""First-level land-use class -> fill colour."""


def _kind_colour(slug: str) -> str:
    return LAYER_KINDS[slug].colour


LAYER_STYLES: dict[str, LayerStyle] = {
    "district": LayerStyle(Symbol(_kind_colour("district"), weight=1.6, dash="5 4", fill=False)),
    "land_use": LayerStyle(
        Symbol(_kind_colour("land_use"), fill_opacity=0.7, weight=0.4, stroke="#ffffff"),
        by="landuse_code",
        prefix=2,
        outline_from_zoom=14,
        variants=tuple(
            Variant(code, Text(*names), Symbol(LAND_USE_COLOURS[code], fill_opacity=0.7, weight=0.4, stroke="#ffffff"))
            for code, names in FIRST_LEVEL_CLASSES.items()
        ),
    ),
    "ecological_red_line": LayerStyle(Symbol(_kind_colour("ecological_red_line"), fill_opacity=0.22, weight=2)),
    "basic_farmland": LayerStyle(Symbol(_kind_colour("basic_farmland"), fill_opacity=0.4, weight=0.8)),
    "urban_development_boundary": LayerStyle(
        Symbol(_kind_colour("urban_development_boundary"), weight=2.5, dash="10 5", fill=False)
    ),
    "water_source_protection": LayerStyle(
        Symbol(_kind_colour("water_source_protection"), fill_opacity=0.3, weight=1.2),
        by="tier",
        variants=(
            Variant("1", Text("一级保护区", "tier 1 zone"), Symbol("#1a4f8b", fill_opacity=0.5, weight=1.5)),
            Variant("2", Text("二级保护区", "tier 2 zone"), Symbol("#2e86c1", fill_opacity=0.25, weight=1.2)),
        ),
    ),
    "river_management_range": LayerStyle(Symbol(_kind_colour("river_management_range"), fill_opacity=0.55, weight=1)),
    "flood_risk": LayerStyle(
        Symbol(_kind_colour("flood_risk"), fill_opacity=0.3, weight=0.8),
        by="risk_level",
        variants=(
            Variant("high", Text("高风险", "high risk"), Symbol("#21618c", fill_opacity=0.45, weight=0.8)),
            Variant("medium", Text("中风险", "medium risk"), Symbol("#5dade2", fill_opacity=0.35, weight=0.8)),
            Variant("low", Text("低风险", "low risk"), Symbol("#a9cce3", fill_opacity=0.3, weight=0.8)),
        ),
    ),
    "soil_water_conservation": LayerStyle(
        Symbol(_kind_colour("soil_water_conservation"), fill_opacity=0.15, weight=1.2, dash="3 3")
    ),
    "land_acquisition": LayerStyle(
        Symbol(_kind_colour("land_acquisition"), fill_opacity=0.4, weight=1),
        by="acquisition_status",
        variants=(
            Variant("not_started", Text("未启动征收", "acquisition not started"),
                    Symbol("#d35400", fill_opacity=0.5, weight=1)),
            Variant("in_progress", Text("征收中", "acquisition in progress"),
                    Symbol("#f5b041", fill_opacity=0.45, weight=1)),
            Variant("done", Text("征收完成", "acquisition done"), Symbol("#839192", fill_opacity=0.3, weight=1)),
        ),
    ),
    "investment_parcel": LayerStyle(Symbol(_kind_colour("investment_parcel"), fill_opacity=0.3, weight=1.5)),
}
"""Layer kind -> its style; every kind of the catalogue has one."""

SHOWN_BY_DEFAULT: frozenset[str] = frozenset({
    "district", "land_use", "ecological_red_line", "basic_farmland", "urban_development_boundary",
    "water_source_protection", "river_management_range",
})
"""Kinds switched on when a map opens; the others are one click away (and cost no tiles until then)."""

DRAW_ORDER: tuple[str, ...] = (
    "land_use", "basic_farmland", "flood_risk", "soil_water_conservation", "land_acquisition",
    "investment_parcel", "water_source_protection", "river_management_range", "ecological_red_line",
    "urban_development_boundary", "district",
)
"""Bottom to top: area-filling plans first, lines and boundaries last."""

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
                "base": style.base.as_leaflet(),
                "by": style.by,
                "prefix": style.prefix,
                "variants": {variant.value: variant.symbol.as_leaflet() for variant in style.variants},
                "outlineFromZoom": style.outline_from_zoom,
            }
            for slug, style in LAYER_STYLES.items()
        },
        "proposals": {key: symbol.as_leaflet() for key, (_, symbol) in PROPOSAL_SYMBOLS.items()},
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
