"""Reads for account scores: the engine's view of the live model's account settings and rules,
of a company, and of its contacts' stored scores at a moment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from contacts.models import Company
from scoring import account_engine, engine, score_reads, selectors
from scoring.models import (
    AccountScore,
    AccountScoreChange,
    ContactScore,
    Dimension,
    RuleCondition,
    ScoringModel,
)


def account_spec(
    model: ScoringModel, *, rules: Iterable | None = None
) -> account_engine.AccountSpec:
    """The engine's view of a model's account settings and its active account fit rules."""
    if rules is None:
        rules = model.rules.filter(is_active=True, dimension=Dimension.ACCOUNT).prefetch_related(
            Prefetch("conditions", queryset=RuleCondition.objects.order_by("id"))
        )
    return _account_spec_with(model, tuple(selectors.rule_spec(r) for r in rules))


def cached_account_spec(model: ScoringModel) -> account_engine.AccountSpec:
    """account_spec() from the rules selectors.cached_rules keeps (no query when unchanged)."""
    return _account_spec_with(model, selectors.cached_rules(model))


def _account_spec_with(
    model: ScoringModel, rules: tuple[engine.Rule, ...]
) -> account_engine.AccountSpec:
    return account_engine.AccountSpec(
        fit_rules=tuple(r for r in rules if r.dimension == Dimension.ACCOUNT),
        fit_cap=model.fit_cap,
        contact_cap=model.account_contact_cap,
        engagement_cap=model.account_engagement_cap,
        window_days=model.account_window_days,
        role_points=model.account_role_points,
        grade_a=model.grade_a_min,
        grade_b=model.grade_b_min,
        grade_c=model.grade_c_min,
        band_hot=model.band_hot_min,
        band_warm=model.band_warm_min,
        mqa_fit=model.mqa_fit_threshold,
        mqa_engagement=model.mqa_engagement_threshold,
        mqa_people=model.mqa_min_people,
    )


def company_profile(company: Company) -> engine.Profile:
    """What account fit rules see of a company."""
    return engine.Profile(
        industry=company.industry,
        employee_count=company.employee_count,
        annual_revenue=float(company.annual_revenue)
        if company.annual_revenue is not None
        else None,
        country=company.country,
        region=company.region,
        city=company.city,
        technologies=tuple(company.technologies or ()),
        properties=company.properties if isinstance(company.properties, dict) else {},
    )


def members_at(
    company_ids: Iterable[int], *, model: ScoringModel, spec: engine.ModelSpec, now: datetime
) -> dict[int, list[account_engine.Member]]:
    """
    Each company's contacts with their interest at `now`, from their stored scores (units, or
    rule states; no activity read): one query for all the companies.
    """
    rows = (
        ContactScore.objects.filter(contact__company_id__in=list(company_ids), scoring_model=model)
        # Contacts with no interest and nothing arriving add nothing: skipping them keeps the
        # cost with the engaged contacts, not with the account's size. (Interest left at 0 or
        # below stays there through time unless an activity arrives or leaves a window, which
        # next_change_at marks.)
        .filter(Q(interest__gt=0) | Q(next_change_at__lte=now) | Q(scored_at=now))
        .values_list(
            "contact__company_id",
            "contact__first_name",
            "contact__last_name",
            "contact__email",
            "contact__job_title",
            "contact_id",
            "units",
            "scored_at",
            "next_change_at",
        )
    )
    rows = list(rows)
    # Interest only: re-priced at `now` from the stored units (the breakdown, most of a row, is
    # not read), from the rule states where the units no longer serve.
    scores = score_reads.stored_scores_at(
        spec,
        [score_reads.StoredScore(row[5], (), *row[6:]) for row in rows],
        line_id=model.line_id,
        now=now,
    )
    members: dict[int, list[account_engine.Member]] = defaultdict(list)
    for company_id, first, last, email, title, contact_id, *_ in rows:
        score = scores[contact_id]
        parts = score.interest_breakdown
        members[company_id].append(
            account_engine.Member(
                contact_id=contact_id,
                name=f"{first} {last}".strip() or email,
                job_title=title or "",
                interest=score.interest,
                last_engaged_at=account_engine.last_engaged(parts),
                signals=account_engine.member_signals(parts),
            )
        )
    return members


def shown_account_score(prefix: str = "") -> Q:
    """
    An account score the pages and the API show: written (version > 0) under the default
    line, which account scores follow, whichever of its versions wrote it. Right after a
    publish, scores keep naming the retired version until the accounts' pass after the run
    rewrites them; they stay shown meanwhile. `prefix` reaches it from a company
    ("account_score__").
    """
    return Q(**{f"{prefix}scoring_model__line__is_default": True, f"{prefix}version__gt": 0})


def account_score_of(company: Company) -> AccountScore | None:
    """The company's stored account score, if one is shown (shown_account_score)."""
    return (
        AccountScore.objects.filter(shown_account_score(), company=company)
        .select_related("scoring_model")
        .first()
    )


def account_timeline(*, company: Company) -> QuerySet[AccountScoreChange]:
    return AccountScoreChange.objects.filter(company=company).order_by("-occurred_at", "-id")
