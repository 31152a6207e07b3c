"""The layer panel's groups: which planning layer kinds the panel lists together, and in which order."""

from __future__ import annotations

LAYER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("control_lines", ("ecological_red_line", "basic_farmland", "urban_development_boundary")),
    ("land_use", ("land_use",)),
    ("water", ("water_source_protection", "river_management_range", "flood_risk", "soil_water_conservation")),
    ("acquisition", ("land_acquisition", "investment_parcel")),
    ("boundaries", ("district",)),
)
"""The layer panel's groups (labels ``panel.group.<key>``), in panel order, with their kinds: the 三线 control
lines of territorial planning, the land-use plan, the water department's layers, acquisition and the parcels
on offer, and the administrative boundaries for orientation. Kinds in no group go under ``other``; the
proposals make a group of their own (``projects``) on the pages that draw them."""


def layer_group(kind: str) -> str:
    """The panel group of a layer kind (``other`` for a kind no group lists)."""
    return next((key for key, kinds in LAYER_GROUPS if kind in kinds), "other")


def group_rank(group: str) -> int:
    """Where a group comes in the panel (``other`` after the listed ones)."""
    keys = [key for key, _ in LAYER_GROUPS]
    return keys.index(group) if group in keys else len(keys)
