"""Account fit is capped the way contact fit is (scoring.engine.cap_total): either way."""

from django.utils import timezone

from scoring import account_engine, engine


def rule(points: float) -> engine.Rule:
    return engine.Rule(
        id=1,
        name="Tiny company",
        dimension="account",
        points=points,
        attribute="employee_count",
        operator="at_most",
        min_value=None,
        value="19",
    )


def test_a_penalty_beyond_the_fit_cap_is_capped_and_says_so():
    spec = account_engine.AccountSpec(fit_rules=(rule(-80),), fit_cap=50)
    tiny = engine.Profile(employee_count=5)

    score = account_engine.score_account(spec, tiny, [], timezone.now())

    assert score.fit == -50


def test_a_bonus_beyond_the_fit_cap_is_capped_the_same_way():
    spec = account_engine.AccountSpec(fit_rules=(rule(80),), fit_cap=50)

    score = account_engine.score_account(spec, engine.Profile(employee_count=5), [], timezone.now())

    assert score.fit == 50
