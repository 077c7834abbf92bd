"""
Reads for routing: who may see which assignments, the ranked queue, team load, decision logs,
and the engine's view of rules, reps and leads.

Visibility is decided here, once, so every page and action goes through the same scope:
reps see the leads they hold, managers the leads of the teams they manage (plus unassigned leads
no team could take, or whose team has no manager), admins everything. Marketing ops and users
without a role see nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, FilteredRelation, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from contacts.models import Activity, Company, Contact
from contacts.selectors import company_distinct_values
from routing import engine, sla
from routing.models import (
    HELD_STATUSES,
    Assignment,
    AssignmentStatus,
    Notification,
    RepProfile,
    RoutingDecision,
    RoutingRule,
    SlaClock,
    Team,
)
from scoring.models import ContactScore, Qualification

# The queue shows at most this many rows per tab (filters narrow it); a rep's open queue is
# bounded by capacity. bench/queue.py measures the page at this size.
QUEUE_LIMIT = 100

# Queue tabs and the statuses each shows.
TAB_STATUSES: dict[str, tuple[str, ...]] = {
    "open": (AssignmentStatus.PENDING,),
    "accepted": (AssignmentStatus.ACCEPTED,),
    "unassigned": (AssignmentStatus.UNASSIGNED,),
    "closed": (
        AssignmentStatus.REJECTED,
        AssignmentStatus.DISQUALIFIED,
        AssignmentStatus.WON,
        AssignmentStatus.LOST,
    ),
}


def display_name(user: AbstractBaseUser | None) -> str:
    """The short name decision sentences use: 'Ana', or the username when no first name."""
    if user is None:
        return "nobody"
    return getattr(user, "first_name", "") or user.get_username()


# --- Scope -------------------------------------------------------------------------------------


def queue_scope(user: AbstractBaseUser) -> str | None:
    """'all' (admins), 'team' (managers), 'own' (reps) or None (no queue at all)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.has_perm("routing.view_all_queues"):
        return "all"
    if user.has_perm("routing.view_team_queue"):
        return "team"
    if user.has_perm("routing.view_assignment"):
        return "own"
    return None


def assignments_visible_to(user: AbstractBaseUser) -> QuerySet[Assignment]:
    """Every assignment this user may see, whatever its status."""
    scope = queue_scope(user)
    assignments = Assignment.objects.all()
    if scope == "all":
        return assignments
    if scope == "team":
        # The managed teams and their reps as subqueries on the assignment's own columns, not
        # ORs across joins, which kept PostgreSQL from using any index on a big team.
        teams = Team.objects.filter(manager=user).values("pk")
        reps = RepProfile.objects.filter(team__manager=user).values("user_id")
        unmanaged = Team.objects.filter(manager__isnull=True).values("pk")
        return assignments.filter(
            Q(rep=user)
            | Q(team_id__in=teams)
            | Q(rep_id__in=reps)
            # A lead no rule could place belongs to no team, and one of a team without a
            # manager has nobody to hand it out: every manager must see them.
            | Q(team__isnull=True, status=AssignmentStatus.UNASSIGNED)
            | Q(team_id__in=unmanaged, status=AssignmentStatus.UNASSIGNED)
        )
    if scope == "own":
        return assignments.filter(rep=user)
    return assignments.none()


# --- The queue ---------------------------------------------------------------------------------


def queue(*, user: AbstractBaseUser) -> QuerySet[Assignment]:
    """
    The user's visible assignments with everything a queue row shows loaded in the same query
    (contact, company, stored score and its model, rep, last activity), ranked by grade x band
    (A1 first), then score, then most recent activity. (A lead's own page adds its team, rule
    and qualification: a 100-row queue built those 300 objects for nothing.)
    """
    last_activity = (
        Activity.objects.filter(contact=OuterRef("contact_id"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return (
        with_lead_scores(assignments_visible_to(user))
        .select_related("contact__company", "rep")
        .annotate(last_activity_at=Subquery(last_activity))
        .order_by(
            "score__grade",
            "score__band",
            # fit + interest, highest first
            (F("score__fit") + F("score__interest")).desc(nulls_last=True),
            "-last_activity_at",
            "-assigned_at",
        )
    )


def with_lead_scores(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """
    Each assignment with its lead's score as `assignment.score` (None when unscored): the
    contact's score under the scoring model it qualified under, loaded in the same query.
    Filters and orderings can name it (`score__grade`).
    """
    # The qualification's join first: SQLite refuses an ON clause naming a later table.
    return (
        assignments.alias(lead_line_id=F("qualification__line_id"))
        .annotate(
            score=FilteredRelation(
                "contact__scores", condition=Q(contact__scores__line_id=F("lead_line_id"))
            )
        )
        .select_related("score__scoring_model")
    )


def lead_score(assignment: Assignment) -> ContactScore | None:
    """The lead's score under the model it qualified under (loaded already if annotated)."""
    if hasattr(assignment, "score"):
        return assignment.score
    line = Qualification.objects.filter(pk=assignment.qualification_id).values("line_id")
    return ContactScore.objects.filter(
        contact_id=assignment.contact_id, line_id=Subquery(line[:1])
    ).first()


def queue_page(queryset: QuerySet[Assignment], *, limit: int) -> list[Assignment]:
    """
    The first `limit` rows of a ranked queue, in two steps: a narrow query picks their ids (the
    ranking columns only, without the per-row last-activity subquery, which ranks nothing but
    exact ties: the view re-ranks the page with it), then one query loads those rows with
    everything a row shows. Ranking wide rows directly sorted every visible lead with its
    contact, company, score breakdown and subquery: 0.8 s for a 7,500-lead team (bench queue).
    """
    ordering = [
        term
        for term in queryset.query.order_by
        if not (isinstance(term, str) and term.lstrip("-") == "last_activity_at")
    ]
    narrow = queryset
    if ordering and ordering[0] == "score__grade":
        # Rank on the stored score through correlated lookups by contact id: ordering on
        # score__* joins the contact table, and PostgreSQL then scanned every contact.
        score = ContactScore.objects.filter(
            contact_id=OuterRef("contact_id"), line_id=OuterRef("qualification__line_id")
        )
        narrow = queryset.annotate(
            rank_grade=Subquery(score.values("grade")[:1]),
            rank_band=Subquery(score.values("band")[:1]),
            rank_total=Subquery(score.annotate(total=F("fit") + F("interest")).values("total")[:1]),
        )
        ordering = [
            F("rank_grade").asc(nulls_last=True),
            F("rank_band").asc(nulls_last=True),
            F("rank_total").desc(nulls_last=True),
        ]
    ids = list(
        narrow.order_by(*ordering, "-assigned_at", "pk").values_list("pk", flat=True)[:limit]
    )
    rows = {a.pk: a for a in queryset.filter(pk__in=ids).order_by()}
    return [rows[pk] for pk in ids if pk in rows]


def queue_tab(queryset: QuerySet[Assignment], tab: str) -> QuerySet[Assignment]:
    statuses = TAB_STATUSES.get(tab, TAB_STATUSES["open"])
    queryset = queryset.filter(status__in=statuses)
    if tab == "closed":
        # Recently closed, newest first: what the rep did lately, not the whole history.
        return queryset.order_by("-closed_at")
    if tab == "accepted":
        return queryset.order_by("-accepted_at")
    return queryset


def queue_counts(queryset: QuerySet[Assignment], *, now: datetime) -> dict[str, int]:
    """Per-tab counts plus overdue leads, in one query."""
    counts = queryset.aggregate(
        open=Count("pk", filter=Q(status=AssignmentStatus.PENDING)),
        accepted=Count("pk", filter=Q(status=AssignmentStatus.ACCEPTED)),
        unassigned=Count("pk", filter=Q(status=AssignmentStatus.UNASSIGNED)),
        closed=Count("pk", filter=Q(status__in=TAB_STATUSES["closed"])),
        overdue=Count("pk", filter=Q(status=AssignmentStatus.PENDING, sla_due_at__lt=now)),
        escalated=Count(
            "pk", filter=Q(status=AssignmentStatus.UNASSIGNED, escalated_at__isnull=False)
        ),
    )
    return counts


def queue_countries(queryset: QuerySet[Assignment], *, user: AbstractBaseUser) -> list[str]:
    """
    Countries for the queue's country filter. A rep gets the countries of their own leads (a
    few, read exactly). Managers and admins may see every contact, so they get every company
    country, read by a loose index scan: collecting the countries of a big team's leads read
    each lead's contact and company (0.25 s for 10,000 open leads over 1M contacts).
    """
    if queue_scope(user) != "own":
        return company_distinct_values("country")
    companies = queryset.order_by().values("contact__company_id")
    return list(
        Company.objects.filter(pk__in=companies)
        .exclude(country="")
        .values_list("country", flat=True)
        .distinct()
        .order_by("country")
    )


def team_loads(*, user: AbstractBaseUser, now: datetime) -> QuerySet[RepProfile]:
    """
    Reps of the teams the user manages (every team for admins), each annotated with `held`
    (open leads against capacity), `pending`, `overdue` and `last_lead_at`, in one query.
    """
    profiles = RepProfile.objects.select_related("user", "team")
    if queue_scope(user) != "all":
        profiles = profiles.filter(team__manager=user)
    held = Q(user__assignments__status__in=HELD_STATUSES)
    return profiles.annotate(
        held=Count("user__assignments", filter=held),
        pending=Count(
            "user__assignments", filter=Q(user__assignments__status=AssignmentStatus.PENDING)
        ),
        overdue=Count(
            "user__assignments",
            filter=Q(
                user__assignments__status=AssignmentStatus.PENDING,
                user__assignments__sla_due_at__lt=now,
            ),
        ),
        last_lead_at=Max("user__assignments__assigned_at"),
    ).order_by("team__name", "user__first_name", "user__username")


def reassign_targets(*, user: AbstractBaseUser) -> QuerySet[RepProfile]:
    """Reps a manager can hand a lead to: their teams' reps (every rep for admins)."""
    # Reps who receive leads (RepProfile.receives_leads), in the database's terms.
    profiles = RepProfile.objects.select_related("user", "team").filter(
        is_active=True, user__is_active=True
    )
    if queue_scope(user) != "all":
        profiles = profiles.filter(team__manager=user)
    return profiles.order_by("team__name", "user__first_name", "user__username")


def decision_log(*, assignment: Assignment) -> QuerySet[RoutingDecision]:
    return assignment.decisions.select_related("actor", "rep", "rule").order_by(
        "-occurred_at", "-id"
    )


def unread_notifications(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def unread_count(*, user: AbstractBaseUser) -> int:
    """The nav badge: one query."""
    if not user.is_authenticated:
        return 0
    return unread_notifications(user=user).count()


# --- The engine's inputs -----------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(engine.split_values(text))


def rule_spec(rule: RoutingRule) -> engine.RuleSpec:
    """The engine's view of a rule (rule.team must be loaded)."""
    return engine.RuleSpec(
        id=rule.pk,
        name=rule.name,
        team_id=rule.team_id,
        team_name=rule.team.name,
        strategy=rule.strategy,
        named_rep_id=rule.named_rep_id,
        account_match=rule.account_match,
        is_fallback=rule.is_fallback,
        countries=_words(rule.countries),
        regions=_words(rule.regions),
        industries=_words(rule.industries),
        min_employees=rule.min_employees,
        max_employees=rule.max_employees,
        grades=frozenset(g.upper() for g in engine.split_values(rule.fit_grades)),
        sources=_words(rule.lead_sources),
        property_name=rule.property_name,
        property_values=_words(rule.property_values),
        sla_minutes=rule.sla_minutes,
        hand_raise_sla_minutes=rule.hand_raise_sla_minutes,
        rotation_position=rule.rotation_position,
        reject_cool_off_days=rule.team.reject_cool_off_days,
        line_id=rule.scoring_line_id,
    )


def active_rules() -> QuerySet[RoutingRule]:
    """Active rules in evaluation order (the fallback last)."""
    return (
        RoutingRule.objects.filter(is_active=True)
        .select_related("team")
        .order_by("is_fallback", "position", "id")
    )


def rep_state(profile: RepProfile, *, load: int) -> engine.RepState:
    """The engine's view of a rep (profile.user must be loaded)."""
    return engine.RepState(
        user_id=profile.user_id,
        name=display_name(profile.user),
        team_id=profile.team_id,
        is_active=profile.receives_leads,
        out_of_office_until=profile.out_of_office_until,
        capacity=profile.capacity,
        load=load,
        weight=max(profile.weight, 1),
        last_assigned_at=profile.last_assigned_at,
        countries=_words(profile.countries),
        regions=_words(profile.regions),
        industries=_words(profile.industries),
        segments=_words(profile.segments),
    )


def recent_rejections(*, contact_id: int, since: datetime) -> dict[int, datetime]:
    """Reps who rejected this contact since `since`, with their latest rejection time."""
    rows = (
        Assignment.objects.filter(
            contact_id=contact_id,
            status=AssignmentStatus.REJECTED,
            closed_at__gte=since,
            rep_id__isnull=False,
        )
        .values("rep_id")
        .annotate(at=Max("closed_at"))
    )
    return {row["rep_id"]: row["at"] for row in rows}


def lead_cool_off(*, contact: Contact, rule: engine.RuleSpec, now: datetime) -> dict[int, str]:
    """Reps who rejected this lead within the rule's team's cool-off, each with the reason."""
    days = rule.reject_cool_off_days
    if not days:
        return {}
    window = timedelta(days=days)
    rejections = recent_rejections(contact_id=contact.pk, since=now - window)
    return {
        rep_id: engine.cool_off_reason(timezone.localdate(at), timezone.localdate(at + window))
        for rep_id, at in rejections.items()
    }


def sla_calendar(profile: RepProfile | None) -> sla.Calendar | None:
    """The rep's SLA clock: their team's working hours, in the rep's (or the team's) zone."""
    if profile is None or profile.team.sla_clock == SlaClock.ALWAYS:
        return None
    team = profile.team
    return sla.Calendar(
        time_zone=profile.time_zone or team.time_zone or "UTC",
        start=team.workday_start,
        end=team.workday_end,
        workdays=sla.parse_workdays(team.workdays),
    )


def rep_loads(user_ids: Iterable[int]) -> dict[int, int]:
    """Open (held) leads per rep."""
    rows = (
        Assignment.objects.filter(rep_id__in=list(user_ids), status__in=HELD_STATUSES)
        .values("rep_id")
        .annotate(n=Count("pk"))
    )
    return {row["rep_id"]: row["n"] for row in rows}


def lead_of(
    contact: Contact, *, hand_raise: bool = False, line_id: int | None = None
) -> engine.Lead:
    """
    The engine's view of a contact qualified under a scoring model (line; the default one
    unless given): company loaded with it, one query for the grade under that model.
    """
    company = contact.company
    scores = ContactScore.objects.filter(contact_id=contact.pk)
    if line_id is None:
        scores = scores.filter(line__is_default=True)
    else:
        scores = scores.filter(line_id=line_id)
    score = scores.only("grade", "line_id").first()
    return engine.Lead(
        contact_id=contact.pk,
        name=str(contact),
        company_name=company.name if company else "",
        # The lead's own location, falling back to its company's (as fit rules do).
        country=contact.country or (company.country if company else ""),
        region=contact.region or (company.region if company else ""),
        industry=company.industry if company else "",
        employee_count=company.employee_count if company else None,
        grade=score.grade if score else "D",
        lead_source=contact.lead_source,
        properties=contact.properties or {},
        hand_raise=hand_raise,
        line_id=line_id if line_id is not None else (score.line_id if score else None),
    )


@dataclass(frozen=True)
class AccountHolder:
    user_id: int
    name: str
    relation: str
    role: str


def account_holders(contact: Contact) -> list[AccountHolder]:
    """
    Users already tied to the contact's account, most authoritative first: the company's
    account owner, then reps holding another contact of the same company (latest first).
    """
    company = contact.company
    if company is None:
        return []
    holders = []
    if company.account_owner_id:
        owner = company.account_owner
        holders.append(
            AccountHolder(owner.pk, display_name(owner), f"owns {company.name}", "account owner")
        )
    held = (
        Assignment.objects.filter(contact__company_id=company.pk, status__in=HELD_STATUSES)
        .exclude(contact_id=contact.pk)
        .select_related("rep", "contact")
        .order_by("-assigned_at")[:5]
    )
    for assignment in held:
        holders.append(
            AccountHolder(
                assignment.rep_id,
                display_name(assignment.rep),
                f"holds {assignment.contact} at {company.name}",
                "holds a colleague",
            )
        )
    return holders


def teams_managed_by(user: AbstractBaseUser) -> QuerySet[Team]:
    return Team.objects.filter(manager=user)


def current_assignment(*, contact: Contact) -> Assignment | None:
    return (
        Assignment.objects.filter(contact=contact)
        .select_related("rep", "team", "rule")
        .order_by("-created_at")
        .first()
    )
