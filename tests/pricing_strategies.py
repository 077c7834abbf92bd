"""
Hypothesis strategies and builders shared by the property tests that hold a SQL pricing path to
the Python one (a rescore's re-price, the what-if): random fit and interest rules, activities,
and pricing changes to a model's settings and rules.
"""

import datetime as dt

from hypothesis import strategies as st

from contacts.models import Contact
from scoring.models import RuleCondition, ScoringModel, ScoringRule
from tests.factories import fit_test_contacts

KINDS = ["page_view", "pricing_page_view", "email_click", "demo_request"]
URLS = ["/pricing", "/blog/a", "/careers/x"]
START = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)

fit_rules = st.fixed_dictionaries(
    {
        "points": st.integers(-30, 40),
        "attribute": st.sampled_from(["industry", "employee_count", "seniority", "free_mail"]),
        "operator": st.sampled_from(["equals", "one_of", "between", "is_true"]),
        "value": st.sampled_from(["Software", "Retail, Software", "vp"]),
        "min_value": st.sampled_from([10.0, 100.0]),
        "max_value": st.sampled_from([500.0, 5000.0]),
        "is_hand_raise": st.booleans(),
    }
)
interest_rules = st.fixed_dictionaries(
    {
        "points": st.integers(-20, 30) | st.sampled_from([2.5, 0.1, 1e-05]),
        "activity_kind": st.sampled_from(KINDS),
        "max_occurrences": st.none() | st.integers(1, 3),
        "max_points": st.none() | st.sampled_from([1.0, 7.5, 20.0, 0.0]),
        "window_days": st.none() | st.integers(1, 60),
        "is_hand_raise": st.booleans(),
        "url_contains": st.none() | st.sampled_from(["/pricing", "/careers"]),
    }
)
activities = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(KINDS),
        st.sampled_from(URLS),
        st.integers(-60 * 24, 5 * 24),  # hours from START: back-dated or in the future
    ),
    max_size=30,
)
# What a pricing change may touch: the model's settings ...
settings_change = st.fixed_dictionaries(
    {
        # Thresholds low enough for some scores to qualify under the new rules.
        "mql_mode": st.sampled_from(["both", "combined"]),
        "mql_fit_threshold": st.sampled_from([0.0, 15.0, 60.0, 1000.0]),
        "mql_interest_threshold": st.sampled_from([0.0, 12.5, 80.0, 1000.0]),
        "mql_combined_threshold": st.sampled_from([20.0, 90.0, 1000.0]),
    },
    optional={
        "fit_cap": st.none() | st.sampled_from([10.0, 45.0]),
        "interest_cap": st.none() | st.sampled_from([5.0, 40.0]),
        "grade_a_min": st.sampled_from([45.0, 60.0]),
        "band_warm_min": st.sampled_from([1.0, 20.0]),
    },
)
# ... and each rule's points, caps, name and hand-raise (None: unchanged).
rule_change = (
    st.fixed_dictionaries(
        {
            "points": st.integers(-25, 35) | st.sampled_from([0.5, 1.00005]),
            "max_points": st.none() | st.sampled_from([2.0, 12.5]),
            "name": st.sampled_from(["Pricing page", "Ünïcode 'quoted' \"rule\"", "a; b"]),
            "is_hand_raise": st.booleans(),
        }
    )
    | st.none()
)


def build_model(fit, interest, half_life) -> tuple[ScoringModel, list[Contact]]:
    model = ScoringModel.objects.create(
        name="P",
        is_live=True,
        decay_half_life_days=half_life,
        mql_fit_threshold=1000,  # nothing qualifies before the change: no open qualification
        mql_interest_threshold=1000,
        mql_combined_threshold=1000,
    )
    for number, data in enumerate(fit):
        ScoringRule.objects.create(
            scoring_model=model, name=f"fit {number}", dimension="fit", **data
        )
    for number, data in enumerate(interest):
        data = dict(data)
        url = data.pop("url_contains")
        rule = ScoringRule.objects.create(
            scoring_model=model,
            name=f"interest {number}",
            description="Counts 'this'" if number % 2 else "",
            dimension="interest",
            **data,
        )
        if url:
            RuleCondition.objects.create(rule=rule, property="url", operator="contains", value=url)
    contacts = fit_test_contacts()
    model.refresh_from_db()  # the settings as stored (floats), as every reader sees them
    return model, contacts


def change_pricing(model: ScoringModel, settings_values: dict, changes: list) -> None:
    for field, value in settings_values.items():
        setattr(model, field, value)
    model.save()
    rules = list(model.rules.all())  # fit rules first, as a spec orders them
    for rule, change in zip(rules, changes, strict=False):
        if change is None:
            continue
        for field, value in change.items():
            setattr(rule, field, value)
        rule.save()
    model.refresh_from_db()


def interest_rule(points, kind, **extra) -> dict:
    rule = {
        "points": points,
        "activity_kind": kind,
        "max_occurrences": None,
        "max_points": None,
        "window_days": None,
        "is_hand_raise": False,
        "url_contains": None,
    }
    return {**rule, **extra}


# Rules and activities whose scores move both ways under a pricing change: a fit rule, a plain
# interest rule, a capped one and a windowed one limited to two occurrences.
EXAMPLE = {
    "fit": [
        {
            "points": 12,
            "attribute": "industry",
            "operator": "equals",
            "value": "Software",
            "min_value": 10.0,
            "max_value": 500.0,
            "is_hand_raise": False,
        }
    ],
    "interest": [
        interest_rule(10, "page_view"),
        interest_rule(5, "email_click", max_points=12.5),
        interest_rule(4, "pricing_page_view", window_days=30, max_occurrences=2),
    ],
    "events": [
        (0, "page_view", "/pricing", -24),
        (0, "page_view", "/blog/a", -48),
        (1, "email_click", "/pricing", -5),
        (1, "email_click", "/pricing", -7),
        (2, "pricing_page_view", "/pricing", -30),
        (0, "pricing_page_view", "/pricing", -3),
        (3, "page_view", "/careers/x", -400),
    ],
}
