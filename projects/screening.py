"""Conflict screening (空间冲突检测): a proposed site overlaid with every planning layer and other projects.

The overlay runs in PostGIS (:mod:`gis.overlay`); this module applies the rule set in force (the rules of
each layer kind and the land-use compatibility matrix, versioned data: :mod:`layers.rule_set`) and the rules
about other projects (:mod:`projects.rules`), drops slivers, and summarises what stands between the project
and its code. A report names the layer versions and the rule set version it used; storing it keeps it as it
was when layers or rules change.

A screening is bounded: its statements in PostGIS run under the screening's own statement timeout (a light
site's single round trip under the platform's), and a heavy site (many vertices) waits for one of a few
slots, so that heavy sites never take every connection or core from the simple screenings beside them.
"""

from __future__ import annotations

import contextvars
import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, text
from sqlalchemy.exc import SQLAlchemyError

from gis import audit
from gis.area import AreaFigures, area_m2_sql
from gis.db import cancelled_as_timeout, statement_timeout
from gis.errors import SpatialInputError
from gis.memory_overlay import overlay_in_memory
from gis.messages import Message, Text, phrases, stored_name
from gis.metrics import SCREENING_LATENCY, timed
from gis.overlay import (
    GEOJSON_DECIMALS,
    SITE_PART_VERTICES,
    FeatureOverlap,
    OutsidePart,
    SiteOverlay,
    needs_overlay,
    overlay_from_rows,
    overlay_statement,
)
from gis.settings import database_settings
from gis.sql import geojson_sql
from layers.catalogue import LAYER_KINDS, ConflictRule, Relation, Severity
from layers.departments import Department
from layers.kept_versions import kept_versions
from layers.land_use import Compatibility, class_name, is_known_class
from layers.rule_set import RuleSet, rule_set_in_force
from layers.snapshot import STAMP, CatalogueSnapshot, kept_snapshot, read_snapshot
from layers.store import CurrentVersion, current_versions
from projects.access import sees_other_projects
from projects.accounts import Account
from projects.clock import NOW_SQL, now_parameter
from projects.rules import CODED_STATE, LIVE_PROPOSAL_STATES, OTHER_CODED_PROJECT, OTHER_LIVE_PROPOSAL
from projects.settings import ScreeningSettings, screening_settings
from projects.sites import Site

_PROJECT_SITE = "project_site"
"""The layer kind of conflicts with other projects' sites."""
_PLANNING_AREA = "planning_area"
"""The overlay's name for the part of a site outside every district (the planning area, 规划范围)."""

PROJECT_TYPES = {"01": ("审批", "approval"), "02": ("核准", "verification"), "03": ("备案", "filing")}

phrases(
    "screening",
    project_type=Text("项目类型“{project_type}”无效，须为01（审批）、02（核准）或03（备案）",
                      "project type {project_type!r} is not one of 01 (审批 approval), 02 (核准 verification), "
                      "03 (备案 filing)"),
    land_use=Text("用地性质“{land_use}”不是国土空间规划用地分类中的类别；请使用一级类代码（如07）或二级类代码（如0701）",
                  "land use {land_use!r} is not a class of the territorial spatial planning classification; use a "
                  "first-level code such as 07 or a second-level code such as 0701"),
    busy=Text("{what}，等待的{waited:g}秒内一直有其他同等规模的选址在检测；请稍后重试",
              "{what}, and other sites that large were being screened for the {waited:g} s it waited; try again "
              "in a moment"),
    site_vertices=Text("该选址有{vertices:,}个节点", "the site has {vertices:,} vertices"),
    request_size=Text("该选址的请求有{mb:.1f} MB", "the site's request is {mb:.1f} MB"),
    outside=Text("选址有{m2:,.0f}平方米（{percent:.1f}%）位于规划范围（图层“{layer}”中的各区）之外，例如位于海域；"
                 "选址范围为{west:.5f}, {south:.5f} – {east:.5f}, {north:.5f}（WGS84）。"
                 "请检查坐标系：从网络地图复制的坐标为GCJ02。",
                 "{m2:,.0f} m² ({percent:.1f}%) of the site lies outside the planning area (the districts of layer "
                 "{layer!r}); the site's bounds are {west:.5f}, {south:.5f} – {east:.5f}, {north:.5f} (WGS84). "
                 "Check the CRS: coordinates copied from Chinese web maps are GCJ02."),
)


@dataclass(frozen=True)
class ScreeningRequest:
    """What is screened: the site and the project's type (01/02/03), intended land use and industry."""

    site: Site
    project_type: str
    land_use: str
    industry: str
    proposal_id: int | None = None  # the proposal being screened, never a conflict with itself

    def __post_init__(self) -> None:
        if self.project_type not in PROJECT_TYPES:
            raise SpatialInputError("invalid-project-type",
                                    Message("screening.project_type", project_type=self.project_type))
        if not is_known_class(self.land_use):
            raise SpatialInputError("invalid-land-use", Message("screening.land_use", land_use=self.land_use))


@dataclass
class Conflict:
    """One conflict: which feature of which layer version, which rule, how much of the site."""

    layer_id: int | None
    layer_name: str
    layer_kind: str
    layer_version: int | None
    feature_id: int | None
    feature_index: int | None
    attributes: dict[str, Any]
    rule_id: str
    relation: str
    severity: str
    department: str
    department_name: dict[str, str]
    follow_up: dict[str, str] | None
    message: dict[str, str]
    overlap: dict[str, float]
    geometry: dict[str, Any]


@dataclass
class ScreeningReport:
    site_area: dict[str, float]
    parameters: dict[str, Any]
    conflicts: list[Conflict]
    layer_versions: list[dict[str, Any]]
    rule_set: dict[str, Any]
    """The rule set version (and its digest) the screening applied."""
    tolerance: dict[str, float]
    ignored_slivers: list[dict[str, Any]]
    missing_layer_kinds: list[str]
    layer_status: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    screening_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data; shares (does not copy) the conflicts' geometries."""
        return {**vars(self), "conflicts": [vars(conflict) for conflict in self.conflicts]}


def _figures(area_m2: float, site_m2: float) -> dict[str, float]:
    return {**AreaFigures.from_m2(area_m2).as_dict(), "percent_of_site": round(100 * area_m2 / site_m2, 4)}


def _conflict(
    rule: ConflictRule,
    severity: Severity,
    layer: CurrentVersion | None,
    layer_name: str,
    kind: str,
    area_m2: float,
    site_m2: float,
    geometry: dict[str, Any],
    feature_id: int | None = None,
    feature_index: int | None = None,
    attributes: dict[str, Any] | None = None,
) -> Conflict:
    return Conflict(
        layer_id=layer.layer_id if layer else None,
        layer_name=layer_name,
        layer_kind=kind,
        layer_version=layer.version if layer else None,
        feature_id=feature_id,
        feature_index=feature_index,
        attributes=attributes or {},
        rule_id=rule.rule_id,
        severity=severity.value,
        overlap=_figures(area_m2, site_m2),
        geometry=geometry,
        **rule.conflict_texts,
    )


_SEVERITY_ORDER = {severity.value: order for order, severity in enumerate(Severity)}
"""Blocking conflicts first, then those needing review, then information."""


@lru_cache(maxsize=4096)
def _land_use_message(zh: str, en: str, intended: str, planned: str) -> dict[str, str]:
    """A land-use conflict's message, naming the intended and the planned class (shared by the conflicts
    that name the same two)."""
    return {"zh": f"{zh}：拟用地 {intended} {class_name(intended)}，规划 {planned} {class_name(planned)}",
            "en": f"{en}: intended {intended} {class_name(intended, 'en')}, planned {planned} "
                  f"{class_name(planned, 'en')}"}


def _sliver(conflict: Conflict, reason: dict[str, str]) -> dict[str, Any]:
    """What an official needs to see of an overlap dropped as digitising noise."""
    return {
        "layer_id": conflict.layer_id, "layer_name": conflict.layer_name, "layer_kind": conflict.layer_kind,
        "layer_version": conflict.layer_version, "feature_id": conflict.feature_id,
        "feature_index": conflict.feature_index, "rule_id": conflict.rule_id, "severity": conflict.severity,
        "overlap": conflict.overlap, "reason": reason,
    }


_OTHER_PROJECTS_NAME = {"zh": "其他项目选址", "en": "other projects' sites"}


def _status_entry(slug: str, layer: CurrentVersion | None, status: str, findings: int,
                  ignored_slivers: int) -> dict[str, Any]:
    kind = LAYER_KINDS.get(slug)
    return {
        "layer_kind": slug,
        "kind_name": {"zh": kind.name.zh, "en": kind.name.en} if kind else _OTHER_PROJECTS_NAME,
        "layer_id": layer.layer_id if layer else None,
        "layer_name": layer.layer_name if layer else None,
        "layer_version": layer.version if layer else None,
        "status": status,
        "findings": findings,
        "ignored_slivers": ignored_slivers,
    }


def _land_use_severity(rules: RuleSet, request: ScreeningRequest, properties: dict[str, Any]) -> Severity | None:
    planned = str(properties.get("landuse_code") or "")
    if not is_known_class(planned):
        return Severity.NEEDS_REVIEW  # a zone without a readable class needs a person's eye
    verdict = rules.compatibility(request.land_use, planned)
    return None if verdict is Compatibility.ALLOWED else Severity(verdict.value)


class ScreeningBusyError(RuntimeError):
    """Every slot for heavy screenings stayed taken while the site waited: the caller should retry later.

    ``what`` says what makes the site heavy, e.g. "the site has 6,001 vertices".
    """

    def __init__(self, what: Message, waited_s: float) -> None:
        super().__init__(Message("screening.busy", what=what, waited=waited_s))


@lru_cache
def _heavy_slots(slots: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(slots)


@contextmanager
def heavy_slot(settings: ScreeningSettings, what: Message) -> Iterator[None]:
    """Hold one of the process's ``heavy_site_slots`` while a heavy site (``what`` says why heavy) is screened.

    Raises :class:`ScreeningBusyError` when none frees up within ``heavy_site_wait_s`` seconds.
    """
    slots = _heavy_slots(settings.heavy_site_slots)
    if not slots.acquire(timeout=settings.heavy_site_wait_s):
        raise ScreeningBusyError(what, settings.heavy_site_wait_s)
    try:
        yield
    finally:
        slots.release()


def heavy_site_slot(site: Site, settings: ScreeningSettings) -> AbstractContextManager[None]:
    """:func:`heavy_slot` for a site of many vertices."""
    return heavy_slot(settings, Message("screening.site_vertices", vertices=site.vertex_count))


@lru_cache
def _round_trips() -> ThreadPoolExecutor:
    """Threads for the database round trip of in-memory screenings, as many as the pool has sessions."""
    return ThreadPoolExecutor(database_settings().pool_size, thread_name_prefix="screening-round-trip")


class Screener:
    """Screens sites on one connection, against the current layer versions and the rule set in force.

    Those are the process's kept snapshot (:mod:`layers.snapshot`), checked by each screening in the round
    trip of its overlay: a screening never uses a layer version or rule set older than the newest committed
    when it started.
    """

    def __init__(self, connection: Connection, settings: ScreeningSettings | None = None,
                 versions: list[CurrentVersion] | None = None, rules: RuleSet | None = None, *,
                 other_projects: bool = True) -> None:
        """``versions`` and ``rules`` replace the current layer versions and the rule set in force, e.g. to
        screen against an earlier version of one layer (what a new version changes, :mod:`projects.impact`).
        ``other_projects=False`` leaves other projects' sites out of the report, for a caller that reads the
        conflicts of the layers only (that impact analysis): their overlay was a tenth of its work."""
        self.connection = connection
        self.other_projects = other_projects
        self.settings = settings or screening_settings()
        self.snapshot: CatalogueSnapshot | None = None
        if versions is None and rules is None:
            self.snapshot = kept_snapshot(connection)
            self._use(self.snapshot.versions, self.snapshot.rules)
        else:
            self._use(current_versions(connection) if versions is None else versions,
                      rule_set_in_force(connection) if rules is None else rules)

    def _use(self, versions: list[CurrentVersion], rules: RuleSet) -> None:
        self.versions, self.rules = versions, rules
        self.by_version_id = {version.version_id: version for version in self.versions}
        self.versions_by_kind: dict[str, list[CurrentVersion]] = defaultdict(list)
        for version in self.versions:
            self.versions_by_kind[version.kind].append(version)

    def sliver_reason(self, rule: ConflictRule, area_m2: float, site_m2: float) -> dict[str, str] | None:
        """Why an overlap of ``area_m2`` is digitising noise rather than a conflict, or None if it is real.

        Every overlap below the absolute tolerance is noise; below the relative one only where the rule
        does not guard protected land (:attr:`layers.catalogue.ConflictRule.protected`).
        """
        limit_m2, limit_percent = self.settings.sliver_max_m2, self.settings.sliver_max_percent
        if area_m2 < limit_m2:
            return {"zh": f"小于 {limit_m2:g} m² 的绝对容差", "en": f"below the absolute tolerance of {limit_m2:g} m²"}
        if 100 * area_m2 / site_m2 < limit_percent and not rule.protected:
            return {"zh": f"小于选址面积 {limit_percent:g}% 的相对容差",
                    "en": f"below the relative tolerance of {limit_percent:g}% of the site"}
        return None

    def _refuse_outside_planning_area(self, site: Site, outside: OutsidePart | None) -> None:
        """Refuse a site that lies (beyond a small tolerance) outside the administrative districts."""
        if outside is None:
            return
        percent = 100 * outside.area_m2 / site.area_m2
        if percent > self.settings.outside_planning_area_max_percent:
            west, south, east, north = site.geometry.bounds
            raise SpatialInputError(
                "outside-planning-area",
                Message("screening.outside", m2=outside.area_m2, percent=percent, west=west, south=south, east=east,
                        north=north, layer=stored_name(self.versions_by_kind["district"][0].layer_name)),
                extra={"outside_m2": round(outside.area_m2, 2), "outside_percent": round(percent, 2)},
            )

    def _applicable_rules(self, request: ScreeningRequest) -> dict[str, list[ConflictRule]]:
        """The rules of each layer kind that apply to the project (by type, land use and industry)."""
        return {
            slug: [rule for rule in self.rules.for_kind(slug)
                   if rule.applies_to(project_type=request.project_type, land_use=request.land_use,
                                      industry=request.industry)]
            for slug in self.rules.kinds_with_rules
        }

    def _overlay_versions(self, applicable: dict[str, list[ConflictRule]]) -> tuple[list[int], dict[str, list[int]]]:
        """The versions whose features the site is overlaid with, and the named sets it must lie inside:
        the districts (as the planning area) and every layer an applicable outside-rule reads."""
        overlap_versions = [
            version.version_id
            for slug, rules in applicable.items()
            if any(rule.relation is not Relation.OUTSIDE for rule in rules)
            for version in self.versions_by_kind.get(slug, [])
        ]
        outside_of = {_PLANNING_AREA: [version.version_id for version in self.versions_by_kind.get("district", [])]}
        for slug, rules in applicable.items():
            if any(rule.relation is Relation.OUTSIDE for rule in rules):
                outside_of[slug] = [version.version_id for version in self.versions_by_kind.get(slug, [])]
        return overlap_versions, outside_of

    def statements(self, request: ScreeningRequest) -> list[tuple[TextClause, dict[str, Any]]]:
        """The SQL a screening of ``request`` runs, with its parameters, to time the database's part alone."""
        return [overlay_statement(request.site.wkb, *self._overlay_versions(self._applicable_rules(request))),
                *([self._project_statement(request)] if self.other_projects else [])]

    def screen(self, request: ScreeningRequest) -> ScreeningReport:
        """Overlay the site with every current layer and every other project; apply the rules.

        A light site screened against the kept snapshot is overlaid in memory (:meth:`_run_in_memory`), any
        other in PostGIS (:meth:`_run`). Heavy sites wait for a slot (:class:`ScreeningBusyError` if none
        frees up); past the screening's statement timeout, :class:`gis.db.StatementTimeoutError`.
        """
        heavy = request.site.vertex_count > self.settings.heavy_site_vertices
        with (timed(SCREENING_LATENCY, site="heavy" if heavy else "simple"),
              heavy_site_slot(request.site, self.settings) if heavy else nullcontext()):
            for attempt in range(2):
                applicable = self._applicable_rules(request)
                in_memory = (self.settings.in_memory_layers and self.snapshot is not None
                             and request.site.vertex_count <= SITE_PART_VERTICES)
                overlay, project_rows, stamp = (self._run_in_memory if in_memory else self._run)(request, applicable)
                if self.snapshot is None or stamp == self.snapshot.stamp or attempt:
                    break
                # a layer or rule set was imported since the snapshot was read: read it again, screen again
                self.snapshot = read_snapshot(self.connection)
                self._use(self.snapshot.versions, self.snapshot.rules)
            return self._report(request, applicable, overlay, project_rows)

    def _run(self, request: ScreeningRequest, applicable: dict[str, list[ConflictRule]]
             ) -> tuple[SiteOverlay, list[Mapping[str, Any]], tuple[Any, ...] | None]:
        """The overlay in PostGIS, the other projects' rows and (with a kept snapshot) the catalogue's stamp,
        under the screening's statement timeout."""
        versions = self._overlay_versions(applicable)
        overlay = needs_overlay(*versions)
        statements = [overlay_statement(request.site.wkb, *versions)] if overlay else []
        if self.other_projects:
            statements.append(self._project_statement(request))
        if self.snapshot is not None:
            statements.append((STAMP, {}))
        with statement_timeout(self.connection, self.settings.statement_timeout_ms, Text("检测", "the screening")):
            rows = [list(self.connection.execute(statement, parameters)) for statement, parameters in statements]
        overlay_rows = rows.pop(0) if overlay else []
        project_rows = [row._mapping for row in rows.pop(0)] if self.other_projects else []
        return overlay_from_rows(overlay_rows), project_rows, tuple(rows[0][0]) if rows else None

    def _run_in_memory(self, request: ScreeningRequest, applicable: dict[str, list[ConflictRule]]
                       ) -> tuple[SiteOverlay, list[Mapping[str, Any]], tuple[Any, ...] | None]:
        """As :meth:`_run`, with the overlay computed in this process against the snapshot's versions kept in
        memory (:mod:`layers.kept_versions`: pieces, feature indexes and properties), and one round trip for
        the rest: the catalogue's stamp and the other projects' rows. It reads no layer feature, so a long
        import holding the features table does not hold up a light screening.

        That round trip is light work for a light site, so it runs under the session's own (the platform's)
        statement timeout: setting the screening's and resetting it were two more round trips, which took
        longer than the statement itself."""
        assert self.snapshot is not None
        overlap_versions, outside_of = self._overlay_versions(applicable)
        parameters = self._project_statement(request)[1]
        if not self.other_projects:
            parameters["states"] = []
        with cancelled_as_timeout(Text("检测", "the screening")):
            kept = kept_versions(self.connection, self.snapshot)
            # the round trip runs while the site is cut (GEOS and the socket wait both release the GIL), in this
            # request's context, as if it ran here
            round_trip = _round_trips().submit(contextvars.copy_context().run,
                                               lambda: self.connection.execute(_KEPT_SCREENING, parameters).one())
            try:
                hits, outside = overlay_in_memory(
                    request.site.geometry, {version: kept[version].pieces for version in overlap_versions},
                    {name: {version: kept[version].pieces for version in versions}
                     for name, versions in outside_of.items()})
            finally:
                row = round_trip.result()  # the connection is free again before anything else uses it
        stamp = tuple(row[:len(row) - 1])
        if stamp != self.snapshot.stamp:
            return SiteOverlay([], {}), [], stamp  # screened again on the new snapshot
        overlaps = sorted(
            (FeatureOverlap(hit.feature_id, hit.version_id, *kept[hit.version_id].features.of(hit.feature_id),
                            hit.area_m2, hit.geometry) for hit in hits),
            key=lambda overlap: (overlap.version_id, overlap.feature_index))
        return SiteOverlay(overlaps, outside), row.projects or [], stamp

    def _report(self, request: ScreeningRequest, applicable: dict[str, list[ConflictRule]],
                overlay: SiteOverlay, project_rows: list[Mapping[str, Any]]) -> ScreeningReport:
        site, site_m2 = request.site, request.site.area_m2
        missing = sorted(slug for slug in self.rules.kinds_with_rules if slug not in self.versions_by_kind)
        self._refuse_outside_planning_area(site, overlay.outside.get(_PLANNING_AREA))
        candidates: list[tuple[ConflictRule, Conflict]] = []

        for overlap in overlay.overlaps:
            layer = self.by_version_id[overlap.version_id]
            for rule in applicable[layer.kind]:
                if rule.relation is Relation.LAND_USE:
                    severity = _land_use_severity(self.rules, request, overlap.properties)
                elif rule.relation is Relation.OVERLAPS and rule.matches_feature(overlap.properties):
                    severity = rule.severity
                else:
                    severity = None
                if severity is not None:
                    candidates.append((rule, _conflict(
                        rule, severity, layer, layer.layer_name, layer.kind, overlap.area_m2, site_m2,
                        overlap.geometry, overlap.feature_id, overlap.feature_index, overlap.properties)))

        for slug, rules in applicable.items():
            outside = overlay.outside.get(slug)
            if outside is None:
                continue
            layers = self.versions_by_kind[slug]
            for rule in (rule for rule in rules if rule.relation is Relation.OUTSIDE):
                assert rule.severity is not None
                candidates.append((rule, _conflict(
                    rule, rule.severity, layers[0], layers[0].layer_name, slug, outside.area_m2, site_m2,
                    outside.geometry)))
        candidates.extend(self._project_conflicts(request, project_rows))
        conflicts: list[Conflict] = []
        slivers: list[dict[str, Any]] = []
        for rule, conflict in candidates:
            reason = self.sliver_reason(rule, conflict.overlap["m2"], site_m2)
            if reason is None:
                conflicts.append(conflict)
            else:
                slivers.append(_sliver(conflict, reason))
        for conflict in conflicts:
            if conflict.rule_id == "land_use.compatibility":
                conflict.message = _land_use_message(conflict.message["zh"], conflict.message["en"],
                                                     request.land_use, str(conflict.attributes.get("landuse_code", "")))
        conflicts.sort(key=lambda c: (_SEVERITY_ORDER[c.severity], c.layer_kind, c.feature_index or 0))
        status = self._layer_status(applicable, conflicts, slivers, missing)
        return ScreeningReport(
            site_area=AreaFigures.from_m2(site_m2).as_dict(),
            parameters={
                "project_type": request.project_type,
                "land_use": request.land_use,
                "industry": request.industry,
                "source_crs": site.source_crs,
            },
            conflicts=conflicts,
            layer_versions=[version.as_dict() for version in self.versions],
            rule_set=self.rules.reference(),
            tolerance={"sliver_max_m2": self.settings.sliver_max_m2,
                       "sliver_max_percent": self.settings.sliver_max_percent},
            ignored_slivers=slivers,
            missing_layer_kinds=missing,
            layer_status=status,
            summary=summarise(conflicts, missing, status),
        )

    def _layer_status(self, applicable: dict[str, list[ConflictRule]], conflicts: list[Conflict],
                      slivers: list[dict[str, Any]], missing: list[str]) -> list[dict[str, Any]]:
        """Each planning layer's status for this site: conflict, no_data, clear, or missing (not loaded).

        A layer whose kind has no rule for this project is ``not_applicable``.
        """
        findings: dict[tuple[str, int | None], list[str]] = defaultdict(list)
        for conflict in conflicts:
            findings[(conflict.layer_kind, conflict.layer_id)].append(conflict.rule_id)
        dropped: dict[tuple[str, int | None], int] = defaultdict(int)
        for sliver in slivers:
            dropped[(sliver["layer_kind"], sliver["layer_id"])] += 1
        status = []
        for slug in self.rules.kinds_with_rules:
            if slug in missing:
                status.append(_status_entry(slug, None, "missing", 0, 0))
                continue
            for layer in self.versions_by_kind[slug]:
                rules = findings[(slug, layer.layer_id)]
                if not applicable.get(slug):
                    state = "not_applicable"
                elif any(not rule.endswith(".no_data") for rule in rules):
                    state = "conflict"
                else:
                    state = "no_data" if rules else "clear"
                status.append(_status_entry(slug, layer, state, len(rules), dropped[(slug, layer.layer_id)]))
        if self.other_projects:  # a report that did not look at other projects does not call them clear
            projects = findings[(_PROJECT_SITE, None)]
            status.append(_status_entry(_PROJECT_SITE, None, "conflict" if projects else "clear", len(projects),
                                        dropped[(_PROJECT_SITE, None)]))
        return status

    @staticmethod
    def _project_statement(request: ScreeningRequest) -> tuple[TextClause, dict[str, Any]]:
        return _OTHER_PROJECT_OVERLAPS, {
            "site": request.site.wkb,
            "states": sorted(LIVE_PROPOSAL_STATES | {CODED_STATE}),
            "own": request.proposal_id,
            "decimals": GEOJSON_DECIMALS,
        }

    @staticmethod
    def _project_conflicts(request: ScreeningRequest, rows: list[Mapping[str, Any]]
                           ) -> list[tuple[ConflictRule, Conflict]]:
        conflicts = []
        for row in rows:
            rule = OTHER_CODED_PROJECT if row["state"] == CODED_STATE else OTHER_LIVE_PROPOSAL
            assert rule.severity is not None
            conflicts.append((rule, _conflict(
                rule, rule.severity, None, row["name"], _PROJECT_SITE, row["area_m2"], request.site.area_m2,
                row["geometry"], attributes={"proposal_id": row["proposal_id"], "name": row["name"],
                                             "state": row["state"], "project_code": row["project_code"],
                                             "site_revision": row["revision"]})))
        return conflicts


_OTHER_PROJECTS = f"""
    site AS (SELECT ST_GeomFromWKB(:site, 4326) AS geom),
    shared AS (
        SELECT p.id AS proposal_id, p.name, p.state, p.project_code, r.revision,
               ST_CollectionExtract(ST_Intersection(r.geom, site.geom), 3) AS geom
        FROM site_revisions r JOIN proposals p ON p.id = r.proposal_id, site
        WHERE r.is_current AND p.state = ANY(:states)
          AND (CAST(:own AS integer) IS NULL OR p.id <> :own)
          AND r.geom && site.geom AND ST_Intersects(r.geom, site.geom)
    ),
    projects AS (
        SELECT proposal_id, name, state, project_code, revision, {area_m2_sql("shared.geom")} AS area_m2,
               {geojson_sql('geom')} AS geometry
        FROM shared WHERE NOT ST_IsEmpty(geom)
    )
"""

_OTHER_PROJECT_OVERLAPS = text(f"WITH {_OTHER_PROJECTS} SELECT * FROM projects ORDER BY proposal_id")

# The round trip of an in-memory screening: the catalogue's stamp and the other projects' overlaps (as JSON),
# in one row.
_KEPT_SCREENING = text(
    f"""
    WITH {_OTHER_PROJECTS}
    SELECT stamp.*, (SELECT json_agg(projects ORDER BY proposal_id) FROM projects) AS projects
    FROM ({STAMP.text}) AS stamp
    """
)


def keep_layers_in_memory(engine: Engine) -> None:
    """Read the catalogue snapshot and the current layer versions' pieces and features now (about 3 s at
    scale 100), so that the first light screening does not wait for them; a database without the layer
    store yet (not migrated) is left for later. Nothing is read when screenings keep no layers in memory
    (``BLUEPRINT_SCREENING_IN_MEMORY_LAYERS=false``)."""
    if not screening_settings().in_memory_layers:
        return
    with suppress(SQLAlchemyError), engine.connect() as connection:
        kept_versions(connection, kept_snapshot(connection))


def summarise(conflicts: list[Conflict], missing_layer_kinds: list[str],
              layer_status: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts by severity, the departments whose review is needed, and eligibility for a code.

    A project is eligible for its code (赋码) only with no blocking conflict and every layer kind that
    has rules present: a screening that could not look at a layer cannot clear it. Where a layer has no
    data under the site, its department's review is needed (a no-data finding) and the kind is named.
    """
    counts = {severity.value: 0 for severity in Severity}
    for conflict in conflicts:
        counts[conflict.severity] += 1
    review_departments = sorted({c.department for c in conflicts if c.severity != Severity.INFO.value})
    return {
        "blocking_count": counts[Severity.BLOCKING.value],
        "needs_review_count": counts[Severity.NEEDS_REVIEW.value],
        "info_count": counts[Severity.INFO.value],
        "departments_to_review": [
            {"department": slug, "zh": Department(slug).name_zh, "en": Department(slug).name_en}
            for slug in review_departments
        ],
        "missing_layer_kinds": missing_layer_kinds,
        "no_data_layer_kinds": sorted({entry["layer_kind"] for entry in layer_status if entry["status"] == "no_data"}),
        "eligible_for_code": counts[Severity.BLOCKING.value] == 0 and not missing_layer_kinds,
    }


def report_for(actor: Account | None, report: dict[str, Any]) -> dict[str, Any]:
    """The report as ``actor`` may see it, at the point where it leaves for a caller.

    Officials see everything. The public and applicants learn that the site overlaps another project, with
    the overlap's area and severity, but not that project's name, id, state, code, revision or geometry:
    the public never sees a proposal, and an applicant sees only its own. Only those conflicts are rebuilt;
    the rest of the report is shared, not copied.
    """
    if sees_other_projects(actor):
        return report
    redacted = {**report, "conflicts": [
        {**conflict, "layer_name": None, "attributes": {}, "geometry": None}
        if conflict["layer_kind"] == _PROJECT_SITE else conflict
        for conflict in report["conflicts"]]}
    if isinstance(report.get("ignored_slivers"), list):  # reports stored before slivers were listed count them
        redacted["ignored_slivers"] = [{**sliver, "layer_name": None} if sliver["layer_kind"] == _PROJECT_SITE
                                       else sliver for sliver in report["ignored_slivers"]]
    return redacted


def store_screening(connection: Connection, report: ScreeningReport, revision_id: int | None = None,
                    actor: str = "public") -> str:
    """Keep a report as it is now; a later layer version never rewrites it. Returns the screening id.

    A report stored on its own (no site revision) is recorded in the audit trail as ``actor``'s; those of a
    proposal's revisions are part of the proposal's own entries.
    """
    screening_id = uuid.uuid4()
    payload = report.to_dict()
    payload["screening_id"] = str(screening_id)
    connection.execute(
        text("INSERT INTO screenings (id, revision_id, parameters, layer_versions, report, created_at) "
             "VALUES (:id, :revision, CAST(:parameters AS jsonb), CAST(:versions AS jsonb), CAST(:report AS jsonb), "
             f"{NOW_SQL})"),
        {"id": screening_id, "revision": revision_id, "parameters": _json(report.parameters),
         "versions": _json(report.layer_versions), "report": _json(payload), **now_parameter()},
    )
    report.screening_id = str(screening_id)
    if revision_id is None:
        audit.append(connection, actor=actor, action="screening_stored",
                     after={"screening_id": str(screening_id), "layer_versions": report.layer_versions})
    return str(screening_id)


def load_screening(connection: Connection, screening_id: str) -> dict[str, Any] | None:
    """A stored ad-hoc report exactly as it was stored, or None.

    Screenings of a proposal's site revisions are part of the proposal and are read through it, with its
    access rules; they are not found here.
    """
    try:
        key = uuid.UUID(screening_id)
    except ValueError:
        return None
    return connection.execute(
        text("SELECT report FROM screenings WHERE id = :id AND revision_id IS NULL"), {"id": key}
    ).scalar_one_or_none()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
