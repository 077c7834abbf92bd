"""Numbers become quantile bins (at most / between / at least) that cover every value once."""

from __future__ import annotations

import random

from predictive import suggested_model
from scoring import engine


def test_cuts_fall_between_observed_values_and_are_round():
    values = [float(v) for v in range(1, 101)]
    cuts = suggested_model.numeric_cuts(values)
    assert len(cuts) == 4
    assert all(c not in values for c in cuts)
    assert cuts == [20.5, 40.5, 60.5, 80.5]
    assert suggested_model.tidy_cut(100, 5000) == 3000
    assert suggested_model.numeric_cuts([7.0] * 50) == []


def test_every_number_matches_exactly_one_bin():
    rng = random.Random(4)
    values = [round(rng.lognormvariate(3, 1), 1) for _ in range(500)]
    ids = iter(range(-1, -100, -1))
    bins = suggested_model.bin_rules(
        "property", "visits", "visits", suggested_model.numeric_cuts(values), lambda: next(ids)
    )
    assert [b.rule.operator for b in bins] == [
        "at_most",
        "between",
        "between",
        "between",
        "at_least",
    ]
    for value in values:
        hits = [
            b
            for b in bins
            if engine.compare(b.rule.operator, value, "", b.rule.min_value, b.rule.max_value)
        ]
        assert len(hits) == 1, (value, [b.rule.name for b in hits])


def test_a_numeric_custom_property_that_drives_outcomes_gets_binned_rules():
    rng = random.Random(5)
    leads = []
    for i in range(600):
        visits = rng.randint(0, 40)
        won = rng.random() < (0.6 if visits > 25 else 0.1)
        profile = engine.Profile(properties={"visits": str(visits), "plan": rng.choice("ab")})
        leads.append(suggested_model.Lead(key=i, profile=profile, won=won))
    spec = engine.ModelSpec(rules=())
    candidates = suggested_model.candidates_for(leads, spec)
    numeric = [c.rule for c in candidates if c.rule.property_name == "visits"]
    assert {r.operator for r in numeric} == {"at_most", "between", "at_least"}
    suggestion = suggested_model.suggest(leads, spec, target_share=0.2)
    added = [c for c in suggestion["changes"] if c["action"] == "add"]
    top = max(added, key=lambda c: c["points"])
    assert top["rule"]["property_name"] == "visits"
    assert top["rule"]["operator"] == "at_least"
    assert top["evidence"]["lift_ci"][0] > 1  # its interval is clear of "no effect"


def test_the_suggested_caps_are_never_reached_by_a_train_lead():
    rng = random.Random(6)
    leads = [
        suggested_model.Lead(
            key=i,
            profile=engine.Profile(properties={"visits": str(v), "pages": str(rng.randint(0, 9))}),
            won=rng.random() < (0.7 if v > 30 else 0.1),
        )
        for i, v in enumerate(rng.randint(0, 40) for _ in range(400))
    ]
    base = engine.ModelSpec(rules=(), fit_cap=20)  # a cap the learnt points would saturate
    suggestion = suggested_model.suggest(leads, base)
    spec = suggested_model.spec_of(suggestion, base)
    assert spec.fit_cap > 20
    scores = [engine.evaluate(spec, lead.profile, (), lead.cutoff) for lead in leads]
    assert not any(s.fit_cap_applied for s in scores)
    assert spec.grade_a >= spec.grade_b >= spec.grade_c
