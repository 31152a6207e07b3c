"""How each planning layer kind is drawn (符号): outline and fill colours, the variants that tell its classes,
tiers or statuses apart, and the draw order.

One table for every map client: the platform's own pages (Leaflet, :mod:`web.legend`) and the MapLibre style
document for GIS clients (:mod:`layers.maplibre`) both read it, so the legend, the pages and QGIS show the
same colours.

Land-use colours follow the conventional palette of Chinese planning maps (residential yellow, public
services pink, commercial red, industrial brown, warehousing purple, green space green, water blue — the
GB 50137 tradition carried on by the 2023 用地用海分类 guide), with tones chosen to stay legible without a
basemap. It is a reading aid, not a normative colour table.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.catalogue import LAYER_KINDS
from layers.land_use import FIRST_LEVEL_CLASSES
from layers.text import Text


@dataclass(frozen=True)
class Symbol:
    """A polygon symbol: outline and fill (CSS colours; ``weight`` the outline width in screen pixels;
    ``dash`` an SVG dash array in pixels, e.g. ``"6 4"``)."""

    colour: str
    fill_opacity: float = 0.3
    weight: float = 1.0
    stroke: str | None = None  # outline colour; None: same as ``colour``
    dash: str | None = None
    fill: bool = True

    @property
    def outline(self) -> str:
        return self.stroke or self.colour


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


OUTLINE_OPACITY = 0.9
"""Opacity of every outline."""

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
"""Kinds switched on when a map opens; the others are one click away."""

DRAW_ORDER: tuple[str, ...] = (
    "land_use", "basic_farmland", "flood_risk", "soil_water_conservation", "land_acquisition",
    "investment_parcel", "water_source_protection", "river_management_range", "ecological_red_line",
    "urban_development_boundary", "district",
)
"""Bottom to top: area-filling plans first, lines and boundaries last."""


def draw_rank(kind: str) -> int:
    """Where a kind is drawn, 0 at the bottom; a kind the order does not name goes on top."""
    return DRAW_ORDER.index(kind) if kind in DRAW_ORDER else len(DRAW_ORDER)
