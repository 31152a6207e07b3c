"""What changed between two rule set versions (规则集版本比对): rules by id, the land-use compatibility matrix
and the polluting-industry list.

A rule is matched by its id (``ecological_red_line.overlap``), so a rule whose severity or follow-up a city
changed is one changed rule, not one removed and one added. Compatibility verdicts are compared pair by pair
as the screening reads them (an unlisted pair is blocking; the same first-level class is allowed).
"""

from __future__ import annotations

from typing import Any

from layers.land_use import FIRST_LEVEL_CLASSES
from layers.rule_set import RuleSet, rule_as_dict


def _matrix(rules: RuleSet | None) -> dict[tuple[str, str], str]:
    """Every (intended, planned) first-level pair's verdict; None: no rules (nothing is compared with)."""
    if rules is None:
        return {}
    return {(intended, planned): rules.compatibility(intended, planned).value
            for intended in FIRST_LEVEL_CLASSES for planned in FIRST_LEVEL_CLASSES}


def diff_rule_sets(old: RuleSet | None, new: RuleSet) -> dict[str, Any]:
    """The changes from ``old`` to ``new`` (``old`` None: the first version, every rule is added).

    ``changed`` lists each rule present in both whose fields differ, with every differing field's old and new
    value (``severity``, ``follow_up``, ``message``, ``department``, …); ``land_use_compatibility`` each pair
    whose verdict differs; ``polluting_industries`` the GB/T 4754 divisions added and removed.
    """
    before = {rule.rule_id: rule_as_dict(rule) for rule in (old.rules if old else ())}
    after = {rule.rule_id: rule_as_dict(rule) for rule in new.rules}
    changed = []
    for rule_id in (key for key in after if key in before):
        fields = {key: {"old": before[rule_id][key], "new": value} for key, value in after[rule_id].items()
                  if before[rule_id].get(key) != value}
        if fields:
            changed.append({"id": rule_id, "kind": after[rule_id]["kind"], "fields": fields})
    old_matrix, new_matrix = _matrix(old), _matrix(new)
    pairs = sorted(old_matrix.keys() | new_matrix.keys())
    old_polluting = old.polluting_industries if old else frozenset()
    return {
        "from_version": old.version if old else None, "to_version": new.version,
        "added": [rule for key, rule in after.items() if key not in before],
        "removed": [rule for key, rule in before.items() if key not in after],
        "changed": changed,
        "land_use_compatibility": [
            {"intended": intended, "planned": planned, "old": old_matrix.get((intended, planned)),
             "new": new_matrix.get((intended, planned))}
            for intended, planned in pairs if old is not None
            and old_matrix.get((intended, planned)) != new_matrix.get((intended, planned))],
        "polluting_industries": {"added": sorted(new.polluting_industries - old_polluting),
                                 "removed": sorted(old_polluting - new.polluting_industries)},
    }
