"""
Re-pricing what a stored score counted, without its rule states or the profile: the units of
each interest rule definition stored with a score (engine.Units, at its scored_at) re-priced at a
later moment or under other points, caps and thresholds; and fit parts re-priced from the parts
another version's fit rules gave. Pure, like scoring.engine; property tests check each against
evaluating from scratch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring import engine


def units_to_json(spec: engine.ModelSpec, units: Mapping[str, engine.Units]) -> dict[str, Any]:
    return {
        "h": float(spec.half_life_days),
        "d": {engine.definition_tag(key): u.to_json() for key, u in units.items()},
    }


def stored_units_at(
    spec: engine.ModelSpec,
    stored: Mapping[str, Any] | None,
    *,
    scored_at: datetime,
    next_change_at: datetime | None,
    now: datetime,
) -> dict[str, engine.Units]:
    """
    The spec's definitions' units at `now` from units stored at `scored_at`: those stored whose
    counted activities are still the same (before their own next change), or none when they
    cannot serve (another half-life, `now` before `scored_at`).
    """
    if not stored or float(stored.get("h", -1)) != float(spec.half_life_days) or now < scored_at:
        return {}
    factor = engine.decay_factor(now - scored_at, spec.half_life_days)
    # Before the row's next change every definition still counts what it counted.
    every_valid = next_change_at is None or now < next_change_at
    by_tag = stored.get("d") or {}
    units = {}
    for key, tag in spec.definition_tags.items():
        try:
            found = engine.Units.from_json(by_tag[tag])
        except (KeyError, TypeError, ValueError):
            continue  # not stored (or unreadable): the caller reads the state
        if every_valid or found.valid_at(now):
            units[key] = engine.units_later(found, factor)
    return units


def never_stored(
    spec: engine.ModelSpec, stored: Mapping[str, Any] | None, keys: Iterable[str]
) -> set[str]:
    """
    Of these definitions, those a score's stored units never had. A score stores units and
    states of the same definitions, so these have no stored state either (a draft's new rule):
    they are built from the history without reading the states. Units of an older shape (or
    none) tell nothing: an empty set.
    """
    by_tag = (stored or {}).get("d")
    if not isinstance(by_tag, dict) or not by_tag:
        return set()
    return {key for key in keys if spec.definition_tags.get(key) not in by_tag}


def stored_units_match(spec: engine.ModelSpec, stored: Mapping[str, Any] | None) -> bool:
    """Do the stored units cover exactly the spec's definitions (none more, none less)?"""
    by_tag = (stored or {}).get("d")
    return by_tag is not None and by_tag.keys() == set(spec.definition_tags.values())


def fit_test(rule: engine.Rule) -> tuple[Any, ...]:
    """What a fit rule tests of a profile: rules with the same test match the same profiles."""
    return (
        rule.attribute,
        rule.property_name,
        rule.operator,
        rule.value,
        rule.min_value,
        rule.max_value,
    )


@dataclass(frozen=True)
class FitPlan:
    """What fit_parts_from needs of two specs, worked out once per pair (not per contact)."""

    base_tests: tuple[tuple[int, tuple[Any, ...]], ...]  # each base fit rule's id and test
    # Each fit rule of the spec, its test, and whether a base rule's match answers it.
    rules: tuple[tuple[engine.Rule, tuple[Any, ...], bool], ...]


def fit_plan(spec: engine.ModelSpec, base: engine.ModelSpec) -> FitPlan:
    """
    Which of `spec`'s fit rules a base rule's stored match answers (fit_parts_from here, the
    SQL re-price in scoring.repricing_sql), worked out once per pair and kept with the spec.
    """
    plans = spec.derived  # kept with the spec: a what-if asks once per contact
    plan = plans.get(("fit_plan", base.price_key))
    if plan is None:
        same_domains = (spec.free_mail_domains, spec.competitor_domains) == (
            base.free_mail_domains,
            base.competitor_domains,
        )
        base_tests = tuple(
            (rule.id, fit_test(rule)) for rule in base.rules if rule.dimension == engine.FIT
        )
        tested = {test for _, test in base_tests}
        rules = []
        for rule in spec.rules:
            if rule.dimension == engine.FIT:
                test = fit_test(rule)
                answered = test in tested and (
                    same_domains or rule.attribute not in ("free_mail", "competitor")
                )
                rules.append((rule, test, answered))
        plan = plans[("fit_plan", base.price_key)] = FitPlan(base_tests, tuple(rules))
    return plan


def fit_parts_from(
    spec: engine.ModelSpec,
    base: engine.ModelSpec,
    base_parts: Sequence[engine.RuleScore],
    profile: Callable[[], engine.Profile],
) -> list[engine.RuleScore]:
    """
    A profile's fit parts under `spec` from the parts `base`'s fit rules gave it: a rule that
    tests what a base rule tested matches where that one did (with its own points and words);
    only a rule testing something new reads the profile (`profile()`, once).
    """
    plan = fit_plan(spec, base)
    matched_by_id = {part.rule_id: part.matched for part in base_parts}
    matched = {test: matched_by_id[i] for i, test in plan.base_tests if i in matched_by_id}
    parts, read = [], None
    for rule, test, answered in plan.rules:
        if answered:
            if test in matched:
                parts.append(engine.fit_part(rule, matched[test]))
            continue
        read = read or profile()
        part = engine.evaluate_fit_rule(rule, read, spec)
        if part is not None:
            parts.append(part)
    return parts


# ---- What a rule change can move --------------------------------------------------------
#
# A full rescore after a change to some interest rules' points, caps, names or hand-raise only
# needs the scores that count something under those rules: every other score prices the same
# under the new rules. A run keeps a snapshot of what it scored with; the next run compares.


def _rule_digest(rule: engine.Rule) -> str:
    return hashlib.blake2b(repr(rule).encode(), digest_size=12).hexdigest()


def pricing_snapshot(spec: engine.ModelSpec) -> dict[str, Any]:
    """What scores were priced with (JSON), for repriced_tags to tell what changed since."""
    return {
        "settings": spec.settings_key,
        "rules": [
            [rule.id, spec.definition_tags[key], _rule_digest(rule)]
            for rule, key in spec.keyed_interest_rules
        ],
    }


def snapshot_tags(before: Mapping[str, Any] | None) -> frozenset[str] | None:
    """The definitions (tags) a pricing snapshot's rules counted; None without a usable one."""
    try:
        return frozenset(str(tag) for _, tag, _ in before["rules"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None


def repriced_tags(
    before: Mapping[str, Any] | None, spec: engine.ModelSpec
) -> frozenset[str] | None:
    """
    The definitions (tags) whose rules price differently under `spec` than under the snapshot
    `before`: a score priced under `before` whose units count nothing of those definitions,
    and never will by time alone, has the same numbers and breakdown under `spec`. None when
    more than interest rules changed (settings, fit rules, which definitions there are, the
    rules' order): any score may move.
    """
    try:
        if before["settings"] != spec.settings_key:
            return None
        old = {rule_id: (tag, digest) for rule_id, tag, digest in before["rules"]}
        old_order = [rule_id for rule_id, _, _ in before["rules"]]
    except (KeyError, TypeError, ValueError):
        return None  # no snapshot, or of another shape
    new = {
        rule.id: (spec.definition_tags[key], _rule_digest(rule))
        for rule, key in spec.keyed_interest_rules
    }
    new_order = [rule.id for rule, _ in spec.keyed_interest_rules]
    # A part's place in the breakdown follows the rules' order: the rules kept keep theirs.
    if [i for i in old_order if i in new] != [i for i in new_order if i in old]:
        return None
    changed: set[str] = set()
    for rule_id in old.keys() | new.keys():
        if old.get(rule_id) != new.get(rule_id):
            changed.update(entry[0] for entry in (old.get(rule_id), new.get(rule_id)) if entry)
    return frozenset(changed)


def counts_any(by_tag: Mapping[str, Any] | None, tags: Iterable[str]) -> bool:
    """
    Do a score's stored units (by tag) count anything of these definitions, or may they by
    time alone (an activity dated in the future arriving, one leaving a window)? Units not
    stored or unreadable may: yes.
    """
    for tag in tags:
        try:
            units = engine.Units.from_json(by_tag[tag])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return True
        if units.count or units.next_at:
            return True
    return False
