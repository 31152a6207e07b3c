"""Versioned rule sets (规则集版本): the conflict rules, the land-use compatibility matrix and the polluting
industries, read from a rules file (``layers/rules.toml`` is the shipped one) and kept in ``rule_sets``.

Loading a file (``blueprint rules load``) checks it whole and stores it as the next version; the newest
version is in force. A screening names the version it used, so an official can tell which rules a report
applied, long after they changed.
"""

from __future__ import annotations

import hashlib
import threading
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Message, phrases
from layers.catalogue import LAYER_KINDS, ConflictRule, Relation, Severity
from layers.departments import Department
from layers.land_use import URBAN_CONSTRUCTION_CLASSES, Compatibility, compatibility, is_known_class
from layers.text import Text

SHIPPED_RULES = Path(__file__).with_name("rules.toml")
NAMED_LAND_USES = {"urban_construction": URBAN_CONSTRUCTION_CLASSES}
_RULE_KEYS = {"id", "kind", "relation", "severity", "department", "message", "follow_up", "project_types",
              "land_uses", "industries", "excluded_industries", "feature_filter", "protected",
              "linear_infrastructure"}


phrases("rule_set", no_version=Text("没有第{version}版规则集", "there is no rule set version {version}"))


class RuleSetNotFoundError(LookupError):
    """No stored rule set has the version asked for."""


class RuleSetError(ValueError):
    """A rules file that cannot be used: says where (the rule's position and id, or the section) and why."""


@dataclass(frozen=True)
class RuleSet:
    """One version of the rules. ``version`` is None for a file not stored yet."""

    version: int | None
    digest: str
    """SHA-256 of the file's text: the same rules, the same digest."""
    rules: tuple[ConflictRule, ...]
    pairs: dict[str, dict[str, Compatibility]]
    """Intended first-level class -> planned first-level class -> verdict (unlisted: blocking)."""
    polluting_industries: frozenset[str]
    source: str

    def for_kind(self, slug: str) -> tuple[ConflictRule, ...]:
        return self._by_kind.get(slug, ())

    @cached_property
    def _by_kind(self) -> dict[str, tuple[ConflictRule, ...]]:
        """The rules of each layer kind, in file order: every screening asks for them several times."""
        by_kind: dict[str, list[ConflictRule]] = {}
        for rule in self.rules:
            by_kind.setdefault(rule.kind, []).append(rule)
        return {slug: tuple(rules) for slug, rules in by_kind.items()}

    @cached_property
    def kinds_with_rules(self) -> tuple[str, ...]:
        return tuple(slug for slug in LAYER_KINDS if slug in self._by_kind)

    def compatibility(self, intended: str, planned: str) -> Compatibility:
        """What building an ``intended`` class project on a zone ``planned`` for another class means."""
        return compatibility(intended, planned, self.pairs)

    def reference(self) -> dict[str, Any]:
        """What a screening records of the rules it applied."""
        return {"version": self.version, "digest": self.digest}


def _text(value: Any, where: str) -> Text:
    if not (isinstance(value, dict) and set(value) == {"zh", "en"} and all(isinstance(v, str) and v.strip()
                                                                           for v in value.values())):
        raise RuleSetError(f"{where}: give {{ zh = \"…\", en = \"…\" }}, both non-empty")
    return Text(value["zh"], value["en"])


def _divisions(value: Any, polluting: frozenset[str], where: str) -> frozenset[str]:
    if value == "polluting_industries":
        return polluting
    if isinstance(value, list) and all(isinstance(v, str) and len(v) == 3 for v in value):
        return frozenset(value)
    raise RuleSetError(f"{where}: give GB/T 4754 divisions such as [\"C26\"], or \"polluting_industries\"")


def _rule(entry: Any, position: int, polluting: frozenset[str]) -> ConflictRule:
    where = f"rule {position}" + (f" ({entry.get('id')})" if isinstance(entry, dict) and entry.get("id") else "")
    if not isinstance(entry, dict):
        raise RuleSetError(f"{where}: a [[rules]] table is expected")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise RuleSetError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    kind = entry.get("kind")
    if kind not in LAYER_KINDS:
        raise RuleSetError(f"{where}: kind {kind!r} is not a layer kind ({', '.join(LAYER_KINDS)})")
    if not str(entry.get("id", "")).startswith(f"{kind}."):
        raise RuleSetError(f"{where}: its id must start with its kind, \"{kind}.\"")
    try:
        relation = Relation(entry.get("relation"))
        department = Department(entry.get("department"))
    except ValueError as error:
        raise RuleSetError(f"{where}: {error}") from None
    severity_name = entry.get("severity")
    if (severity_name == "by_compatibility") != (relation is Relation.LAND_USE):
        raise RuleSetError(f"{where}: severity \"by_compatibility\" goes with relation \"land_use\", and only there")
    try:
        severity = None if severity_name == "by_compatibility" else Severity(severity_name)
    except ValueError:
        raise RuleSetError(f"{where}: severity {severity_name!r} is not blocking, needs_review, info or "
                           "by_compatibility") from None
    land_uses = entry.get("land_uses")
    if isinstance(land_uses, str):
        if land_uses not in NAMED_LAND_USES:
            raise RuleSetError(f"{where}: land_uses {land_uses!r} is not one of {', '.join(NAMED_LAND_USES)}")
        land_uses = NAMED_LAND_USES[land_uses]
    elif land_uses is not None:
        if not (isinstance(land_uses, list) and all(isinstance(c, str) and len(c) == 2 and is_known_class(c)
                                                    for c in land_uses)):
            raise RuleSetError(f"{where}: land_uses are first-level classes such as [\"07\", \"10\"]")
        land_uses = frozenset(land_uses)
    feature_filter = entry.get("feature_filter", {})
    if not (isinstance(feature_filter, dict) and all(isinstance(v, list) for v in feature_filter.values())):
        raise RuleSetError(f"{where}: feature_filter maps attributes to lists of values, e.g. {{ tier = [1] }}")
    declared = {attribute.name: attribute for attribute in LAYER_KINDS[kind].attributes}
    for name, values in feature_filter.items():
        # A filter reads only what every import of the kind checks, so no misspelt value silently never matches.
        attribute = declared.get(name)
        if attribute is None or not attribute.required or not attribute.values:
            raise RuleSetError(f"{where}: feature_filter reads {name!r}, which {kind} layers do not declare as a "
                               f"required coded attribute ({', '.join(declared) or 'none'})")
        if not set(values) <= set(attribute.values):
            raise RuleSetError(f"{where}: feature_filter {name} = {values}: allowed values are "
                               f"{sorted(attribute.values, key=str)}")
    project_types = entry.get("project_types")
    return ConflictRule(
        entry["id"], relation, severity, department, _text(entry.get("message"), f"{where} message"),
        _text(entry["follow_up"], f"{where} follow_up") if "follow_up" in entry else None,
        applies_to_project_types=frozenset(project_types) if project_types is not None else None,
        applies_to_land_uses=land_uses,
        applies_to_industries=_divisions(entry["industries"], polluting, f"{where} industries")
        if "industries" in entry else None,
        excludes_industries=_divisions(entry["excluded_industries"], polluting, f"{where} excluded_industries")
        if "excluded_industries" in entry else frozenset(),
        feature_filter={key: frozenset(values) for key, values in feature_filter.items()},
        protected=bool(entry.get("protected", False)),
        linear_infrastructure=entry.get("linear_infrastructure"),
        kind=kind,
    )


def _pairs(section: Any) -> dict[str, dict[str, Compatibility]]:
    if not isinstance(section, dict):
        raise RuleSetError("[land_use_compatibility]: the section is missing")
    pairs: dict[str, dict[str, Compatibility]] = {}
    for intended, verdicts in section.items():
        if not (is_known_class(intended) and len(intended) == 2 and isinstance(verdicts, dict)):
            raise RuleSetError(f"[land_use_compatibility] {intended!r}: a first-level class and "
                               "{ needs_review = [...], allowed = [...] } are expected")
        row: dict[str, Compatibility] = {}
        for verdict, planned in verdicts.items():
            try:
                value = Compatibility(verdict)
            except ValueError:
                raise RuleSetError(f"[land_use_compatibility] {intended}: {verdict!r} is not allowed, "
                                   "needs_review or blocking") from None
            for code in planned:
                if not (isinstance(code, str) and is_known_class(code) and len(code) == 2):
                    raise RuleSetError(f"[land_use_compatibility] {intended}: {code!r} is not a first-level class")
                row[code] = value
        pairs[intended] = row
    return pairs


def parse_rule_set(source: str, version: int | None = None) -> RuleSet:
    """The rule set of a rules file's text, checked whole (:class:`RuleSetError` names what is wrong)."""
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise RuleSetError(f"not a TOML file: {error}") from None
    divisions = document.get("polluting_industries", {}).get("divisions")
    if not (isinstance(divisions, list) and all(isinstance(d, str) and len(d) == 3 for d in divisions)):
        raise RuleSetError("[polluting_industries]: give divisions = [\"B06\", …]")
    polluting = frozenset(divisions)
    entries = document.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RuleSetError("no [[rules]]")
    rules = tuple(_rule(entry, position, polluting) for position, entry in enumerate(entries, start=1))
    seen: set[str] = set()
    for rule in rules:
        if rule.rule_id in seen:
            raise RuleSetError(f"rule {rule.rule_id}: the id appears twice")
        seen.add(rule.rule_id)
    return RuleSet(version, hashlib.sha256(source.encode()).hexdigest(), rules,
                   _pairs(document.get("land_use_compatibility")), polluting, source)


@lru_cache
def shipped_rule_set() -> RuleSet:
    """The rules the platform ships (``layers/rules.toml``), as version 1 is made of."""
    return parse_rule_set(SHIPPED_RULES.read_text(encoding="utf-8"), version=1)


_cache_lock = threading.Lock()
_by_version: dict[int, RuleSet] = {}


def rule_set_in_force(connection: Connection) -> RuleSet:
    """The newest stored version (parsed once per process and version)."""
    version = connection.execute(text("SELECT max(version) FROM rule_sets")).scalar()
    if version is None:
        return shipped_rule_set()
    return rule_set_version(connection, version)


def rule_set_version(connection: Connection, version: int) -> RuleSet:
    with _cache_lock:
        if version in _by_version:
            return _by_version[version]
    source = connection.execute(text("SELECT source FROM rule_sets WHERE version = :v"), {"v": version}).scalar()
    if source is None:
        raise RuleSetNotFoundError(Message("rule_set.no_version", version=version))
    parsed = parse_rule_set(source, version)
    with _cache_lock:
        _by_version[version] = parsed
    return parsed


def store_rule_set(connection: Connection, source: str, actor: str) -> RuleSet:
    """Check a rules file and keep it as the next version, in force from now on; the same text as the version
    in force is not stored again."""
    parsed = parse_rule_set(source)
    current = rule_set_in_force(connection)
    if current.digest == parsed.digest and current.version is not None:
        return current
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('rule_sets'))"))  # versions one after another
    version = connection.execute(text(
        "INSERT INTO rule_sets (version, digest, source, actor) SELECT COALESCE(max(version), 0) + 1, :d, :s, :a "
        "FROM rule_sets RETURNING version"), {"d": parsed.digest, "s": source, "a": actor}).scalar_one()
    return parse_rule_set(source, version)


def rule_set_history(connection: Connection) -> list[dict[str, Any]]:
    """Every stored version, newest first: when, by whom, its digest."""
    return [{**row._asdict(), "loaded_at": row.loaded_at.isoformat()} for row in connection.execute(text(
        "SELECT version, digest, actor, loaded_at FROM rule_sets ORDER BY version DESC"))]


def rule_as_dict(rule: ConflictRule) -> dict[str, Any]:
    """A rule as the API publishes it."""
    return {
        "id": rule.rule_id, "kind": rule.kind, "relation": rule.relation.value,
        "severity": rule.severity.value if rule.severity else "by_compatibility",
        "department": rule.department.value, "message": {"zh": rule.message.zh, "en": rule.message.en},
        "follow_up": {"zh": rule.follow_up.zh, "en": rule.follow_up.en} if rule.follow_up else None,
        "project_types": sorted(rule.applies_to_project_types) if rule.applies_to_project_types else None,
        "land_uses": sorted(rule.applies_to_land_uses) if rule.applies_to_land_uses else None,
        "industries": sorted(rule.applies_to_industries) if rule.applies_to_industries else None,
        "excluded_industries": sorted(rule.excludes_industries) or None,
        "feature_filter": {key: sorted(values, key=str) for key, values in rule.feature_filter.items()} or None,
        "protected": rule.protected, "linear_infrastructure": rule.linear_infrastructure,
    }


def rule_set_as_dict(rules: RuleSet, *, with_source: bool = False) -> dict[str, Any]:
    return {"version": rules.version, "digest": rules.digest,
            "rules": [rule_as_dict(rule) for rule in rules.rules],
            "land_use_compatibility": {intended: {planned: verdict.value for planned, verdict in row.items()}
                                       for intended, row in rules.pairs.items()},
            "polluting_industries": sorted(rules.polluting_industries),
            **({"source": rules.source} if with_source else {})}
