"""Reads for scoring: the live model as an engine spec, contacts as engine inputs, scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from contacts.models import Activity, Contact
from scoring import engine
from scoring.models import (
    ContactScore,
    Dimension,
    Qualification,
    QualificationStatus,
    RescoreRun,
    RuleCondition,
    ScoreChange,
    ScoringModel,
    ScoringRule,
)


def live_model() -> ScoringModel | None:
    """The model that scores contacts now."""
    return ScoringModel.objects.filter(is_live=True).first()


def _domains(text: str) -> frozenset[str]:
    return frozenset(engine.split_values(text))


def rule_spec(rule: ScoringRule) -> engine.Rule:
    return engine.Rule(
        id=rule.pk,
        name=rule.name,
        description=rule.description,
        dimension=rule.dimension,
        points=rule.points,
        hand_raise=rule.is_hand_raise,
        attribute=rule.attribute,
        property_name=rule.property_name,
        operator=rule.operator,
        value=rule.value,
        min_value=rule.min_value,
        max_value=rule.max_value,
        activity_kind=rule.activity_kind,
        custom_kind=rule.custom_kind,
        conditions=tuple(
            engine.Condition(c.property, c.operator, c.value, c.min_value, c.max_value)
            for c in rule.conditions.all()
        ),
        max_occurrences=rule.max_occurrences,
        max_points=rule.max_points,
        window_days=rule.window_days,
    )


def model_spec(
    model: ScoringModel, *, rules: Iterable[ScoringRule] | None = None
) -> engine.ModelSpec:
    """The engine's view of a scoring model and its active rules."""
    if rules is None:
        rules = model.rules.filter(is_active=True).prefetch_related(
            Prefetch("conditions", queryset=RuleCondition.objects.order_by("id"))
        )
    return engine.ModelSpec(
        rules=tuple(rule_spec(r) for r in rules),
        half_life_days=model.decay_half_life_days,
        fit_cap=model.fit_cap,
        interest_cap=model.interest_cap,
        mql_mode=model.mql_mode,
        mql_fit=model.mql_fit_threshold,
        mql_interest=model.mql_interest_threshold,
        mql_combined=model.mql_combined_threshold,
        grade_a=model.grade_a_min,
        grade_b=model.grade_b_min,
        grade_c=model.grade_c_min,
        band_hot=model.band_hot_min,
        band_warm=model.band_warm_min,
        free_mail_domains=engine.FREE_MAIL_DOMAINS | _domains(model.extra_free_mail_domains),
        competitor_domains=_domains(model.competitor_domains),
    )


def profile_of(contact: Contact) -> engine.Profile:
    """The engine's view of a contact and its company (company must be loaded with it)."""
    company = contact.company
    return engine.Profile(
        email=contact.email,
        job_title=contact.job_title,
        lead_source=contact.lead_source,
        industry=company.industry if company else "",
        employee_count=company.employee_count if company else None,
        annual_revenue=float(company.annual_revenue)
        if company and company.annual_revenue is not None
        else None,
        country=company.country if company else "",
        region=company.region if company else "",
        city=company.city if company else "",
        technologies=tuple(company.technologies or ()) if company else (),
        properties=contact.properties or {},
    )


def scored_kinds(spec: engine.ModelSpec) -> set[str]:
    return {r.activity_kind for r in spec.rules if r.dimension == Dimension.INTEREST}


def events_by_contact(
    contact_ids: Iterable[int], *, kinds: set[str]
) -> dict[int, list[engine.Event]]:
    """The activities the model's interest rules can match, grouped by contact."""
    grouped: dict[int, list[engine.Event]] = defaultdict(list)
    if not kinds:
        return grouped
    rows = Activity.objects.filter(contact_id__in=list(contact_ids), kind__in=kinds).values_list(
        "id", "contact_id", "kind", "custom_kind", "occurred_at", "properties"
    )
    for pk, contact_id, kind, custom_kind, occurred_at, properties in rows.iterator(
        chunk_size=5000
    ):
        grouped[contact_id].append(
            engine.Event(pk, kind, occurred_at, properties or {}, custom_kind)
        )
    return grouped


def score_now(contact_score: ContactScore, *, now: datetime | None = None) -> engine.Score:
    """A stored score brought to this moment: exact decay and windows, no activity read."""
    model = contact_score.scoring_model
    spec = model_spec(model, rules=())
    return engine.rescore_at(spec, contact_score.breakdown, now or timezone.now())


def score_timeline(*, contact: Contact) -> QuerySet[ScoreChange]:
    """A contact's score changes, newest first."""
    return ScoreChange.objects.filter(contact=contact).select_related("activity")


def qualifications_pending_release() -> QuerySet[Qualification]:
    """Leads that qualified after a rule change and wait for marketing to release them."""
    return Qualification.objects.filter(
        status=QualificationStatus.PENDING_RELEASE, closed_at__isnull=True
    ).select_related("contact__company")


def open_qualification(*, contact_id: int) -> Qualification | None:
    return Qualification.objects.filter(contact_id=contact_id, closed_at__isnull=True).first()


def latest_rescore_run(*, model: ScoringModel) -> RescoreRun | None:
    return model.runs.order_by("-created_at").first()


def rule_warnings(rule: ScoringRule, *, spec: engine.ModelSpec | None = None) -> list[str]:
    """Advice on a rule, with the facts from the data that the engine cannot see."""
    spec = spec or model_spec(rule.scoring_model, rules=())
    kind_has_activity = True
    property_known = True
    if rule.dimension == Dimension.INTEREST and rule.activity_kind:
        activities = Activity.objects.filter(kind=rule.activity_kind)
        if rule.custom_kind:
            activities = activities.filter(custom_kind__iexact=rule.custom_kind)
        kind_has_activity = activities.exists()
    if rule.attribute == "property" and rule.property_name:
        property_known = Contact.objects.filter(properties__has_key=rule.property_name).exists()
    return engine.rule_warnings(
        rule_spec(rule), spec, kind_has_activity=kind_has_activity, property_known=property_known
    )


def model_warnings(model: ScoringModel) -> list[tuple[ScoringRule, str]]:
    """Every active rule's advice, for the model page."""
    spec = model_spec(model, rules=())
    rules = model.rules.filter(is_active=True).prefetch_related("conditions")
    return [(rule, warning) for rule in rules for warning in rule_warnings(rule, spec=spec)]
