"""
The default scoring model: a sensible starting point for a B2B software company.

Fit on industry, size, revenue, seniority and geography; interest on pricing, demos, trials,
webinars, downloads and email clicks; penalties for free mail, students, competitors, careers
pages and unsubscribes. Marketing ops is expected to tune it (see the backtest).
"""

from __future__ import annotations

from django.db import transaction

from scoring.models import Dimension, MqlMode, RuleCondition, ScoringModel, ScoringRule

FIT_RULES = [
    # name, description, points, attribute, operator, value, min, max
    (
        "Target industry",
        "Software, fintech or telecom: our best-fitting markets",
        15,
        "industry",
        "one_of",
        "Software, Financial services, Telecommunications",
        None,
        None,
    ),
    (
        "Adjacent industry",
        "Healthcare or manufacturing: good, not ideal",
        8,
        "industry",
        "one_of",
        "Healthcare, Manufacturing",
        None,
        None,
    ),
    (
        "Mid-market company",
        "200 to 5,000 employees: our sweet spot",
        15,
        "employee_count",
        "between",
        "",
        200,
        5000,
    ),
    (
        "Enterprise company",
        "More than 5,000 employees",
        10,
        "employee_count",
        "at_least",
        "",
        5001,
        None,
    ),
    (
        "Very small company",
        "Fewer than 20 employees rarely buy",
        -5,
        "employee_count",
        "at_most",
        "",
        None,
        19,
    ),
    (
        "Revenue over $10M",
        "Annual revenue of at least $10M",
        10,
        "annual_revenue",
        "at_least",
        "",
        10_000_000,
        None,
    ),
    (
        "Executive or VP",
        "C-level or VP: can sign",
        20,
        "seniority",
        "one_of",
        "c_level, vp",
        None,
        None,
    ),
    (
        "Director or head of",
        "Director or head of a team: leads the evaluation",
        15,
        "seniority",
        "one_of",
        "director, head",
        None,
        None,
    ),
    ("Manager", "Manages a team", 8, "seniority", "equals", "manager", None, None),
    (
        "Student",
        "Students and interns do not buy",
        -25,
        "seniority",
        "equals",
        "student",
        None,
        None,
    ),
    (
        "Target geography",
        "North America and western Europe",
        10,
        "country",
        "one_of",
        "United States, Canada, United Kingdom, Germany, France, Netherlands, Sweden, Spain",
        None,
        None,
    ),
    (
        "Free-mail address",
        "Signed up with gmail, yahoo or similar",
        -15,
        "free_mail",
        "is_true",
        "",
        None,
        None,
    ),
    ("Competitor", "Works at a competitor", -50, "competitor", "is_true", "", None, None),
    (
        "Uses a CRM we integrate with",
        "Runs Salesforce or HubSpot",
        5,
        "technologies",
        "one_of",
        "Salesforce, HubSpot",
        None,
        None,
    ),
]

INTEREST_RULES = [
    # name, description, points, kind, conditions, max_occurrences, max_points, window, hand-raise
    # Hand-raises count for 30 days: a demo request from last spring is no reason to call now.
    ("Requested a demo", "Asked for a demo", 30, "demo_request", [], None, None, 30, True),
    (
        "Asked to talk to sales",
        "Contact-sales request",
        30,
        "contact_sales",
        [],
        None,
        None,
        30,
        True,
    ),
    (
        "Contact-sales form",
        "Submitted the contact-sales form",
        30,
        "form_submission",
        [("form_name", "equals", "contact-sales", None)],
        None,
        None,
        30,
        True,
    ),
    (
        "Viewed pricing",
        "Looked at the pricing page",
        10,
        "pricing_page_view",
        [],
        3,
        None,
        30,
        False,
    ),
    (
        "Started a free trial",
        "Signed up for a free trial",
        15,
        "free_trial_signup",
        [],
        1,
        None,
        None,
        False,
    ),
    (
        "Booked a meeting",
        "Booked a meeting with us",
        15,
        "meeting_booked",
        [],
        1,
        None,
        None,
        False,
    ),
    (
        "Watched a webinar",
        "Attended a webinar and watched at least half",
        10,
        "webinar_attended",
        [("percent_watched", "at_least", "", 50)],
        3,
        None,
        None,
        False,
    ),
    (
        "Downloaded content",
        "Downloaded a report, e-book or tool",
        5,
        "content_download",
        [],
        None,
        20,
        None,
        False,
    ),
    (
        "Clicked an email",
        "Clicked a link in a marketing email",
        3,
        "email_click",
        [],
        None,
        15,
        90,
        False,
    ),
    ("Opened an email", "Opened a marketing email", 1, "email_open", [], None, 5, 30, False),
    ("Chatted with us", "Started a chat", 5, "chat", [], 2, None, 30, False),
    (
        "Visited the website",
        "Any page view in the last 30 days",
        1,
        "page_view",
        [],
        None,
        10,
        30,
        False,
    ),
    (
        "Read the careers pages",
        "Job seekers look like leads but are not",
        -10,
        "page_view",
        [("url", "contains", "/careers", None)],
        None,
        20,
        90,
        False,
    ),
    ("Unsubscribed", "Asked to stop receiving email", -20, "unsubscribe", [], 1, None, None, False),
]

# The demo world's competitors (contacts/demo/company_data.py); replace them with your own.
COMPETITOR_DOMAINS = "pipelinepro.io\nscorely.com\nleadrankr.com\nmqlmachine.io"


# Account fit: the company itself (scoring.account_engine), for account scores and MQAs.
ACCOUNT_FIT_RULES = [
    # name, description, points, attribute, operator, value, min, max
    (
        "Target-market account",
        "Software, fintech or telecom companies buy most",
        25,
        "industry",
        "one_of",
        "Software, Financial services, Telecommunications",
        None,
        None,
    ),
    (
        "Adjacent-market account",
        "Healthcare or manufacturing",
        12,
        "industry",
        "one_of",
        "Healthcare, Manufacturing",
        None,
        None,
    ),
    (
        "Mid-market account",
        "200 to 5,000 employees",
        20,
        "employee_count",
        "between",
        "",
        200,
        5000,
    ),
    (
        "Enterprise account",
        "More than 5,000 employees",
        15,
        "employee_count",
        "at_least",
        "",
        5001,
        None,
    ),
    (
        "Revenue over $10M",
        "Budget for a team-wide plan",
        10,
        "annual_revenue",
        "at_least",
        "",
        10_000_000,
        None,
    ),
    (
        "Very small account",
        "Fewer than 20 employees",
        -10,
        "employee_count",
        "at_most",
        "",
        None,
        19,
    ),
]


@transaction.atomic
def default_model_create(*, name: str = "Default model", live: bool = True) -> ScoringModel:
    """Create the default scoring model with its rules."""
    model = ScoringModel.objects.create(
        name=name,
        is_live=live,
        decay_half_life_days=30,
        fit_cap=100,
        interest_cap=100,
        mql_mode=MqlMode.BOTH,
        mql_fit_threshold=40,
        mql_interest_threshold=30,
        mql_combined_threshold=80,
        grade_a_min=60,
        grade_b_min=40,
        grade_c_min=20,
        band_hot_min=50,
        band_warm_min=20,
        competitor_domains=COMPETITOR_DOMAINS,
        # An MQA: a B-grade account or better with three people engaged this month.
        account_contact_cap=25,
        account_role_points=10,
        account_window_days=30,
        mqa_fit_threshold=40,
        mqa_engagement_threshold=60,
        mqa_min_people=3,
    )
    rules = [
        ScoringRule(
            scoring_model=model,
            name=name_,
            description=description,
            points=points,
            dimension=dimension,
            attribute=attribute,
            operator=operator,
            value=value,
            min_value=low,
            max_value=high,
            position=position,
        )
        for dimension, table in ((Dimension.FIT, FIT_RULES), (Dimension.ACCOUNT, ACCOUNT_FIT_RULES))
        for position, (name_, description, points, attribute, operator, value, low, high) in (
            enumerate(table)
        )
    ]
    conditions = []
    for position, (
        name_,
        description,
        points,
        kind,
        conds,
        max_n,
        max_p,
        window,
        hand,
    ) in enumerate(INTEREST_RULES):
        rule = ScoringRule(
            scoring_model=model,
            name=name_,
            description=description,
            points=points,
            dimension=Dimension.INTEREST,
            activity_kind=kind,
            max_occurrences=max_n,
            max_points=max_p,
            window_days=window,
            is_hand_raise=hand,
            position=position,
        )
        rules.append(rule)
        conditions += [(rule, c) for c in conds]
    ScoringRule.objects.bulk_create(rules)
    RuleCondition.objects.bulk_create(
        RuleCondition(rule=rule, property=prop, operator=op, value=value, min_value=low)
        for rule, (prop, op, value, low) in conditions
    )
    return model


def default_model_ensure() -> ScoringModel:
    """The live model, creating the default one when there is none."""
    return ScoringModel.objects.filter(is_live=True).first() or default_model_create()
