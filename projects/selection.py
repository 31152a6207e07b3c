"""Site selection (智能选址): where a project can go, ranked by how little stands in its way.

Given a project (type, intended land use, industry), a site area range and where to look (districts, a
search area, inside the urban development boundary 城镇开发边界), the candidates are

- parcels open for investment (招商地块) planned for a compatible class, and
- contiguous groups of land-use zones (国土空间规划用地图斑) whose planned class is compatible with the
  intended use (not blocking in the compatibility matrix of the rule set in force),

each minus every feature that would block the project (the rules of the rule set in force that apply to it:
red line, farmland, tier 1 water source, blue line…, other projects' coded sites, land outside the urban
development boundary when the project must lie inside), cut into contiguous parts and kept when the part's
area lies in the range. A connected group of zones larger than the range is cut by a square grid of cells of
about the range's (geometric) middle area: zones are grouped by the cell of their interior point.

All set work runs in PostGIS in two statements over the GiST indexes (the search area's or the districts'
bounding box first): one forms the candidates, one overlays them with the needs-review and info features to
rank them (in id order, only as far as the best can still change: :meth:`Selector.best`); both are planned
for their parameters' values (:func:`gis.db.custom_plans`: the compatible classes are hundreds of codes,
which only such a plan hashes). Only the best ``limit`` candidates are then screened by the engine
(:class:`projects.screening.Screener`) for their full reports, and ordered by them. Ranking: fewest blocking
findings, then fewest departments to review, then fewest needs-review findings, then fewest info findings,
then the candidate id (ties broken by id, so the same inputs and layer versions give the same order).

Areas are true ellipsoidal m² (:mod:`gis.area`); 1 亩 (mu) = 10,000/15 m² = 666.6̇7 m²; 1 公顷 (ha) = 10,000 m².
Geometry is WGS84 lon/lat (the layer store's SRID 4326).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import shapely
from sqlalchemy import Connection, TextClause, text

from gis.area import M2_PER_HECTARE, M2_PER_MU, AreaFigures, area_m2_sql
from gis.db import custom_plans
from gis.errors import SpatialInputError
from gis.messages import Message, Text, phrases
from layers.attributes import ACQUISITION_STATUSES, AVAILABILITIES, DEMOLITION_STATUSES
from layers.catalogue import LAYER_KINDS, ConflictRule, Relation, Severity
from layers.land_use import FIRST_LEVEL_CLASSES, Compatibility, is_known_class
from layers.rule_set import RuleSet
from layers.store import CurrentVersion
from projects.districts import district_names
from projects.rules import CODED_STATE, LIVE_PROPOSAL_STATES, OTHER_CODED_PROJECT, OTHER_LIVE_PROPOSAL
from projects.screening import PROJECT_TYPES, Screener, ScreeningReport, ScreeningRequest
from projects.settings import ScreeningSettings
from projects.sites import Site

AreaUnit = Literal["m2", "mu", "ha"]
M2_PER_UNIT: dict[str, float] = {"m2": 1.0, "mu": M2_PER_MU, "ha": M2_PER_HECTARE}
"""m² per unit of a site area range: 1 m², 1 亩 (mu) = 666.6̇7 m², 1 公顷 (ha) = 10,000 m²."""
MAX_LIMIT = 50
"""The most candidates one selection screens and returns."""

phrases(
    "selection",
    area_unit=Text("面积单位“{unit}”无效，须为m2（平方米）、mu（亩）或ha（公顷）",
                   "area unit {unit!r} is not m2, mu (亩, 666.67 m²) or ha (公顷, 10,000 m²)"),
    area_range=Text("面积范围须为两个正数，下限不大于上限（收到{minimum}–{maximum}）",
                    "the area range must be two positive numbers, the minimum no larger than the maximum "
                    "(got {minimum}–{maximum})"),
    limit=Text("候选数量须在1到{most}之间", "the number of candidates must lie between 1 and {most}"),
    district=Text("没有行政区代码为{codes}的区；可选：{known}",
                  "there is no district with code {codes}; known: {known}"),
    no_land_use=Text("没有国土空间规划用地图层，无法选址", "no land-use plan layer is loaded, so no site can be found"),
    no_compatible=Text("搜索范围内没有规划用地性质与拟用地{land_use}相容的图斑或招商地块",
                       "no land-use zone or investment parcel in the search area is planned for a class compatible "
                       "with the intended land use {land_use}"),
    all_blocked=Text("搜索范围内相容的用地全部位于禁止建设的范围内：{kinds}",
                     "every compatible piece of land in the search area lies where the project is barred: {kinds}"),
    too_small=Text("扣除禁止建设范围后，没有足够大的地块：最大的连片用地为{m2:,.0f}平方米（{mu:,.1f}亩），"
                   "要求至少{minimum:,.0f}平方米（{minimum_mu:,.1f}亩）",
                   "no piece is large enough once the barred land is taken out: the largest contiguous piece is "
                   "{m2:,.0f} m² ({mu:,.1f} mu), at least {minimum:,.0f} m² ({minimum_mu:,.1f} mu) is required"),
    too_large=Text("扣除禁止建设范围后，没有面积在范围内的地块：最小的连片用地为{m2:,.0f}平方米（{mu:,.1f}亩），"
                   "要求至多{maximum:,.0f}平方米（{maximum_mu:,.1f}亩）",
                   "no piece is within the range once the barred land is taken out: the smallest contiguous piece "
                   "is {m2:,.0f} m² ({mu:,.1f} mu), at most {maximum:,.0f} m² ({maximum_mu:,.1f} mu) is allowed"),
    none_in_range=Text("扣除禁止建设范围后，没有面积在{minimum:,.0f}–{maximum:,.0f}平方米之间的连片用地",
                       "no contiguous piece of {minimum:,.0f}–{maximum:,.0f} m² is left once the barred land is "
                       "taken out"),
    outside_udb=Text("城镇开发边界外", "outside the urban development boundary"),
    parcel_status=Text("招商地块：征地状态为{acquisition}，拆迁状态为{demolition}，供应状态为{availability}",
                       "investment parcel: acquisition {acquisition}, demolition {demolition}, availability "
                       "{availability}"),
)


@dataclass(frozen=True)
class AreaRange:
    """A site area range in m² (true ellipsoidal area), from figures in m², 亩 (mu) or 公顷 (ha)."""

    min_m2: float
    max_m2: float

    @classmethod
    def of(cls, minimum: float, maximum: float, unit: str = "m2") -> AreaRange:
        """``minimum``–``maximum`` in ``unit`` (m2, mu = 666.6̇7 m², ha = 10,000 m²); refuses a bad range."""
        if unit not in M2_PER_UNIT:
            raise SpatialInputError("invalid-value", Message("selection.area_unit", unit=unit))
        if not (math.isfinite(minimum) and math.isfinite(maximum) and 0 < minimum <= maximum):
            raise SpatialInputError("invalid-value",
                                    Message("selection.area_range", minimum=minimum, maximum=maximum))
        return cls(minimum * M2_PER_UNIT[unit], maximum * M2_PER_UNIT[unit])

    @property
    def cell_m2(self) -> float:
        """The area of the grid cells that cut a connected group larger than the range: its geometric middle."""
        return math.sqrt(self.min_m2 * self.max_m2)


@dataclass(frozen=True)
class SelectionRequest:
    """What a site is sought for, and where. ``districts`` are GB/T 2260 codes (none: every district);
    ``search_area`` a validated WGS84 polygon (:func:`projects.sites.prepare_site`)."""

    project_type: str
    land_use: str
    industry: str
    area: AreaRange
    districts: tuple[str, ...] = ()
    search_area: Site | None = None
    inside_urban_development_boundary: bool = False
    limit: int = 10

    def __post_init__(self) -> None:
        if self.project_type not in PROJECT_TYPES:
            raise SpatialInputError("invalid-project-type",
                                    Message("screening.project_type", project_type=self.project_type))
        if not is_known_class(self.land_use):
            raise SpatialInputError("invalid-land-use", Message("screening.land_use", land_use=self.land_use))
        if not 1 <= self.limit <= MAX_LIMIT:
            raise SpatialInputError("invalid-value", Message("selection.limit", most=MAX_LIMIT))


@dataclass
class Candidate:
    """One candidate site: where it comes from, its buildable geometry (GeoJSON, WGS84), area and report."""

    id: str
    source: Literal["investment_parcel", "land_use_zones"]
    area: dict[str, float]
    geometry: dict[str, Any]
    zone_count: int
    planned_classes: list[str]
    parcel: dict[str, Any] | None
    rank: int = 0
    reasons: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class SelectionResult:
    parameters: dict[str, Any]
    candidates: list[Candidate]
    considered: dict[str, Any]
    """How many zones and parcels were compatible, how many pieces were left and how many were in range."""
    reason: dict[str, str] | None
    """Why there is no candidate (zh and en), or None."""
    layer_versions: list[dict[str, Any]]
    rule_set: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self), "candidates": [vars(candidate) for candidate in self.candidates]}


def _codes() -> list[str]:
    """Every land-use code a zone can carry in the classification: first-level codes and the 4-digit ones."""
    return [code for first in FIRST_LEVEL_CLASSES for code in (first, *(f"{first}{n:02d}" for n in range(100)))]


def _verdicts(rules: RuleSet, land_use: str) -> dict[Compatibility, list[str]]:
    """The planned codes of each verdict for a project of ``land_use`` (the rule set's matrix, code by code)."""
    verdicts: dict[Compatibility, list[str]] = {verdict: [] for verdict in Compatibility}
    for code in _codes():
        verdicts[rules.compatibility(land_use, code)].append(code)
    return verdicts


@dataclass(frozen=True)
class _FeatureRule:
    """A rule as the selection's SQL reads it: which versions, and which feature attributes select it."""

    rule: ConflictRule
    versions: list[int]
    feature_filter: dict[str, list[Any]]


def _filter_json(feature_filter: dict[str, Any]) -> str:
    return json.dumps({key: sorted(values, key=str) for key, values in feature_filter.items()}, ensure_ascii=False)


class _Plan:
    """The rules of one selection sorted into what removes land (blocking) and what ranks it (review, info)."""

    def __init__(self, screener: Screener, request: SelectionRequest) -> None:
        rules, by_kind = screener.rules, screener.versions_by_kind
        applicable = {slug: [rule for rule in rules.for_kind(slug) if rule.applies_to(
            project_type=request.project_type, land_use=request.land_use, industry=request.industry)]
            for slug in rules.kinds_with_rules}
        self.verdicts = _verdicts(rules, request.land_use)
        self.blocking: list[_FeatureRule] = []
        self.ranking: list[_FeatureRule] = []
        self.outside: list[tuple[ConflictRule, list[int]]] = []
        self.inside_udb = request.inside_urban_development_boundary
        land_use_versions = [version.version_id for version in by_kind.get("land_use", [])]
        for slug, kind_rules in applicable.items():
            versions = [version.version_id for version in by_kind.get(slug, [])]
            if not versions:
                continue
            for rule in kind_rules:
                if rule.relation is Relation.LAND_USE:
                    # blocking classes only matter under parcels: zone groups are made of compatible zones
                    self.blocking.append(_FeatureRule(rule, versions, {
                        "landuse_code": self.verdicts[Compatibility.BLOCKING]}))
                    self.ranking.append(_FeatureRule(rule, versions, {
                        "landuse_code": self.verdicts[Compatibility.NEEDS_REVIEW]}))
                elif rule.relation is Relation.OVERLAPS:
                    assert rule.severity is not None
                    target = self.blocking if rule.severity is Severity.BLOCKING else self.ranking
                    target.append(_FeatureRule(rule, versions, dict(rule.feature_filter)))
                elif slug == "urban_development_boundary" and rule.severity is Severity.BLOCKING:
                    self.inside_udb = True
                else:
                    self.outside.append((rule, versions))
        self.land_use_versions = land_use_versions
        self.udb_versions = [v.version_id for v in by_kind.get("urban_development_boundary", [])] \
            if self.inside_udb else []
        self.parcel_versions = [v.version_id for v in by_kind.get("investment_parcel", [])]
        self.district_versions = [v.version_id for v in by_kind.get("district", [])]

    def blocking_parameters(self) -> dict[str, Any]:
        rows = [(version, _filter_json(entry.feature_filter), entry.rule.relation is Relation.LAND_USE,
                 entry.rule.kind) for entry in self.blocking for version in entry.versions]
        return {"blocking_versions": [row[0] for row in rows], "blocking_filters": [row[1] for row in rows],
                "blocking_parcels_only": [row[2] for row in rows], "blocking_kinds": [row[3] for row in rows],
                "all_blocking_versions": sorted({row[0] for row in rows}),
                "zone_blocking_versions": sorted({row[0] for row in rows if not row[2]})}


# The pieces of a set of versions near a geometry: whole features of few vertices and the ST_Subdivide parts
# of the rest (with their feature's properties), each through its GiST index.
_PIECES = """
    SELECT f.version_id, f.id AS feature_id, f.feature_index, f.properties, f.geom
    FROM layer_features f WHERE f.version_id = ANY({versions}) AND NOT f.subdivided AND f.geom && {near}
    UNION ALL
    SELECT p.version_id, p.feature_id, f.feature_index, f.properties, p.geom
    FROM layer_feature_parts p JOIN layer_features f ON f.version_id = p.version_id AND f.id = p.feature_id
    WHERE p.version_id = ANY({versions}) AND p.geom && {near}
"""

# A feature's properties select a rule when each filtered attribute takes one of the listed values
# (layers.catalogue.ConflictRule.matches_feature). The filter is jsonb already: a land-use rule's lists
# hundreds of codes, and parsing its text once per feature cost more than the overlay.
_MATCHES = ("NOT EXISTS (SELECT 1 FROM jsonb_each({filter}) AS wanted(key, allowed) "
            "WHERE NOT wanted.allowed @> jsonb_build_array({properties} -> wanted.key))")

_WITHIN_UDB = ("CASE WHEN cardinality(CAST(:udb_versions AS integer[])) = 0 OR udb.covered THEN s.geom "
               "ELSE coalesce(inside.geom, ST_GeomFromText('POLYGON EMPTY', 4326)) END")
"""The part of a source inside the urban development boundary, when the project must lie inside it."""

_CANDIDATES = text(
    f"""
    WITH search AS (SELECT ST_GeomFromWKB(CAST(:search AS bytea), 4326) AS geom),
    chosen AS (
        SELECT ST_UnaryUnion(ST_Collect(f.geom)) AS geom FROM layer_features f
        WHERE cardinality(CAST(:districts AS text[])) > 0 AND f.version_id = ANY(:district_versions)
          AND f.properties ->> 'adcode' = ANY(:districts)
    ),
    bounds AS MATERIALIZED (
        SELECT box, radians(ST_Y(ST_Centroid(box))) AS phi FROM (
            SELECT coalesce(ST_Envelope(search.geom), ST_Envelope(chosen.geom),
                            ST_MakeEnvelope(-180, -90, 180, 90, 4326)) AS box FROM search, chosen) AS b
    ),
    sources AS MATERIALIZED (
        SELECT false AS is_parcel, f.id AS source_id, f.properties,
               CASE WHEN search.geom IS NULL OR ST_Covers(search.geom, f.geom) THEN f.geom
                    ELSE ST_CollectionExtract(ST_Intersection(f.geom, search.geom), 3) END AS geom
        FROM layer_features f, search, chosen, bounds
        WHERE f.version_id = ANY(:land_use_versions) AND f.geom && bounds.box
          AND f.properties ->> 'landuse_code' = ANY(:usable)
          AND (search.geom IS NULL OR ST_Intersects(search.geom, f.geom))
          AND (chosen.geom IS NULL OR ST_Intersects(chosen.geom, ST_PointOnSurface(f.geom)))
        UNION ALL
        SELECT true, f.id, f.properties, f.geom
        FROM layer_features f, search, chosen, bounds
        WHERE f.version_id = ANY(:parcel_versions) AND f.geom && bounds.box
          AND f.properties ->> 'landuse_code' = ANY(:usable)
          AND (search.geom IS NULL OR ST_Intersects(search.geom, ST_PointOnSurface(f.geom)))
          AND (chosen.geom IS NULL OR ST_Intersects(chosen.geom, ST_PointOnSurface(f.geom)))
    ),
    buildable AS MATERIALIZED (
        SELECT s.is_parcel, s.source_id, s.properties, barred.kinds,
               CASE WHEN barred.geom IS NULL THEN {_WITHIN_UDB}
                    ELSE ST_CollectionExtract(ST_Difference({_WITHIN_UDB}, barred.geom), 3) END AS geom
        FROM sources s
        LEFT JOIN LATERAL (
            SELECT ST_UnaryUnion(ST_Collect(piece.geom)) AS geom, array_agg(DISTINCT piece.kind) AS kinds FROM (
                SELECT rule.kind, found.geom FROM (  -- each branch's versions are known when planned: pruned
                    SELECT * FROM ({_PIECES.format(versions=':all_blocking_versions', near='s.geom')}) AS near
                    WHERE s.is_parcel
                    UNION ALL
                    SELECT * FROM ({_PIECES.format(versions=':zone_blocking_versions', near='s.geom')}) AS near
                    WHERE NOT s.is_parcel
                ) AS found
                JOIN unnest(CAST(:blocking_versions AS integer[]), CAST(:blocking_filters AS jsonb[]),
                            CAST(:blocking_parcels_only AS boolean[]), CAST(:blocking_kinds AS text[]))
                    AS rule(version_id, filter, parcels_only, kind)
                  ON rule.version_id = found.version_id AND (s.is_parcel OR NOT rule.parcels_only)
                WHERE ST_Intersects(found.geom, s.geom) AND {_MATCHES.format(filter='rule.filter',
                                                                            properties='found.properties')}
                UNION ALL
                SELECT 'project_site', r.geom FROM site_revisions r JOIN proposals p ON p.id = r.proposal_id
                WHERE r.is_current AND p.state = :coded AND r.geom && s.geom AND ST_Intersects(r.geom, s.geom)
            ) AS piece
        ) AS barred ON true
        -- most sources lie wholly inside one boundary feature (a prepared test): only the others are cut;
        -- OFFSET 0 keeps the test one per source (inlined, it ran once for each of its two readers)
        CROSS JOIN LATERAL (
            SELECT EXISTS (SELECT 1 FROM ({_PIECES.format(versions=':udb_versions', near='s.geom')}) AS found
                           WHERE ST_Covers(found.geom, s.geom)) AS covered OFFSET 0
        ) AS udb
        LEFT JOIN LATERAL (
            SELECT ST_UnaryUnion(ST_Collect(ST_CollectionExtract(ST_Intersection(found.geom, s.geom), 3))) AS geom
            FROM ({_PIECES.format(versions=':udb_versions', near='s.geom')}) AS found
            WHERE NOT udb.covered AND ST_Intersects(found.geom, s.geom)
        ) AS inside ON true
    ),
    pieces AS (
        SELECT b.is_parcel, b.source_id, b.properties, coalesce(part.path[1], 1) AS part, part.geom
        FROM buildable b, ST_Dump(b.geom) AS part
        WHERE NOT ST_IsEmpty(b.geom)
    ),
    measured AS (
        SELECT pieces.*, {area_m2_sql("pieces.geom")} AS area_m2 FROM pieces
    ),
    zone_pieces AS (
        SELECT m.*, ST_ClusterDBSCAN(m.geom, 0, 1) OVER (ORDER BY m.source_id, m.part) AS component
        FROM measured m WHERE NOT m.is_parcel AND m.area_m2 >= :dust_m2
    ),
    inner_points AS (  -- only the pieces of a component larger than the range are placed in cells
        SELECT z.*, CASE WHEN sum(z.area_m2) OVER (PARTITION BY z.component) > :max_m2
                         THEN ST_PointOnSurface(z.geom) END AS inner_point
        FROM zone_pieces z
    ),
    cells AS (
        SELECT z.*, floor(ST_X(z.inner_point) * 111320 * cos(bounds.phi) / sqrt(:cell_m2)) AS cx,
               floor(ST_Y(z.inner_point) * 110574 / sqrt(:cell_m2)) AS cy
        FROM inner_points z, bounds
    ),
    groups AS (
        SELECT min(source_id) AS first_zone, (array_agg(part ORDER BY source_id, part))[1] AS first_part,
               count(*) AS zones,
               array_agg(DISTINCT properties ->> 'landuse_code') AS classes,
               ST_UnaryUnion(ST_Collect(geom ORDER BY source_id, part)) AS geom
        FROM cells GROUP BY component, cx, cy
    ),
    parts AS (
        -- numbered within the first zone: a zone that a blocking layer cuts in two begins two groups
        SELECT 'Z' || lpad(CAST(g.first_zone AS text), 12, '0') || '-' || lpad(CAST(row_number() OVER (
                   PARTITION BY g.first_zone ORDER BY g.first_part, part.path[1]) AS text), 3, '0') AS id,
               false AS is_parcel, g.zones,
               g.classes, CAST(NULL AS jsonb) AS properties, part.geom
        FROM groups g, ST_Dump(g.geom) AS part
        UNION ALL
        SELECT 'P' || lpad(CAST(m.source_id AS text), 12, '0') || '-' || lpad(CAST(m.part AS text), 3, '0'), true, 0,
               ARRAY[m.properties ->> 'landuse_code'], m.properties, m.geom
        FROM measured m WHERE m.is_parcel AND m.area_m2 >= :dust_m2
    ),
    sized AS (SELECT parts.*, {area_m2_sql("parts.geom")} AS area_m2 FROM parts),
    stats AS (
        SELECT (SELECT count(*) FILTER (WHERE NOT is_parcel) FROM sources) AS compatible_zones,
               (SELECT count(*) FILTER (WHERE is_parcel) FROM sources) AS compatible_parcels,
               (SELECT array_agg(DISTINCT kind) FROM buildable, unnest(kinds) AS kind) AS barred_kinds,
               (SELECT count(*) FROM sized) AS pieces,
               (SELECT max(area_m2) FROM sized) AS largest_m2, (SELECT min(area_m2) FROM sized) AS smallest_m2
    )
    SELECT stats.*, c.id, c.is_parcel, c.zones, c.classes, c.properties, c.area_m2,
           ST_AsBinary(c.geom) AS wkb
    FROM stats LEFT JOIN (SELECT * FROM sized WHERE area_m2 BETWEEN :min_m2 AND :max_m2) AS c ON true
    ORDER BY c.id
    """
)

# The needs-review and info findings of every candidate: its overlap with each selected feature (and the
# part of it outside each layer an outside rule reads), minus slivers, as the screening would find them.
_FINDINGS = text(
    f"""
    WITH candidate AS MATERIALIZED (
        SELECT id, is_parcel, geom, {area_m2_sql("given.geom")} AS site_m2
        FROM (SELECT id, is_parcel, ST_GeomFromWKB(wkb, 4326) AS geom
              FROM unnest(CAST(:ids AS text[]), CAST(:wkbs AS bytea[]), CAST(:parcels AS boolean[]))
                  AS c(id, wkb, is_parcel)) AS given
    ),
    rule AS (
        SELECT * FROM unnest(CAST(:rule_versions AS integer[]), CAST(:rule_filters AS jsonb[]),
                             CAST(:rule_ids AS text[]), CAST(:rule_protected AS boolean[]))
            AS r(version_id, filter, rule_id, protected)
    ),
    hits AS (
        SELECT c.id, rule.rule_id, rule.protected, c.site_m2, found.feature_id,
               CASE WHEN ST_Covers(c.geom, found.geom) THEN found.geom  -- a zone of the candidate's own
                    ELSE ST_Intersection(found.geom, c.geom) END AS geom
        FROM candidate c
        CROSS JOIN LATERAL (  -- each piece tested against the candidate once, before the rules are joined
            SELECT * FROM ({_PIECES.format(versions=':all_rule_versions', near='c.geom')}) AS near
            WHERE ST_Intersects(near.geom, c.geom) OFFSET 0
        ) AS found
        JOIN rule ON rule.version_id = found.version_id
        WHERE {_MATCHES.format(filter='rule.filter', properties='found.properties')}
        UNION ALL
        SELECT c.id, :live_rule, false, c.site_m2, p.id, ST_Intersection(r.geom, c.geom)
        FROM candidate c JOIN site_revisions r ON r.is_current AND r.geom && c.geom AND ST_Intersects(r.geom, c.geom)
        JOIN proposals p ON p.id = r.proposal_id AND p.state = ANY(:live_states)
    ),
    merged AS (
        SELECT id, rule_id, protected, site_m2, ST_UnaryUnion(ST_Collect(geom)) AS geom
        FROM hits GROUP BY id, rule_id, protected, site_m2, feature_id
    ),
    per_feature AS (SELECT id, rule_id, protected, site_m2, {area_m2_sql("merged.geom")} AS area_m2 FROM merged),
    outside AS (
        SELECT c.id, o.rule_id, o.protected, c.site_m2,
               {area_m2_sql("CASE WHEN inside.geom IS NULL THEN c.geom ELSE ST_Difference(c.geom, inside.geom) END")}
                   AS area_m2
        FROM candidate c
        CROSS JOIN unnest(CAST(:outside_rule_ids AS text[]), CAST(:outside_sets AS text[]),
                          CAST(:outside_protected AS boolean[]), CAST(:outside_parcels_only AS boolean[]))
            AS o(rule_id, versions, protected, parcels_only)
        LEFT JOIN LATERAL (
            SELECT ST_UnaryUnion(ST_Collect(found.geom)) AS geom
            FROM ({_PIECES.format(versions='CAST(o.versions AS integer[])', near='c.geom')}) AS found
            WHERE ST_Intersects(found.geom, c.geom)
        ) AS inside ON true
        WHERE c.is_parcel OR NOT o.parcels_only
    )
    SELECT id, rule_id FROM (SELECT * FROM per_feature UNION ALL SELECT * FROM outside) AS finding
    WHERE area_m2 >= :sliver_m2 AND (protected OR 100 * area_m2 / site_m2 >= :sliver_percent)
    ORDER BY id, rule_id
    """
)


def _reason(request: SelectionRequest, row: Any, land_use_loaded: bool) -> Message:
    """Why no candidate is left, from the statistics of the candidate statement."""
    if not land_use_loaded and not row.compatible_parcels:
        return Message("selection.no_land_use")
    if not row.compatible_zones and not row.compatible_parcels:
        return Message("selection.no_compatible", land_use=request.land_use)
    if not row.pieces:
        kinds = [LAYER_KINDS[kind].name if kind in LAYER_KINDS else Text("已赋码项目的用地", "coded projects' sites")
                 for kind in sorted(row.barred_kinds or [])]
        return Message("selection.all_blocked", kinds=kinds or [Message("selection.outside_udb")])
    figures = {"minimum": request.area.min_m2, "minimum_mu": request.area.min_m2 / M2_PER_MU,
               "maximum": request.area.max_m2, "maximum_mu": request.area.max_m2 / M2_PER_MU}
    if row.largest_m2 < request.area.min_m2:
        return Message("selection.too_small", m2=row.largest_m2, mu=row.largest_m2 / M2_PER_MU, **figures)
    if row.smallest_m2 > request.area.max_m2:
        return Message("selection.too_large", m2=row.smallest_m2, mu=row.smallest_m2 / M2_PER_MU, **figures)
    return Message("selection.none_in_range", **figures)


def _rank_key(summary_counts: tuple[int, int, int, int], candidate_id: str) -> tuple[int, int, int, int, str]:
    return (*summary_counts, candidate_id)


def report_counts(report: ScreeningReport) -> tuple[int, int, int, int]:
    """Blocking findings, departments to review, needs-review findings, info findings of a report."""
    summary = report.summary
    return (summary["blocking_count"], len(summary["departments_to_review"]), summary["needs_review_count"],
            summary["info_count"])


def _reasons(report: ScreeningReport, parcel: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What stands in the candidate's way, worst first: each finding with its department and share of the site."""
    reasons = [{"severity": c.severity, "rule_id": c.rule_id, "department": c.department,
                "department_name": c.department_name, "message": c.message, "follow_up": c.follow_up,
                "percent_of_site": c.overlap["percent_of_site"]} for c in report.conflicts]
    if parcel is not None:
        message = Message("selection.parcel_status", **{
            key: words.get(str(parcel.get(attribute)), Text(str(parcel.get(attribute)), str(parcel.get(attribute))))
            for key, attribute, words in (("acquisition", "acquisition_status", ACQUISITION_STATUSES),
                                          ("demolition", "demolition_status", DEMOLITION_STATUSES),
                                          ("availability", "availability", AVAILABILITIES))})
        reasons.append({"severity": "info", "rule_id": "investment_parcel.status", "department": None,
                        "department_name": None, "message": {"zh": message.render("zh"), "en": message.render("en")},
                        "follow_up": None, "percent_of_site": 100.0})
    return reasons


class Selector:
    """Finds candidate sites on one connection, with the current layer versions and the rule set in force."""

    def __init__(self, connection: Connection, settings: ScreeningSettings | None = None,
                 versions: list[CurrentVersion] | None = None, rules: RuleSet | None = None) -> None:
        self.connection = connection
        self.screener = Screener(connection, settings, versions, rules)

    def candidate_statement(self, request: SelectionRequest) -> tuple[TextClause, dict[str, Any]]:
        """The statement that forms the candidates of ``request``, with its parameters."""
        plan = _Plan(self.screener, request)
        if request.districts:
            known = district_names(self.connection)
            unknown = sorted(set(request.districts) - set(known))
            if unknown:
                raise SpatialInputError("invalid-parameter",
                                        Message("selection.district", codes=unknown, known=sorted(known)))
        usable = plan.verdicts[Compatibility.ALLOWED] + plan.verdicts[Compatibility.NEEDS_REVIEW]
        return _CANDIDATES, {
            "search": request.search_area.wkb if request.search_area else None,
            "districts": list(request.districts), "district_versions": plan.district_versions,
            "land_use_versions": plan.land_use_versions, "parcel_versions": plan.parcel_versions,
            "usable": usable, "udb_versions": plan.udb_versions, "coded": CODED_STATE,
            "min_m2": request.area.min_m2, "max_m2": request.area.max_m2, "cell_m2": request.area.cell_m2,
            "dust_m2": self.screener.settings.sliver_max_m2, **plan.blocking_parameters(),
        }

    def candidate_rows(self, request: SelectionRequest) -> tuple[Any, list[Any]]:
        """The statistics row and the in-range candidate rows (id order) of the candidate statement."""
        statement, parameters = self.candidate_statement(request)
        with custom_plans(self.connection):  # planned for its codes and versions (see custom_plans)
            rows = self.connection.execute(statement, parameters).all()
        return rows[0], [row for row in rows if row.id is not None]

    def findings(self, request: SelectionRequest, rows: list[Any]) -> dict[str, list[str]]:
        """Candidate id -> the rule ids of its needs-review and info findings, one per feature (SQL, set-wise)."""
        plan = _Plan(self.screener, request)
        entries = [(version, _filter_json(entry.feature_filter), entry.rule.rule_id, entry.rule.protected)
                   for entry in plan.ranking for version in entry.versions]
        found: dict[str, list[str]] = {row.id: [] for row in rows}
        if not rows:
            return found
        with custom_plans(self.connection):
            result = self.connection.execute(_FINDINGS, {
                "ids": [row.id for row in rows], "wkbs": [row.wkb for row in rows],
                "rule_versions": [e[0] for e in entries], "rule_filters": [e[1] for e in entries],
                "rule_ids": [e[2] for e in entries], "rule_protected": [e[3] for e in entries],
                "all_rule_versions": sorted({e[0] for e in entries}),
                "live_rule": OTHER_LIVE_PROPOSAL.rule_id, "live_states": sorted(LIVE_PROPOSAL_STATES),
                "outside_rule_ids": [rule.rule_id for rule, _ in plan.outside],
                "outside_sets": ["{" + ",".join(map(str, versions)) + "}" for _, versions in plan.outside],
                "outside_protected": [rule.protected for rule, _ in plan.outside],
                # a group of land-use zones is all on land-use data: only a parcel can lie partly off it
                "outside_parcels_only": [rule.kind == "land_use" for rule, _ in plan.outside],
                "parcels": [row.is_parcel for row in rows],
                "sliver_m2": self.screener.settings.sliver_max_m2,
                "sliver_percent": self.screener.settings.sliver_max_percent,
            })
        for row in result:
            found[row.id].append(row.rule_id)
        return found

    def _counts(self, rule_ids: list[str]) -> tuple[int, int, int, int]:
        """The ranking counts of a candidate's findings, as :func:`report_counts` reads them from a report."""
        rules = {rule.rule_id: rule for rule in (*self.screener.rules.rules, OTHER_LIVE_PROPOSAL, OTHER_CODED_PROJECT)}
        review = [rules[rule_id] for rule_id in rule_ids if rule_id == "land_use.compatibility"
                  or rules[rule_id].severity is Severity.NEEDS_REVIEW]
        info = [rule_id for rule_id in rule_ids if rule_id != "land_use.compatibility"
                and rules[rule_id].severity is Severity.INFO]
        return (0, len({rule.department for rule in review}), len(review), len(info))

    def best(self, request: SelectionRequest, rows: list[Any]) -> list[Any]:
        """The best ``request.limit`` of ``rows`` by their findings, best first.

        Findings are computed for the candidates in id order, first for twice the limit, then for all the
        others only if needed: a candidate not yet overlaid ranks at best as one with nothing in its way and
        its id, (0, 0, 0, 0, id), so once the last of the best found so far ranks before the next id, no
        later candidate can displace any of them. Where the best sites are clear (the usual case) one small
        overlay ranks them; the answer is the one that overlaying every candidate gives.
        """
        remaining = sorted(rows, key=lambda row: row.id)
        keyed: list[tuple[tuple[int, int, int, int, str], Any]] = []
        size = 2 * request.limit
        while remaining:
            batch, remaining = remaining[:size], remaining[size:]
            found = self.findings(request, batch)
            keyed = sorted([*keyed, *((_rank_key(self._counts(found[row.id]), row.id), row) for row in batch)],
                           key=lambda pair: pair[0])
            if remaining and len(keyed) >= request.limit and keyed[request.limit - 1][0] < _rank_key(
                    (0, 0, 0, 0), remaining[0].id):
                break
            size = len(remaining)
        return [row for _, row in keyed[:request.limit]]

    def select(self, request: SelectionRequest) -> SelectionResult:
        """The candidates of ``request``, best first, each with its full screening report and reasons."""
        stats, rows = self.candidate_rows(request)
        candidates = []
        for row in self.best(request, rows):
            geometry = shapely.from_wkb(row.wkb)
            site = Site(geometry=shapely.MultiPolygon([geometry]) if geometry.geom_type == "Polygon" else geometry,
                        source_crs="EPSG:4326", area_m2=row.area_m2)
            report = self.screener.screen(ScreeningRequest(
                site=site, project_type=request.project_type, land_use=request.land_use,
                industry=request.industry))
            parcel = _parcel_facts(row.properties) if row.is_parcel else None
            candidates.append((_rank_key(report_counts(report), row.id), Candidate(
                id=row.id, source="investment_parcel" if row.is_parcel else "land_use_zones",
                area=AreaFigures.from_m2(row.area_m2).as_dict(),
                geometry=json.loads(shapely.to_geojson(site.geometry)),
                zone_count=row.zones, planned_classes=sorted(row.classes), parcel=parcel,
                reasons=_reasons(report, parcel), report=report.to_dict())))
        candidates.sort(key=lambda pair: pair[0])
        for rank, (_, candidate) in enumerate(candidates, start=1):
            candidate.rank = rank
        reason = None if rows else _reason(request, stats, "land_use" in self.screener.versions_by_kind)
        return SelectionResult(
            parameters=_parameters(request),
            candidates=[candidate for _, candidate in candidates],
            considered={"compatible_zones": stats.compatible_zones, "compatible_parcels": stats.compatible_parcels,
                        "pieces": stats.pieces, "in_range": len(rows),
                        "barred_by": sorted(stats.barred_kinds or [])},
            reason={"zh": reason.render("zh"), "en": reason.render("en")} if reason else None,
            layer_versions=[version.as_dict() for version in self.screener.versions],
            rule_set=self.screener.rules.reference(),
        )


def _parcel_facts(properties: dict[str, Any]) -> dict[str, Any]:
    keys = ("parcel_code", "location", "landuse_code", "acquisition_status", "demolition_status", "availability")
    return {key: properties.get(key) for key in keys}


def _parameters(request: SelectionRequest) -> dict[str, Any]:
    return {
        "project_type": request.project_type, "land_use": request.land_use, "industry": request.industry,
        "area_range": {"min": AreaFigures.from_m2(request.area.min_m2).as_dict(),
                       "max": AreaFigures.from_m2(request.area.max_m2).as_dict()},
        "districts": list(request.districts),
        "search_area": json.loads(shapely.to_geojson(request.search_area.geometry)) if request.search_area else None,
        "search_area_crs": request.search_area.source_crs if request.search_area else None,
        "inside_urban_development_boundary": request.inside_urban_development_boundary,
        "limit": request.limit,
    }


def select_sites(connection: Connection, request: SelectionRequest) -> SelectionResult:
    """:meth:`Selector.select` with the current layer versions and the rule set in force."""
    return Selector(connection).select(request)
