"""What a new layer version changes (图层更新影响分析): conflicts that appear, disappear or change area.

When a layer gets a new version, every live proposal and every coded project is screened against the new
version and against the one before it, for that layer's rules only, and the two answers are compared rule by
rule: a conflict that appears, one that disappears, one whose area changes (by at least 0.01 m², the
reports' precision). The result is kept (``layer_impacts``, append-only) with each change's department, so
each department and the NDRC find it in their work list. Stored screenings are never rewritten: re-screening
the proposals concerned is a separate, audited action (:func:`rescreen_impacted`).

The sites are screened on Dask (:mod:`projects.batch`): each task takes a chunk of sites and the exact
layer versions, so it gives the same answer on any worker, and again after a worker died.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from sqlalchemy import Connection, Engine, text

from gis.db import get_engine, read_only
from gis.errors import SpatialInputError
from gis.messages import Message, Text, phrases
from layers.catalogue import Relation
from layers.rule_set import RuleSet, rule_set_in_force, rule_set_version
from layers.store import CurrentVersion, current_versions
from projects.access import NotFoundError, require_role
from projects.accounts import Account, Role
from projects.batch import chunks, run_tasks
from projects.departments import load_directory
from projects.rescreening import rescreen_batch
from projects.review import conflict_department
from projects.screening import Screener, ScreeningRequest
from projects.sites import Site
from projects.workflow import EDITABLE_STATES, State

CHANGE_TOLERANCE_M2 = 0.01
"""Area changes smaller than the reports' precision are no change."""
SITES_PER_TASK = 25


_READING = Text("查看图层变更影响报告", "reading layer impact reports")
_RESCREENING = Text("重新检测图层变更涉及的项目", "re-screening the proposals a layer change concerns")


class ImpactError(NotFoundError):
    """The layer, version or report asked for does not exist (or is not in the caller's work list)."""


phrases(
    "impact",
    no_version=Text("图层{layer}没有第{version}版", "layer {layer} has no version {version}"),
    no_base=Text("图层{layer}没有可供比较的第{version}版", "layer {layer} has no version {version} to compare with"),
    no_report=Text("您的工作清单中没有编号为{id}的图层变更影响报告",
                   "there is no layer impact report {id} in your work list"),
)


@dataclass(frozen=True)
class SiteJob:
    """One site to check: a live proposal's or coded project's current site and what the project is."""

    proposal_id: int
    state: str
    project_code: str | None
    project_type: str
    land_use: str
    industry: str
    source_crs: str
    area_m2: float
    wkb: bytes


@dataclass(frozen=True)
class VersionPair:
    """The new version of one layer and the one it is compared with (None: the layer is new)."""

    new: CurrentVersion
    old: CurrentVersion | None
    planning_area: tuple[CurrentVersion, ...]
    """The current districts, which every screening needs as its planning area."""

    rule_set_version: int | None = None
    """The rules both screenings apply (the rule set in force when the analysis began), None: shipped."""

    def versions(self, which: CurrentVersion | None) -> list[CurrentVersion]:
        return [*(v for v in self.planning_area if v.layer_id != self.new.layer_id), *([which] if which else [])]


_SITES = text(
    "SELECT p.id, p.state, p.project_code, p.project_type, p.land_use, p.industry, r.source_crs, r.area_m2, "
    "ST_AsBinary(r.geom) AS wkb FROM proposals p JOIN site_revisions r ON r.proposal_id = p.id AND r.is_current "
    "WHERE p.state = ANY(:live) OR p.project_code IS NOT NULL ORDER BY p.id")
_VERSION = text(
    "SELECT l.id, l.name, l.kind, v.version, v.id FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
    "WHERE l.id = :layer AND v.version = :version")


def sites_to_check(connection: Connection) -> list[SiteJob]:
    """Every live proposal (draft to under review) and every coded project, with its current site."""
    live = [state.value for state in EDITABLE_STATES]
    return [SiteJob(row.id, row.state, row.project_code, row.project_type, row.land_use, row.industry,
                    row.source_crs, row.area_m2, bytes(row.wkb))
            for row in connection.execute(_SITES, {"live": live})]


def version_pair(connection: Connection, layer_id: int, version: int, against: int | None = None) -> VersionPair:
    """Version ``version`` of layer ``layer_id`` and ``against`` (default: the version before it)."""
    new = connection.execute(_VERSION, {"layer": layer_id, "version": version}).one_or_none()
    if new is None:
        raise ImpactError(Message("impact.no_version", layer=layer_id, version=version))
    earlier = version - 1 if against is None else against
    old = connection.execute(_VERSION, {"layer": layer_id, "version": earlier}).one_or_none() if earlier else None
    if against is not None and old is None:
        raise ImpactError(Message("impact.no_base", layer=layer_id, version=against))
    districts = tuple(v for v in current_versions(connection) if v.kind == "district")
    return VersionPair(CurrentVersion(*new), CurrentVersion(*old) if old else None, districts,
                       rule_set_in_force(connection).version)


Areas = dict[tuple[str, str, str], float]
"""A layer's conflicts on a site: m² per (rule, severity, department)."""


def _areas(connection: Connection, job: SiteJob, versions: list[CurrentVersion], layer_id: int, rules: RuleSet
           ) -> dict[int, Areas] | str:
    """The layer's conflicts on the site for each of its versions among ``versions`` (by version number);
    or why the site was refused."""
    site = Site(geometry=shapely.from_wkb(job.wkb), source_crs=job.source_crs, area_m2=job.area_m2)
    request = ScreeningRequest(site=site, project_type=job.project_type, land_use=job.land_use,
                               industry=job.industry, proposal_id=job.proposal_id)
    try:
        report = Screener(connection, versions=versions, rules=rules, other_projects=False).screen(request)
    except SpatialInputError as error:
        return error.slug
    areas: dict[int, Areas] = defaultdict(lambda: defaultdict(float))
    for conflict in report.conflicts:
        if conflict.layer_id == layer_id and conflict.layer_version is not None:
            areas[conflict.layer_version][conflict.rule_id, conflict.severity, conflict.department] += \
                conflict.overlap["m2"]
    return areas


def _screened_together(pair: VersionPair, rules: RuleSet) -> bool:
    """Whether one screening can read both versions of the layer: each overlap is its own feature's, but
    the part of a site outside a layer (an outside rule's) would be outside both versions at once, and a
    district layer is the planning area itself."""
    kind = pair.new.kind
    return pair.old is not None and kind != "district" and not any(
        rule.relation is Relation.OUTSIDE for rule in rules.for_kind(kind))


def _before_and_after(connection: Connection, job: SiteJob, pair: VersionPair, rules: RuleSet
                      ) -> tuple[Areas | str, Areas | str]:
    """The layer's conflicts on the site under the old version and under the new one (or why refused):
    one screening of both versions where it gives the same as two (half the work), else two."""
    layer_id, new = pair.new.layer_id, pair.new.version
    if _screened_together(pair, rules):
        assert pair.old is not None
        both = _areas(connection, job, [*pair.versions(pair.old), pair.new], layer_id, rules)
        return (both, both) if isinstance(both, str) else (both[pair.old.version], both[new])
    before = _areas(connection, job, pair.versions(pair.old), layer_id, rules)
    after = _areas(connection, job, pair.versions(pair.new), layer_id, rules)
    return (before if isinstance(before, str) else before[pair.old.version] if pair.old else {},
            after if isinstance(after, str) else after[new])


def pair_rules(connection: Connection, pair: VersionPair) -> RuleSet:
    """The rule set both screenings of ``pair`` apply."""
    return (rule_set_version(connection, pair.rule_set_version) if pair.rule_set_version
            else rule_set_in_force(connection))


def changes_on_site(connection: Connection, job: SiteJob, pair: VersionPair, rules: RuleSet | None = None
                    ) -> list[dict[str, Any]]:
    """The conflicts of the layer that appear, disappear or change area on one site (``rules``: the pair's,
    when the caller has loaded them)."""
    before, after = _before_and_after(connection, job, pair, rules or pair_rules(connection, pair))
    facts = {"proposal_id": job.proposal_id, "state": job.state, "project_code": job.project_code}
    if isinstance(before, str) or isinstance(after, str):  # e.g. the new districts leave the site outside
        refused = after if isinstance(after, str) else before
        return [] if before == after else [{**facts, "change": "refused", "rule_id": refused, "severity": "blocking",
                                            "department": "natural_resources", "old_m2": 0.0, "new_m2": 0.0}]
    found = []
    for key in sorted(before.keys() | after.keys()):
        old_m2, new_m2 = round(before.get(key, 0.0), 2), round(after.get(key, 0.0), 2)
        if abs(new_m2 - old_m2) < CHANGE_TOLERANCE_M2:
            continue
        change = "appeared" if old_m2 == 0 else "disappeared" if new_m2 == 0 else "changed"
        rule_id, severity, department = key
        found.append({**facts, "change": change, "rule_id": rule_id, "severity": severity,
                      "department": department, "old_m2": old_m2, "new_m2": new_m2})
    return found


def impact_of_sites(jobs: list[SiteJob], database_url: str, pair: VersionPair) -> dict[str, Any]:
    """One batch task (on a Dask worker, own connection): the changes on each of ``jobs``' sites, and the
    layer versions (``[layer id, version]``, before and after) and the rule set version it screened with."""
    with read_only(get_engine(database_url)) as connection:
        rules = pair_rules(connection, pair)
        changes = [change for job in jobs for change in changes_on_site(connection, job, pair, rules)]
    return {"sites": len(jobs), "changes": changes, "rule_set_version": rules.version,
            "layer_versions": {"before": _numbers(pair.versions(pair.old)), "after": _numbers(pair.versions(pair.new))}}


def _numbers(versions: list[CurrentVersion]) -> list[list[int]]:
    return [[version.layer_id, version.version] for version in versions]


@dataclass(frozen=True)
class ImpactPlan:
    """What an impact analysis compares and on which sites."""

    pair: VersionPair
    jobs: list[SiteJob]


def plan_impact(engine: Engine, layer_id: int, version: int, against: int | None = None) -> ImpactPlan:
    with engine.connect() as connection:
        return ImpactPlan(version_pair(connection, layer_id, version, against), sites_to_check(connection))


def compute_impact(engine: Engine, plan: ImpactPlan, *, sites_per_task: int = SITES_PER_TASK,
                   **batch: Any) -> dict[str, Any]:
    """Screen every site of ``plan`` against both versions on Dask (``batch``: the options of
    :func:`projects.batch.run_tasks`, ``progress`` counting sites); nothing is stored. Every task must
    have screened with the same layer and rule set versions, which the summary names."""
    url = engine.url.render_as_string(hide_password=False)
    done = run_tasks(impact_of_sites, chunks(plan.jobs, sites_per_task), url, plan.pair, **batch)
    used = {orjson.dumps({key: task[key] for key in ("rule_set_version", "layer_versions")}) for task in done}
    if len(used) > 1:  # a worker of other code, or rules changed under a batch that did not pin them
        raise RuntimeError(f"the tasks of one impact analysis screened with different versions: {sorted(used)}")
    pair = plan.pair
    changes = [change for task in done for change in task["changes"]]
    return {"layer_id": pair.new.layer_id, "layer_name": pair.new.layer_name, "layer_kind": pair.new.kind,
            "version": pair.new.version, "against_version": pair.old.version if pair.old else None,
            "sites_checked": len(plan.jobs), "tasks": len(done), "changes": changes,
            "summary": {**summarise(changes),
                        "rule_set_version": done[0]["rule_set_version"] if done else pair.rule_set_version,
                        "layer_versions": _numbers(pair.versions(pair.new))}}


def analyse_and_store(engine: Engine, layer_id: int, version: int, actor: str, against: int | None = None,
                      **batch: Any) -> int:
    """Compute the impact of a layer version (``batch``: where, see :func:`projects.batch.run_batch`) and
    keep it; its id."""
    impact = compute_impact(engine, plan_impact(engine, layer_id, version, against), **batch)
    with engine.begin() as connection:
        return store_impact(connection, impact, actor)


def summarise(changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of changes by kind of change and severity, and the departments and proposals concerned."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for change in changes:
        counts[change["change"]][change["severity"]] += 1
    return {"by_change": {change: dict(by) for change, by in sorted(counts.items())},
            "departments": sorted({change["department"] for change in changes}),
            "proposals": sorted({change["proposal_id"] for change in changes})}


def routed_to_departments(connection: Connection, impact: dict[str, Any]) -> dict[str, Any]:
    """The report with each change filed under the department answering for the layer's conflicts in its
    site's district (a 翔安 flood change goes to 翔安区水利局, a red-line change to the city bureau), as the
    review requests are routed (:func:`projects.review.conflict_department`)."""
    directory = load_directory(connection)
    districts = dict(connection.execute(text("SELECT id, district_code FROM proposals WHERE id = ANY(:ids)"), {
        "ids": sorted({change["proposal_id"] for change in impact["changes"]})}).all())
    changes = [{**change, "department": conflict_department({**change, "layer_kind": impact["layer_kind"]},
                                                            districts[change["proposal_id"]], directory)}
               for change in impact["changes"]]
    return {**impact, "changes": changes, "summary": {**impact["summary"], **summarise(changes)}}


def store_impact(connection: Connection, impact: dict[str, Any], actor: str) -> int:
    """Keep an impact report (append-only), its changes routed to departments; returns its id."""
    impact = routed_to_departments(connection, impact)
    impact_id = connection.execute(text(
        "INSERT INTO layer_impacts (layer_id, version, against_version, actor, sites_checked, summary) "
        "VALUES (:layer, :version, :against, :actor, :sites, CAST(:summary AS jsonb)) RETURNING id"), {
        "layer": impact["layer_id"], "version": impact["version"], "against": impact["against_version"],
        "actor": actor, "sites": impact["sites_checked"],
        "summary": orjson.dumps(impact["summary"]).decode()}).scalar_one()
    if impact["changes"]:
        connection.execute(text(
            "INSERT INTO layer_impact_changes (impact_id, proposal_id, change, rule_id, severity, department, "
            "old_m2, new_m2) VALUES (:impact, :proposal_id, :change, :rule_id, :severity, :department, "
            ":old_m2, :new_m2)"), [{**change, "impact": impact_id} for change in impact["changes"]])
    return impact_id


_IMPACTS = text(
    "SELECT i.id, i.layer_id, l.name AS layer_name, l.kind AS layer_kind, i.version, i.against_version, "
    "i.computed_at, i.actor, i.sites_checked, i.summary FROM layer_impacts i JOIN layers l ON l.id = i.layer_id "
    "WHERE (CAST(:impact AS integer) IS NULL OR i.id = :impact) "
    "AND (CAST(:department AS text) IS NULL OR EXISTS (SELECT 1 FROM layer_impact_changes c "
    "     JOIN proposals p ON p.id = c.proposal_id "
    "     WHERE c.impact_id = i.id AND c.department = :department AND p.state <> 'draft')) ORDER BY i.id DESC")
# A department never sees a draft (projects.access.can_view_proposal): its changes stay the NDRC's.
_CHANGES = text(
    "SELECT c.impact_id, c.proposal_id, p.name AS proposal_name, p.state, p.project_code, c.change, c.rule_id, "
    "c.severity, c.department, c.old_m2, c.new_m2 FROM layer_impact_changes c JOIN proposals p "
    "ON p.id = c.proposal_id WHERE c.impact_id = ANY(:impacts) "
    "AND (CAST(:department AS text) IS NULL OR (c.department = :department AND p.state <> 'draft')) "
    "ORDER BY c.impact_id, c.proposal_id, c.id")


def _reader_department(actor: Account | None) -> str | None:
    """Whose changes the caller sees: a department its own; the NDRC and admins all of them."""
    reader = require_role(actor, Role.NDRC, Role.DEPARTMENT, action=_READING)
    if reader.role is Role.DEPARTMENT:
        return reader.department or ""
    return None


def list_impacts(connection: Connection, actor: Account | None, impact_id: int | None = None
                 ) -> list[dict[str, Any]]:
    """The impact reports the caller's work list holds, newest first, each with the changes it concerns."""
    department = _reader_department(actor)
    rows = connection.execute(_IMPACTS, {"impact": impact_id, "department": department}).all()
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for change in connection.execute(_CHANGES, {"impacts": [row.id for row in rows], "department": department}):
        changes[change.impact_id].append({key: value for key, value in change._asdict().items() if key != "impact_id"})
    return [{**row._asdict(), "computed_at": row.computed_at.isoformat(), "changes": changes[row.id]}
            for row in rows]


def impact_detail(connection: Connection, actor: Account | None, impact_id: int) -> dict[str, Any]:
    found = list_impacts(connection, actor, impact_id)
    if not found:
        raise ImpactError(Message("impact.no_report", id=impact_id))
    return found[0]


_NEWEST_SCREENING = text(
    "SELECT s.id, s.report->'summary' AS summary FROM screenings s JOIN site_revisions r ON r.id = s.revision_id "
    "AND r.is_current WHERE r.proposal_id = :p ORDER BY s.created_at DESC, s.id LIMIT 1")
_COUNTS = ("blocking_count", "needs_review_count", "info_count")


def _screening_facts(screening_id: Any, summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored screening as a re-screening's answer names it: its id and its counts by severity."""
    if screening_id is None:
        return None
    return {"screening_id": str(screening_id), **{key: (summary or {}).get(key, 0) for key in _COUNTS}}


_SCREENING_SUMMARY = text("SELECT id, report->'summary' AS summary FROM screenings WHERE id = CAST(:id AS uuid)")


def impact_proposals(connection: Connection, actor: Account | None, impact_id: int) -> list[int]:
    """The live proposals an impact report names (NDRC): those its re-screening screens again."""
    require_role(actor, Role.NDRC, action=_RESCREENING, admin_may=False)
    return _live_proposals(impact_detail(connection, actor, impact_id)["changes"])


def _live_proposals(changes: list[dict[str, Any]]) -> list[int]:
    live = {State(state).value for state in EDITABLE_STATES}
    return sorted({change["proposal_id"] for change in changes if change["state"] in live})


def rescreen_impacted(connection: Connection, actor: Account | None, impact_id: int, **batch: Any) -> dict[str, Any]:
    """Screen again, against today's layers, every live proposal an impact report names (重新检测), on Dask
    (``batch``: where, see :func:`projects.batch.run_tasks`; ``progress`` counts proposals), each committed on
    its own (:mod:`projects.rescreening`) and audited, and the batch audited as one action naming the report,
    the proposals, their new screenings and the ones kept. Coded projects keep their screenings (their codes
    stand), and so does every proposal: each gets a new screening, the ones before stay as they were.

    The answer names, per proposal, the screening it had and the new one with their counts by severity and the
    versions it applied (``rescreened``); the proposals the report names that were not live, with why
    (``not_rescreened``: ``coded`` or ``not_live``); and those that left review while the batch ran
    (``skipped``)."""
    require_role(actor, Role.NDRC, action=_RESCREENING, admin_may=False)
    changes = impact_detail(connection, actor, impact_id)["changes"]
    proposal_ids = _live_proposals(changes)
    named = {change["proposal_id"]: change for change in changes}
    kept = [{"proposal_id": proposal_id, "proposal_name": change["proposal_name"], "state": change["state"],
             "project_code": change["project_code"], "reason": "coded" if change["project_code"] else "not_live"}
            for proposal_id, change in sorted(named.items()) if proposal_id not in proposal_ids]
    before = {proposal_id: connection.execute(_NEWEST_SCREENING, {"p": proposal_id}).one_or_none()
              for proposal_id in proposal_ids}
    done = rescreen_batch(connection.engine, actor, proposal_ids, action="impact_rescreen",
                          reason={"impact_id": impact_id, "kept": [entry["proposal_id"] for entry in kept]}, **batch)
    rescreened = []
    for result in done["rescreened"]:
        proposal_id = result["proposal_id"]
        after = connection.execute(_SCREENING_SUMMARY, {"id": result["screening_id"]}).one()
        rescreened.append({**result, "proposal_name": named[proposal_id]["proposal_name"],
                           "before": _screening_facts(*before[proposal_id]) if before[proposal_id] else None,
                           "after": _screening_facts(*after)})
    return {"impact_id": impact_id, "batch": done["batch"], "rescreened": rescreened, "not_rescreened": kept,
            "skipped": done["skipped"]}


MAP_MARGIN_DEGREES = 0.003
"""How far around each affected site the map shows the changed features (about 300 m in Xiamen)."""
MAP_FEATURES_MAX = 500
_MAP = text("""
WITH sites AS (
    SELECT p.id, p.name, p.state, r.geom FROM proposals p
    JOIN site_revisions r ON r.proposal_id = p.id AND r.is_current WHERE p.id = ANY(:proposals)),
zone AS (SELECT ST_Union(ST_Expand(geom, :margin)) AS geom FROM sites),
changed AS (
    (SELECT 'added' AS change, f.id, f.feature_index, f.geom FROM layer_features f, zone
     WHERE f.version_id = :new AND f.geom && zone.geom AND ST_Intersects(f.geom, zone.geom)
       AND NOT EXISTS (SELECT 1 FROM layer_features o WHERE o.version_id = :old AND o.geom && f.geom
                       AND ST_Equals(o.geom, f.geom)) ORDER BY f.feature_index LIMIT :cap)
    UNION ALL
    (SELECT 'removed', f.id, f.feature_index, f.geom FROM layer_features f, zone
     WHERE f.version_id = :old AND f.geom && zone.geom AND ST_Intersects(f.geom, zone.geom)
       AND NOT EXISTS (SELECT 1 FROM layer_features n WHERE n.version_id = :new AND n.geom && f.geom
                       AND ST_Equals(n.geom, f.geom)) ORDER BY f.feature_index LIMIT :cap))
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce((
    SELECT json_agg(feature) FROM (
        SELECT json_build_object('type', 'Feature', 'id', 'site-' || s.id,
               'geometry', ST_AsGeoJSON(s.geom, 7)::json,
               'properties', json_build_object('role', 'site', 'proposal_id', s.id, 'proposal_name', s.name,
                                               'state', s.state)) AS feature FROM sites s
        UNION ALL
        SELECT json_build_object('type', 'Feature', 'id', c.change || '-' || c.id,
               'geometry', ST_AsGeoJSON(ST_Intersection(c.geom, zone.geom), 7)::json,
               'properties', json_build_object('role', c.change, 'feature_id', c.id,
                                               'feature_index', c.feature_index))
        FROM changed c, zone) features), '[]'::json))
""")


def impact_map(connection: Connection, actor: Account | None, impact_id: int) -> dict[str, Any]:
    """The map of an impact report (RFC 7946, WGS84 lon/lat): the current sites of the proposals and coded
    projects the caller's view of it names (``role`` site), and the layer's features that the new version
    added or the old one had (``added``, ``removed``: no feature of the other version has the same
    geometry), cut to about 300 m around those sites, at most 500 of each."""
    impact = impact_detail(connection, actor, impact_id)
    new = connection.execute(_VERSION, {"layer": impact["layer_id"], "version": impact["version"]}).one()
    old = (connection.execute(_VERSION, {"layer": impact["layer_id"], "version": impact["against_version"]}).one()
           if impact["against_version"] else None)
    proposals = sorted({change["proposal_id"] for change in impact["changes"]})
    return connection.execute(_MAP, {"proposals": proposals, "margin": MAP_MARGIN_DEGREES, "cap": MAP_FEATURES_MAX,
                                     "new": CurrentVersion(*new).version_id,
                                     "old": CurrentVersion(*old).version_id if old else -1}).scalar_one()
