"""
Companies, contacts, their ids in other systems, activities and outcomes. Import jobs
(import_models) and the merge, holder and erasure records (history_models) live in sibling
modules, imported at the end so callers import every contacts model from here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from contacts.identity import normalize_domain, normalize_email
from leadscore.bulk_sql import copy_insert, rows_update

# Re-exported: the one normaliser of each, and the models of the sibling modules below.
__all__ = [
    "ContactErasure",
    "ContactHolder",
    "ContactMerge",
    "ErasureVia",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "normalize_domain",
    "normalize_email",
]


class Company(models.Model):
    """An account: the organisation a contact works for, matched by its web domain."""

    name = models.CharField(max_length=255)
    # Stored lower-case without scheme or "www." so imports and the API can match on it.
    domain = models.CharField(max_length=255, unique=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    region = models.CharField("region / state", max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    technologies = models.JSONField(default=list, blank=True)
    # Custom fields from a CRM (tier, ICP segment...): account fit rules can test them.
    properties = models.JSONField(default=dict, blank=True)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_companies",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [
            # normalize_domain() runs in save(); this guards against writes that bypass it.
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")), name="company_domain_lowercase"
            ),
        ]
        indexes = [
            # Contact list filter and routing territory: companies of an industry in a country.
            models.Index(fields=["industry", "country"], name="company_industry_country_idx"),
            # The queue's country filter: the distinct countries, read by a loose index scan
            # (selectors.company_distinct_values) instead of a scan of every company.
            models.Index(fields=["country"], name="company_country_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.domain = normalize_domain(self.domain)
        super().save(*args, **kwargs)


class LeadSource(models.TextChoices):
    REFERRAL = "referral", "Referral"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    PAID_SEARCH = "paid_search", "Paid search"
    SOCIAL = "social", "Social"
    EMAIL = "email", "Email"
    EVENT = "event", "Event"
    PARTNER = "partner", "Partner"
    DIRECT = "direct", "Direct"
    OTHER = "other", "Other"


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing qualified (MQL)"
    SAL = "sal", "Sales accepted (SAL)"
    SQL = "sql", "Sales qualified (SQL)"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    RECYCLED = "recycled", "Recycled"
    DISQUALIFIED = "disqualified", "Disqualified"


# The field on Contact that records when each stage was first reached.
STAGE_DATE_FIELDS: dict[str, str] = {stage: f"{stage}_at" for stage in LifecycleStage.values}


class ContactQuerySet(models.QuerySet):
    """bulk_create/bulk_update skip save(): keep the normalised email right there too."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.email_normalized = normalize_email(obj.email)
        return super().bulk_create(objs, *args, **kwargs)

    def insert_rows(self, objs, *, batch_size: int) -> None:
        """bulk_create's inserts, as leadscore.bulk_sql.copy_insert makes them (large batches)."""
        objs = list(objs)
        for obj in objs:
            obj.email_normalized = normalize_email(obj.email)
        copy_insert(self.model, objs, batch_size=batch_size)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = _email_normalised(objs, fields)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update_rows(self, objs, fields) -> None:
        """bulk_update's writes, as leadscore.bulk_sql.rows_update makes them (large batches)."""
        objs, fields = _email_normalised(objs, fields)
        rows_update(self.model, objs, fields)


def _email_normalised(objs, fields) -> tuple[list, list[str]]:
    """The contacts, their normalised email set when the email is written, and the fields."""
    objs, fields = list(objs), list(fields)
    if "email" in fields:
        for obj in objs:
            obj.email_normalized = normalize_email(obj.email)
        fields.append("email_normalized")
    return objs, fields


class Contact(models.Model):
    """
    A person marketing knows of; the unit that is scored, qualified and routed.

    Found by its email (optional; compared through `email_normalized`), by an id in a source
    system (ContactIdentity), or later by a website visitor id (also a ContactIdentity).
    """

    email = models.EmailField(max_length=254, blank=True)
    # normalize_email(email), set in save() and the bulk paths: the key upserts match on.
    email_normalized = models.CharField(max_length=254, blank=True, editable=False)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    lead_source = models.CharField(
        max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER
    )
    # The source as the sending system named it ("Olark Chat", "Google"), beside its category.
    lead_source_raw = models.CharField("lead source (as given)", max_length=255, blank=True)
    # The contact's own location; fit and routing rules fall back to the company's.
    country = models.CharField(max_length=100, blank=True)
    region = models.CharField("region / state", max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD
    )
    # When each stage was first reached; set once by contact_set_stage() and never cleared,
    # so the funnel can be measured even after a lead moves on or is recycled.
    subscriber_at = models.DateTimeField(null=True, blank=True)
    lead_at = models.DateTimeField(null=True, blank=True)
    mql_at = models.DateTimeField("MQL at", null=True, blank=True)
    sal_at = models.DateTimeField("SAL at", null=True, blank=True)
    sql_at = models.DateTimeField("SQL at", null=True, blank=True)
    opportunity_at = models.DateTimeField(null=True, blank=True)
    customer_at = models.DateTimeField(null=True, blank=True)
    recycled_at = models.DateTimeField(null=True, blank=True)
    disqualified_at = models.DateTimeField(null=True, blank=True)
    do_not_contact = models.BooleanField(default=False)
    unsubscribed = models.BooleanField(default=False)
    properties = models.JSONField("custom properties", default=dict, blank=True)
    # When the lead was created: now, or the created date of the export it came from.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Upserts match on the normalised email, so two spellings must never coexist;
            # contacts without an email are matched by an identity instead.
            models.UniqueConstraint(
                fields=["email_normalized"],
                condition=~Q(email_normalized=""),
                name="contact_email_normalized_unique",
            ),
            # Guards writes that set an email but bypass save() and the bulk paths.
            models.CheckConstraint(
                condition=Q(email="") | ~Q(email_normalized=""),
                name="contact_email_normalized_set",
            ),
        ]
        indexes = [
            # Contact list filtered by stage, newest first; the MQL list.
            models.Index(
                fields=["lifecycle_stage", "-created_at"], name="contact_stage_created_idx"
            ),
            # API "updated since" syncs.
            models.Index(fields=["updated_at"], name="contact_updated_idx"),
            # The contact list's default order, newest first (ties by id): its first page reads
            # 50 index entries instead of sorting every contact.
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name(self.first_name, self.last_name, self.email, self.pk)

    def save(self, *args, **kwargs) -> None:
        self.email_normalized = normalize_email(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_normalized"}
        super().save(*args, **kwargs)

    @staticmethod
    def display_name(first_name: str, last_name: str, email: str, pk: int | None) -> str:
        """How a contact is named anywhere (also for rows read without a model instance)."""
        return f"{first_name} {last_name}".strip() or email or f"Contact #{pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def location(self) -> tuple[str, str, str]:
        """Country, region and city: the contact's own, each falling back to its company's."""
        company = self.company
        return (
            self.country or (company.country if company else ""),
            self.region or (company.region if company else ""),
            self.city or (company.city if company else ""),
        )

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower() if "@" in self.email else ""


class ContactIdentity(models.Model):
    """
    An id a contact has in another system: a HubSpot Record ID, a Salesforce Id, any lead id
    from a CSV, or a website visitor id. Upserts and activities find the contact by it.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    # The system ("hubspot", "salesforce", "website"...); with external_id, unique.
    source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "contact identities"
        constraints = [
            # Finding a contact by (source, external_id): one contact per id in a system.
            models.UniqueConstraint(
                fields=["source", "external_id"], name="contact_identity_source_id_unique"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="contact_identity_external_id_set"
            ),
        ]
        indexes = [
            # A contact's ids, shown on its page and moved by a merge.
            models.Index(fields=["contact"], name="contact_identity_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source or 'id'}:{self.external_id}"

    def stage_reached_at(self, stage: str):
        return getattr(self, STAGE_DATE_FIELDS[stage])


class ActivityKind(models.TextChoices):
    PAGE_VIEW = "page_view", "Page view"
    FORM_SUBMISSION = "form_submission", "Form submission"
    EMAIL_OPEN = "email_open", "Email open"
    EMAIL_CLICK = "email_click", "Email click"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    WEBINAR_ATTENDED = "webinar_attended", "Webinar attended"
    DEMO_REQUEST = "demo_request", "Demo request"
    CONTACT_SALES = "contact_sales", "Contact-sales request"
    PRICING_PAGE_VIEW = "pricing_page_view", "Pricing page view"
    FREE_TRIAL_SIGNUP = "free_trial_signup", "Free-trial signup"
    CHAT = "chat", "Chat"
    MEETING_BOOKED = "meeting_booked", "Meeting booked"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
    CUSTOM = "custom", "Custom"


class Activity(models.Model):
    """Something a contact did, at a time, with details (url, form, asset...) in properties."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=30, choices=ActivityKind.choices)
    # Names a `custom` activity ("partner_referral_call"); empty for the built-in kinds.
    custom_kind = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    # Where the event came from (a form tool, a tracker) and its id there, so a re-sent event
    # is recognised and stored once.
    source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="activity_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="custom", custom_kind__gt="")
                | (~Q(kind="custom") & Q(custom_kind="")),
                name="activity_custom_kind_named",
            ),
        ]
        indexes = [
            # A contact's timeline and its scoring: activities of one contact by time.
            models.Index(fields=["contact", "-occurred_at"], name="activity_contact_time_idx"),
            # Reports and rule validation: activities of a kind over a period.
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} by {self.contact_id} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        if self.kind == ActivityKind.CUSTOM:
            return self.custom_kind.replace("_", " ").capitalize()
        return self.get_kind_display()

    @property
    def form_fields(self) -> list[tuple[str, str]]:
        """
        What a website form sent beyond the contact's own fields (properties["fields"]: a
        message, a company), as (name, value) pairs. Read here, not in the template, where a
        field named "items" or "keys" would shadow the dict's methods.
        """
        fields = self.properties.get("fields") if isinstance(self.properties, dict) else None
        if not isinstance(fields, dict):
            return []
        return [(str(name), "" if value is None else str(value)) for name, value in fields.items()]


class OutcomeResult(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Outcome(models.Model):
    """
    A won or lost result, recorded on a contact or on a whole account (company).

    Exactly one of contact/company is set. Backtests and the predictive model ask for outcomes
    per contact, per account, or a contact's own outcome falling back to its account's
    (see contacts.selectors.contacts_with_outcome).
    """

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="outcomes"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="outcomes"
    )
    result = models.CharField(max_length=4, choices=OutcomeResult.choices)
    decided_at = models.DateTimeField()
    lost_reason = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="outcome_contact_xor_company",
            ),
            models.CheckConstraint(
                condition=Q(result="lost") | Q(lost_reason=""), name="outcome_reason_only_when_lost"
            ),
        ]
        indexes = [
            # Latest outcome of a contact, and of an account (subqueries in contacts_with_outcome).
            models.Index(fields=["contact", "-decided_at"], name="outcome_contact_latest_idx"),
            models.Index(fields=["company", "-decided_at"], name="outcome_company_latest_idx"),
        ]

    def __str__(self) -> str:
        subject = self.contact or self.company
        return f"{self.get_result_display()}: {subject} on {self.decided_at:%Y-%m-%d}"


# Django registers models as their modules are imported; kept in the order they were defined
# in before the split, so Contact's reverse relations (which merging walks) keep their order.
from contacts.import_models import ImportJob, ImportKind, ImportStatus  # noqa: E402

# isort: split
from contacts.history_models import (  # noqa: E402, F401  (re-exported: contacts.models.X)
    ContactErasure,
    ContactHolder,
    ContactMerge,
    ErasureVia,
    FollowsItsSubject,
)
