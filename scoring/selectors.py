"""Reads for scoring: the live model as an engine spec, contacts as engine inputs, scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import FilteredRelation, Prefetch, Q, QuerySet
from django.utils import timezone

from contacts.models import Activity, ActivityKind, Contact
from leadscore.ids import row_id
from scoring import engine, wording
from scoring.models import (
    AuditEntry,
    ContactScore,
    Dimension,
    FitAttribute,
    Qualification,
    QualificationStatus,
    RescoreRun,
    ScoreChange,
    ScoringLine,
    ScoringModel,
    ScoringRule,
    WhatIfRun,
)
from scoring.specs import (  # noqa: F401  (callers read them as selectors.X)
    cached_model_spec,
    cached_rules,
    forget_cached_rules,
    model_spec,
    rule_spec,
)


def live_model(*, line: ScoringLine | int | None = None) -> ScoringModel | None:
    """The version that scores contacts now under a line (the default line unless given)."""
    live = ScoringModel.objects.filter(is_live=True).select_related("line")
    if line is None:
        return live.filter(line__is_default=True).first()
    return live.filter(line=line).first()


def live_models() -> list[ScoringModel]:
    """The live version of every line, the default line's first: each scores every contact."""
    return list(
        ScoringModel.objects.filter(is_live=True)
        .select_related("line")
        .order_by("-line__is_default", "line__name")
    )


def lines() -> list[ScoringLine]:
    """Every scoring line (live model), the default first."""
    return list(ScoringLine.objects.all())


def line_named(value: str) -> ScoringLine | None:
    """A line by its id or (case-insensitive) name, as a command line names it."""
    value = value.strip()
    if value.isdigit():
        return ScoringLine.objects.filter(pk=row_id(value) or 0).first()
    return ScoringLine.objects.filter(name__iexact=value).first()


def line_chosen(value: object) -> ScoringLine | None:
    """The line a request names (`?model=<id>`), or None for the default; unknown ids: None."""
    try:
        line_id = int(str(value))
    except (TypeError, ValueError):
        return None
    return ScoringLine.objects.filter(pk=line_id).first()


def default_line() -> ScoringLine:
    return ScoringLine.objects.default()


def line_requested(value: object) -> ScoringLine:
    """The line a request names (`?model=<id>`), else the default line."""
    return line_chosen(value) or default_line()


def lines_with_live() -> list[ScoringLine]:
    """Every line with its live version as `line.live` (None before its first publish)."""
    found = list(
        ScoringLine.objects.prefetch_related(
            Prefetch("versions", queryset=ScoringModel.objects.filter(is_live=True), to_attr="lv")
        )
    )
    for line in found:
        line.live = line.lv[0] if line.lv else None
    return found


def scores_by_line(*, contact_id: int) -> list[tuple[ScoringLine, ContactScore | None]]:
    """
    The contact's stored score under each line, the default first; empty with one line (the
    pages then show no choice of model).
    """
    every = lines()
    if len(every) < 2:
        return []
    stored = {
        s.line_id: s for s in ContactScore.objects.filter(contact_id=contact_id, line__in=every)
    }
    return [(line, stored.get(line.pk)) for line in every]


def line_id_of(line: ScoringLine | int | None) -> int:
    """A line's id; None means the default line."""
    if line is None:
        return default_line().pk
    return line.pk if isinstance(line, ScoringLine) else int(line)


def with_score(contacts: QuerySet[Contact], *, line: ScoringLine | int | None = None):
    """
    Contacts with their stored score under one scoring model (the default unless given) as
    `contact.score` once select_related("score") (None when unscored); filters and orderings
    name it `score__grade`, `score__fit`... The join reads score_one_per_line.
    """
    return contacts.annotate(
        score=FilteredRelation("scores", condition=Q(scores__line_id=line_id_of(line)))
    )


def profile_of(contact: Contact) -> engine.Profile:
    """The engine's view of a contact and its company (company must be loaded with it)."""
    company = contact.company
    country, region, city = contact.location()
    return engine.Profile(
        email=contact.email,
        job_title=contact.job_title,
        lead_source=contact.lead_source,
        industry=company.industry if company else "",
        employee_count=company.employee_count if company else None,
        annual_revenue=float(company.annual_revenue)
        if company and company.annual_revenue is not None
        else None,
        country=country,
        region=region,
        city=city,
        lead_source_raw=contact.lead_source_raw,
        technologies=tuple(company.technologies or ()) if company else (),
        properties=contact.properties or {},
    )


def scored_kinds(spec: engine.ModelSpec) -> set[str]:
    return {r.activity_kind for r in spec.rules if r.dimension == Dimension.INTEREST}


def event_query(spec: engine.ModelSpec, *, now: datetime) -> dict[str, Any]:
    """
    What a model's interest rules can still count at `now`: the kinds they test, how far back
    each kind matters (the longest window, or all time), and which kinds need their properties.
    Reading only that keeps a full rescore from fetching and decoding every activity ever.
    """
    since: dict[str, datetime | None] = {}
    with_properties: set[str] = set()
    for rule in spec.rules:
        if rule.dimension != Dimension.INTEREST:
            continue
        start = now - timedelta(days=rule.window_days) if rule.window_days else None
        if rule.activity_kind not in since:
            since[rule.activity_kind] = start
        elif since[rule.activity_kind] is not None:
            current = since[rule.activity_kind]
            since[rule.activity_kind] = None if start is None else min(current, start)
        if rule.conditions:
            with_properties.add(rule.activity_kind)
    return {"kinds": set(since), "since": since, "with_properties": with_properties}


def events_by_contact(
    contact_ids: Iterable[int],
    *,
    kinds: set[str],
    since: Mapping[str, datetime | None] | None = None,
    with_properties: set[str] | None = None,
) -> dict[int, list[engine.Event]]:
    """
    The activities the model's interest rules can match, grouped by contact. With `since`,
    only activities a rule's window still covers; with `with_properties`, properties are only
    read for those kinds (None: for every kind).
    """
    grouped: dict[int, list[engine.Event]] = defaultdict(list)
    if not kinds:
        return grouped
    since = since or {}
    in_window = Q()
    for kind in kinds:
        start = since.get(kind)
        in_window |= Q(kind=kind, occurred_at__gte=start) if start else Q(kind=kind)
    activities = Activity.objects.filter(in_window, contact_id__in=list(contact_ids))
    fields = ("id", "contact_id", "kind", "custom_kind", "occurred_at")
    if with_properties is None:
        queries = [(activities, True)]
    else:
        queries = [
            (activities.filter(kind__in=with_properties), True),
            (activities.exclude(kind__in=with_properties), False),
        ]
    for queryset, read_properties in queries:
        rows = queryset.values_list(*fields, *(("properties",) if read_properties else ()))
        for row in rows.iterator(chunk_size=5000):
            grouped[row[1]].append(
                engine.Event(
                    row[0], row[2], row[4], (row[5] or {}) if read_properties else {}, row[3]
                )
            )
    return grouped


def breakdown_activities(
    *, contact_id: int, spec: engine.ModelSpec, now: datetime | None = None
) -> dict[int, list[Activity]]:
    """
    The activities behind each interest rule's points for one contact, newest first, by rule
    id: derived on demand (one query) since the stored breakdown keeps only counts and times.
    """
    now = now or timezone.now()
    rules = engine.interest_rules(spec)
    activities = {
        a.pk: a
        for a in Activity.objects.filter(
            contact_id=contact_id, kind__in={rule.activity_kind for rule in rules}
        )
    }
    history = [
        engine.Event(a.pk, a.kind, a.occurred_at, a.properties or {}, a.custom_kind)
        for a in activities.values()
    ]
    return {
        rule.id: [activities[e.id] for e in engine.counted_events(rule, history, now)]
        for rule in rules
    }


def score_timeline(
    *, contact: Contact, line: ScoringLine | int | None = None
) -> QuerySet[ScoreChange]:
    """A contact's score changes (under one model when given), newest first."""
    changes = ScoreChange.objects.filter(contact=contact).select_related("activity")
    return changes if line is None else changes.filter(line=line)


def qualifications_pending_release(
    *, line: ScoringLine | int | None = None
) -> QuerySet[Qualification]:
    """Leads that qualified after a rule change and wait for marketing to release them (under
    one model when given)."""
    pending = Qualification.objects.filter(
        status=QualificationStatus.PENDING_RELEASE, closed_at__isnull=True
    ).select_related("contact__company", "line")
    return pending if line is None else pending.filter(line=line)


def open_qualification(*, contact_id: int, line: ScoringLine | int) -> Qualification | None:
    """The contact's open qualification under one model."""
    return Qualification.objects.filter(
        contact_id=contact_id, line=line, closed_at__isnull=True
    ).first()


def contact_open_qualification(*, contact_id: int) -> Qualification | None:
    """The contact's oldest open qualification under any model (what its routing waits on)."""
    return (
        Qualification.objects.filter(contact_id=contact_id, closed_at__isnull=True)
        .order_by("qualified_at", "pk")
        .first()
    )


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
    return wording.rule_warnings(
        rule_spec(rule), spec, kind_has_activity=kind_has_activity, property_known=property_known
    )


def threshold_warnings(model: ScoringModel) -> list[str]:
    """Advice on the version's MQL rule: a threshold its rules and caps can never reach."""
    spec = model_spec(model)
    fit, interest = engine.highest_scores(spec)
    unreachable = []
    if spec.mql_mode == engine.COMBINED:
        if spec.mql_combined > fit + interest:
            unreachable.append(
                f"fit + interest of {spec.mql_combined:g}: the rules and caps give at most "
                f"{fit + interest:g}"
            )
    else:
        if spec.mql_fit > fit:
            unreachable.append(
                f"fit of {spec.mql_fit:g}: the fit rules and cap give at most {fit:g}"
            )
        if spec.mql_interest > interest:
            unreachable.append(
                f"interest of {spec.mql_interest:g}: the interest rules and cap give at most "
                f"{interest:g}"
            )
    if not unreachable:
        return []
    hand_raise = any(rule.hand_raise for rule in spec.rules)
    return [
        f"No contact can reach the MQL rule's {'; nor '.join(unreachable)}. "
        + ("Only hand-raises will qualify." if hand_raise else "Nobody will qualify.")
    ]


def model_warnings(model: ScoringModel) -> list[tuple[ScoringRule, str]]:
    """Every active rule's advice, for the model page."""
    spec = model_spec(model, rules=())
    rules = model.rules.filter(is_active=True).prefetch_related("conditions")
    return [(rule, warning) for rule in rules for warning in rule_warnings(rule, spec=spec)]


# ---- Versions, audit and what-if ---------------------------------------------------------


def versions(*, line: ScoringLine | int | None = None) -> QuerySet[ScoringModel]:
    """
    A line's versions (the default line's unless given), newest first, with who published it
    and what it was copied from.
    """
    found = ScoringModel.objects.select_related("based_on__line", "published_by", "line")
    found = found.filter(line__is_default=True) if line is None else found.filter(line=line)
    return found.order_by("-version")


def latest_draft(*, line: ScoringLine | int | None = None) -> ScoringModel | None:
    """A line's newest draft (never published): the one marketing ops most likely works on."""
    return versions(line=line).filter(is_live=False, published_at__isnull=True).first()


def audit_trail(*, model: ScoringModel | None = None) -> QuerySet[AuditEntry]:
    """Audit entries, newest first; of one version when given."""
    entries = AuditEntry.objects.select_related("user")
    return entries.filter(scoring_model=model) if model is not None else entries


def latest_whatif_run(*, draft: ScoringModel) -> WhatIfRun | None:
    return draft.whatif_runs.select_related("baseline").order_by("-created_at", "-id").first()


def draft_changed_since(*, draft: ScoringModel, moment) -> bool:
    """Whether the draft's settings or rules changed after `moment` (a what-if is then stale)."""
    return AuditEntry.objects.filter(scoring_model=draft, at__gt=moment).exists()


def rule_words(rule: ScoringRule) -> str:
    """What a rule tests, in words."""
    return wording.describe_rule(
        rule_spec(rule),
        attribute_label=FitAttribute(rule.attribute).label if rule.attribute else "",
        kind_label=ActivityKind(rule.activity_kind).label if rule.activity_kind else "",
    )


_COMPARED_SETTINGS = [
    "decay_half_life_days",
    "fit_cap",
    "interest_cap",
    "mql_mode",
    "mql_fit_threshold",
    "mql_interest_threshold",
    "mql_combined_threshold",
    "grade_a_min",
    "grade_b_min",
    "grade_c_min",
    "band_hot_min",
    "band_warm_min",
    "competitor_domains",
    "extra_free_mail_domains",
    "auto_release_after_rescore",
]


def _shown(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def version_diff(base: ScoringModel, other: ScoringModel) -> dict:
    """
    What `other` changes compared with `base`: settings, and rules matched by dimension and
    name (a renamed rule shows as one removed and one added).
    """
    settings = []
    for name in _COMPARED_SETTINGS:
        field = ScoringModel._meta.get_field(name)
        before, after = getattr(base, name), getattr(other, name)
        if before != after:
            if field.choices:
                before = dict(field.choices).get(before, before)
                after = dict(field.choices).get(after, after)
            settings.append((str(field.verbose_name).capitalize(), _shown(before), _shown(after)))

    def by_key(model: ScoringModel) -> dict[tuple[str, str], ScoringRule]:
        return {(r.dimension, r.name): r for r in model.rules.prefetch_related("conditions").all()}

    old, new = by_key(base), by_key(other)
    changed = []
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        fields = [
            (label, _shown(x), _shown(y))
            for label, x, y in (
                ("points", a.points, b.points),
                ("active", a.is_active, b.is_active),
                ("hand-raise", a.is_hand_raise, b.is_hand_raise),
                ("tests", rule_words(a), rule_words(b)),
                ("description", a.description, b.description),
            )
            if x != y
        ]
        if fields:
            changed.append((b, fields))
    return {
        "settings": settings,
        "added": [new[k] for k in sorted(new.keys() - old.keys())],
        "removed": [old[k] for k in sorted(old.keys() - new.keys())],
        "changed": changed,
        "empty": not settings and not changed and old.keys() == new.keys(),
    }
