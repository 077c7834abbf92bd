"""
Reads for the sales workspace: which contacts and companies a user may see, the contact list
annotated with scores, owner, MQL state and last activity, and an account's contacts.

Visibility lives in `contacts_visible_to` / `companies_visible_to` only: every workspace page
(list, export, bulk actions, account pages, the routing panel) goes through them, so the one
rep-visibility rule can be swapped in here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from contacts import selectors as contact_selectors
from contacts.models import Activity, Company, Contact, LifecycleStage
from routing.models import ACTIVE_STATUSES, AccountAssignment, Assignment, RoutingDecision
from scoring import account_selectors
from scoring import selectors as scoring_selectors
from scoring.models import AccountQualification, Qualification, ScoringLine

# --- Visibility --------------------------------------------------------------------------------


def contacts_visible_to(user: AbstractBaseUser) -> QuerySet[Contact]:
    """
    Every contact this user may see on a page: the one rep-visibility rule
    (contacts.selectors.contacts_visible_to: a rep sees their accounts' contacts and the leads
    they hold or held), for users who may view contacts at all.
    """
    if not user.is_authenticated or not user.has_perm("contacts.view_contact"):
        return Contact.objects.none()
    return contact_selectors.contacts_visible_to(user)


def companies_visible_to(user: AbstractBaseUser) -> QuerySet[Company]:
    """Companies this user may see (contacts.selectors.companies_visible_to)."""
    if not user.is_authenticated or not user.has_perm("contacts.view_company"):
        return Company.objects.none()
    return contact_selectors.companies_visible_to(user)


# --- The contact list --------------------------------------------------------------------------


def _active_assignment() -> QuerySet[Assignment]:
    return Assignment.objects.filter(contact=OuterRef("pk"), status__in=ACTIVE_STATUSES).order_by(
        "-created_at", "-id"
    )


# The funnel's order, for sorting by stage.
STAGE_ORDER = Case(
    *(When(lifecycle_stage=stage, then=Value(i)) for i, stage in enumerate(LifecycleStage.values)),
    default=Value(99),
    output_field=IntegerField(),
)


def contact_rows(user: AbstractBaseUser, *, line: ScoringLine | None = None) -> QuerySet[Contact]:
    """
    The visible contacts with what a list row shows, in one query per page: company, stored
    score, predictive probability (joined), the open assignment's status and owner, MQL state
    and the last activity (correlated subqueries on indexed columns: assignment by contact,
    activity by contact and time, qualification by contact).

    The owner is the rep holding the lead's open assignment, else the company's account owner.
    Scores and MQL state are under one scoring model: the default unless `line` is given.
    """
    line_id = scoring_selectors.line_id_of(line)
    open_mql = Qualification.objects.filter(contact=OuterRef("pk"), line_id=line_id, closed_at=None)
    active = _active_assignment()
    last_activity = (
        Activity.objects.filter(contact=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return (
        scoring_selectors.with_score(contacts_visible_to(user), line=line_id)
        .select_related("company", "score", "prediction")
        # The rows show no breakdown or factors: decoding those JSON documents was most of the
        # page's time. The export asks for the breakdown back (its top reasons).
        .defer("score__breakdown", "prediction__positive", "prediction__negative")
        .annotate(
            assignment_id=Subquery(active.values("pk")[:1]),
            assignment_status=Subquery(active.values("status")[:1]),
            owner_id=Coalesce(
                Subquery(active.filter(rep__isnull=False).values("rep_id")[:1]),
                F("company__account_owner_id"),
                output_field=IntegerField(),
            ),
            owner_sort=Coalesce(
                Subquery(active.filter(rep__isnull=False).values("rep__first_name")[:1]),
                F("company__account_owner__first_name"),
                output_field=CharField(),
            ),
            is_mql=Exists(open_mql),
            last_activity_at=Subquery(last_activity),
            stage_order=STAGE_ORDER,
        )
    )


# sort key -> ordering (ascending); "-key" reverses it. Empty scores always sort last.
SORTS: dict[str, tuple[str, ...]] = {
    "cell": ("score__grade", "score__band", "-score_total"),
    "fit": ("score__fit",),
    "interest": ("score__interest",),
    "probability": ("prediction__probability",),
    "owner": ("owner_sort",),
    "stage": ("stage_order",),
    "last_activity": ("last_activity_at",),
    "name": ("last_name", "first_name"),
    "created": ("created_at",),
}
SORT_LABELS = {
    "cell": "Grade x band",
    "fit": "Fit",
    "interest": "Interest",
    "probability": "Win probability",
    "owner": "Owner",
    "stage": "Stage",
    "last_activity": "Last activity",
    "name": "Name",
    "created": "Created",
}
DEFAULT_SORT = "-created"
# Sort columns that hold a value on every row (the rest sort their empty values last).
NEVER_NULL_SORTS = {"created_at", "last_name", "first_name", "stage_order"}


def sort_key(value: str | None) -> str:
    """A valid sort key ('fit', '-fit', ...); anything else means the default."""
    value = (value or "").strip()
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


def contact_rows_sorted(queryset: QuerySet[Contact], sort: str) -> QuerySet[Contact]:
    """Order the rows by a sort key; ties fall back to the newest contact, then the id."""
    sort = sort_key(sort)
    descending = sort.startswith("-")
    if sort.lstrip("-") == "cell":
        queryset = queryset.annotate(score_total=F("score__fit") + F("score__interest"))
    order = []
    for field in SORTS[sort.lstrip("-")]:
        flip = field.startswith("-")
        name = field.lstrip("-")
        desc = descending != flip
        if name in NEVER_NULL_SORTS:
            # A plain direction, so the order matches an index (contact_created_idx): "NULLS
            # LAST" on a column that is never null kept PostgreSQL sorting every contact.
            order.append(F(name).desc() if desc else F(name).asc())
        else:
            order.append(F(name).desc(nulls_last=True) if desc else F(name).asc(nulls_last=True))
    return queryset.order_by(*order, "-created_at", "-id")


def users_by_id(ids: Iterable[int | None]) -> dict[int, AbstractBaseUser]:
    """The owners shown on a page, in one query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return get_user_model().objects.in_bulk(wanted)


def owner_choices() -> QuerySet:
    """Users who can own leads (reps, account owners, past holders), for the owner filter."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(rep_profile__isnull=False)
            | Exists(Company.objects.filter(account_owner=OuterRef("pk")))
            | Exists(Assignment.objects.filter(rep=OuterRef("pk")))
        )
        .order_by("first_name", "username")
    )


# --- Accounts ----------------------------------------------------------------------------------


def company_rows(user: AbstractBaseUser) -> QuerySet[Company]:
    """
    Visible companies with their contact count, best grade, open assignment count, account
    score under the live model (account_* fields, null when unscored) and open MQA's date.
    """
    live = account_selectors.shown_account_score("account_score__")
    return (
        companies_visible_to(user)
        .select_related("account_owner")
        .annotate(
            account_grade=Case(When(live, then=F("account_score__grade"))),
            account_band=Case(When(live, then=F("account_score__band"))),
            account_fit=Case(When(live, then=F("account_score__fit"))),
            account_engagement=Case(When(live, then=F("account_score__engagement"))),
            account_people=Case(When(live, then=F("account_score__people_engaged"))),
            mqa_at=Subquery(
                AccountQualification.objects.filter(company=OuterRef("pk"), closed_at__isnull=True)
                .order_by("-qualified_at")
                .values("qualified_at")[:1]
            ),
        )
        .annotate(
            contact_count=Count("contacts", distinct=True),
            best_grade=Min(
                "contacts__scores__grade", filter=Q(contacts__scores__line__is_default=True)
            ),
            open_assignments=Count(
                "contacts__assignments",
                filter=Q(contacts__assignments__status__in=ACTIVE_STATUSES),
                distinct=True,
            ),
        )
    )


# The companies list's sorts: key -> (label, order). Unscored accounts sort last.
COMPANY_SORTS = {
    "engagement": ("Engagement", ("-account_engagement", "-account_fit")),
    "fit": ("Fit", ("-account_fit", "-account_engagement")),
    "cell": ("Grade, band", ("account_grade", "account_band", "-account_engagement")),
    "people": ("People engaged", ("-account_people", "-account_engagement")),
    "name": ("Name", ("name",)),
}


def company_rows_sorted(queryset: QuerySet[Company], sort: str) -> QuerySet[Company]:
    """Order the companies list; ties by name, then id."""
    _, fields = COMPANY_SORTS.get(sort, COMPANY_SORTS["engagement"])
    order = [
        F(f.lstrip("-")).desc(nulls_last=True) if f.startswith("-") else F(f).asc(nulls_last=True)
        for f in fields
    ]
    return queryset.order_by(*order, "name", "id")


def account_assignments_routed(*, company: Company) -> QuerySet[AccountAssignment]:
    """Where the company's MQAs were routed, newest first."""
    return AccountAssignment.objects.filter(company=company).select_related("rep", "qualification")


def account_contacts(*, user: AbstractBaseUser, company: Company) -> QuerySet[Contact]:
    """The company's contacts a user may see, ranked by score (grade x band, then points)."""
    return contact_rows_sorted(contact_rows(user).filter(company=company), "cell")


def account_assignments(*, user: AbstractBaseUser, company: Company) -> QuerySet[Assignment]:
    """The open assignments of the company's contacts this user may see, newest first."""
    return (
        Assignment.objects.filter(
            contact__company=company,
            contact__in=contacts_visible_to(user).filter(company=company).values("pk"),
            status__in=ACTIVE_STATUSES,
        )
        .select_related("contact", "rep", "team")
        .order_by("-created_at")
    )


def account_activity(*, user: AbstractBaseUser, company: Company) -> QuerySet[Activity]:
    """What every contact of the company this user may see did, newest first."""
    return (
        Activity.objects.filter(
            contact__company=company,
            contact__in=contacts_visible_to(user).filter(company=company).values("pk"),
        )
        .select_related("contact")
        .order_by("-occurred_at", "-id")
    )


# --- A contact's routing ----------------------------------------------------------------------


def contact_assignments(*, contact: Contact) -> QuerySet[Assignment]:
    """Every assignment the contact ever had, newest first, with who held it."""
    return (
        Assignment.objects.filter(contact=contact)
        .select_related("rep", "team", "rule", "qualification")
        .order_by("-created_at", "-id")
    )


def contact_decisions(*, contact: Contact) -> QuerySet[RoutingDecision]:
    """The contact's whole routing decision log across assignments, newest first."""
    return (
        RoutingDecision.objects.filter(assignment__contact=contact)
        .select_related("actor", "rep", "rule")
        .order_by("-occurred_at", "-id")
    )
