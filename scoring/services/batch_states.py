"""
A batch's rule states: which stored units still serve a batch of contacts, and folding the
others' states (decoding only the definitions needed, rebuilding missing ones from the history),
for score_batch (scoring.services.rescoring) and the what-if.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scoring import engine, repricing, score_reads, selectors


def rules_by_definition(spec: engine.ModelSpec) -> dict[str, engine.Rule]:
    """One rule per interest rule definition: rules that share a definition share a state."""
    rules: dict[str, engine.Rule] = {}
    for rule, key in spec.keyed_interest_rules:
        rules.setdefault(key, rule)
    return rules


def stored_states(
    raw: dict[str, Any] | None, keys: Iterable[str], *, skip: Iterable[str] = ()
) -> dict[str, engine.RuleState]:
    """The stored states (raw JSON) of these definitions (others are not carried over)."""
    raw = raw or {}
    wanted = set(keys) - set(skip)
    return {k: engine.RuleState.from_json(v) for k, v in raw.items() if k in wanted and v}


def states_from_history(
    spec: engine.ModelSpec,
    rules: dict[str, engine.Rule],
    missing: dict[int, set[str]],
    now: datetime,
) -> dict[int, dict[str, engine.RuleState]]:
    """
    Build the missing states from the stored activities: one query for the kinds (and windows)
    those definitions read, for the contacts that miss them.
    """
    needed = {key for keys in missing.values() for key in keys}
    if not needed:
        return {}
    partial = engine.ModelSpec(rules=tuple(rules[k] for k in needed))
    events = selectors.events_by_contact(missing, **selectors.event_query(partial, now=now))
    built = {}
    for contact_id, keys in missing.items():
        states: dict[str, engine.RuleState] = {}
        engine.fold_all(
            spec, states, events.get(contact_id, ()), now, rules=[rules[k] for k in keys]
        )
        built[contact_id] = states
    return built


def fold_new(
    spec: engine.ModelSpec,
    rules: dict[str, engine.Rule],
    states: dict[str, engine.RuleState],
    events: Sequence[engine.Event],
    rebuilt: set[str],
    now: datetime,
) -> set[str]:
    """
    Fold a contact's new activities into the states of the definitions that count their kinds
    (histories just rebuilt already hold them: same transaction). Returns the keys changed.
    """
    kinds = {event.kind for event in events}
    keys = {k for k in states if k not in rebuilt and rules[k].activity_kind in kinds}
    engine.fold_all(spec, states, events, now, rules=[rules[k] for k in keys])
    return keys | rebuilt


def units_serving(
    spec: engine.ModelSpec,
    existing: dict[int, score_reads.StoredRow],
    counted: set[int],
    now: datetime,
) -> tuple[dict[int, dict[str, engine.Units]], dict[int, dict[str, engine.Units]]]:
    """
    Each stored score's units that still serve at `now`, split in two: the contacts re-priced
    from them whole, no state read (units of exactly the spec's definitions, all still serving,
    and no new activity a rule counts: `counted` are those with one); and the others, which
    keep them for the definitions no new activity touches.
    """
    repriced, reusable = {}, {}
    for contact_id, stored in existing.items():
        units = score_reads.units_at(spec, stored, now=now)
        if (
            contact_id not in counted
            and len(units) == len(spec.definition_tags)
            and repricing.stored_units_match(spec, stored.units)
        ):
            repriced[contact_id] = units
        else:
            reusable[contact_id] = units
    return repriced, reusable


@dataclass
class Folded:
    """Contacts scored from their states: units, raw states to store and next change."""

    units: dict[int, dict[str, engine.Units]] = field(default_factory=dict)
    raw: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_change: dict[int, datetime | None] = field(default_factory=dict)
    refolded: set[str] = field(default_factory=set)
    refolded_contacts: int = 0


def fold_states(
    spec: engine.ModelSpec,
    ids: Sequence[int],
    *,
    line_id: int,
    raw_of: dict[int, dict[str, Any]],
    reusable: dict[int, dict[str, engine.Units]],
    new_events: dict[int, list[engine.Event]],
    refold: set[str],
    now: datetime,
) -> Folded:
    """
    Score these contacts from their rule states (`raw_of`: those already read, the others are
    read here): a definition whose stored units still serve and that no new activity touches
    keeps them (`reusable`; its state is not decoded); the others fold their new activities in,
    rebuild `refold` and what they lack from the history, and take units at `now`.
    """
    folded = Folded()
    if not ids:
        return folded
    rules = rules_by_definition(spec)
    unread = [i for i in ids if i not in raw_of]
    if unread:
        raw_of = {**raw_of, **score_reads.stored_rule_states(unread, line_id=line_id)}
    states_of, missing, kept = {}, {}, {}
    for contact_id in ids:
        raw = raw_of.get(contact_id) or {}
        kinds = {event.kind for event in new_events.get(contact_id, ())}
        kept[contact_id] = {
            key: units
            for key, units in reusable.get(contact_id, {}).items()
            if key in raw and rules[key].activity_kind not in kinds
        }
        needed = rules.keys() - kept[contact_id].keys()
        states_of[contact_id] = stored_states(raw, needed, skip=refold)
        if needed - states_of[contact_id].keys():
            missing[contact_id] = needed - states_of[contact_id].keys()
    for contact_id, built in states_from_history(spec, rules, missing, now).items():
        states_of[contact_id].update(built)
    folded.refolded_contacts = len(missing)
    folded.refolded = {key for keys in missing.values() for key in keys}
    for contact_id in ids:
        states = states_of[contact_id]
        events = new_events.get(contact_id, ())
        changed = fold_new(spec, rules, states, events, missing.get(contact_id, set()), now)
        units = {**kept[contact_id], **engine.interest_units(spec, states, now)}
        folded.units[contact_id] = units
        folded.raw[contact_id] = raw_states(raw_of.get(contact_id), rules, states, changed)
        folded.next_change[contact_id] = engine.units_next_change(units)
    return folded


def raw_states(
    raw: dict[str, Any] | None,
    rules: Mapping[str, engine.Rule],
    states: dict[str, engine.RuleState],
    changed: set[str],
) -> dict[str, Any]:
    """
    The spec's states as stored JSON: re-encoded where they changed, as read where they did
    not (or were not decoded); a state of a definition the spec no longer has is dropped.
    """
    raw = raw or {}
    stored = {}
    for key in rules:
        if key in states and (key in changed or key not in raw):
            stored[key] = states[key].to_json()
        elif key in raw:
            stored[key] = raw[key]
    return stored
