"""
A draft's fit parts taken from the parts the live version's fit rules gave a contact (what-if)
equal evaluating the draft's fit rules on the contact's profile: rules that test what a live rule
tested take its match with their own points and words; rules that test something new, or a
free-mail or competitor rule under other domain lists, read the profile. Two paths, one answer.
"""

from hypothesis import given
from hypothesis import strategies as st

from scoring import engine, repricing

TESTS = [
    ("industry", "", "equals", "Software", None, None),
    ("industry", "", "one_of", "Retail, Software", None, None),
    ("employee_count", "", "between", "", 100.0, 5000.0),
    ("employee_count", "", "at_least", "", 1000.0, None),
    ("seniority", "", "one_of", "vp, c_level", None, None),
    ("free_mail", "", "is_true", "", None, None),
    ("competitor", "", "is_true", "", None, None),
    ("country", "", "equals", "DE", None, None),
    ("property", "plan", "equals", "pro", None, None),
]

rule_data = st.tuples(st.sampled_from(TESTS), st.integers(-30, 30), st.booleans())
profiles = st.builds(
    engine.Profile,
    email=st.sampled_from(["a@gmail.com", "b@rival.example", "c@acme.example", ""]),
    job_title=st.sampled_from(["VP Sales", "CEO", "Engineer", ""]),
    industry=st.sampled_from(["Software", "Retail", ""]),
    employee_count=st.none() | st.integers(1, 20000),
    country=st.sampled_from(["DE", "US", ""]),
    properties=st.sampled_from([{}, {"plan": "pro"}, {"plan": "free"}]),
)
domains = st.sampled_from([frozenset(), frozenset({"rival.example"})])


def _spec(rules, first_id, competitors):
    return engine.ModelSpec(
        rules=tuple(
            engine.Rule(
                id=first_id + i,
                name=f"rule {first_id + i}",
                dimension=engine.FIT,
                points=points,
                hand_raise=hand_raise,
                attribute=test[0],
                property_name=test[1],
                operator=test[2],
                value=test[3],
                min_value=test[4],
                max_value=test[5],
            )
            for i, (test, points, hand_raise) in enumerate(rules)
        ),
        competitor_domains=competitors,
    )


@given(
    live_rules=st.lists(rule_data, max_size=6),
    draft_rules=st.lists(rule_data, max_size=6),
    keep=st.lists(st.booleans(), min_size=6, max_size=6),
    profile=profiles,
    live_domains=domains,
    draft_domains=domains,
)
def test_a_drafts_fit_parts_from_the_live_parts_equal_evaluating_the_profile(
    live_rules, draft_rules, keep, profile, live_domains, draft_domains
):
    # The draft keeps some live rules' tests (with new points) and adds its own.
    pairs = zip(live_rules, keep, strict=False)
    kept = [(test, points + 1, hr) for (test, points, hr), k in pairs if k]
    live = _spec(live_rules, 1, live_domains)
    draft = _spec(kept + draft_rules, 100, draft_domains)
    live_parts = engine.fit_parts_of(live, profile)

    repriced = repricing.fit_parts_from(draft, live, live_parts, lambda: profile)

    assert repriced == engine.fit_parts_of(draft, profile)


def test_rules_testing_what_the_live_rules_tested_read_no_profile():
    live = _spec([(TESTS[0], 10, False), (TESTS[2], 5, False)], 1, frozenset())
    draft = _spec([(TESTS[0], 20, False), (TESTS[2], 1, True)], 10, frozenset())
    profile = engine.Profile(industry="Software", employee_count=50)

    def no_profile():
        raise AssertionError("the profile was read")

    parts = repricing.fit_parts_from(draft, live, engine.fit_parts_of(live, profile), no_profile)

    assert [(p.rule_id, p.points, p.matched) for p in parts] == [(10, 20.0, "Software")]
