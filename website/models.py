"""
Website tracking and form capture: the sites that carry the snippet, their anonymous visitors
and page views, and the forms that post leads in.

A visitor stays anonymous (page views stored here only) until it identifies, by a captured form
or a signed link from an email; its page views then become the contact's page_view activities
(recorded through contacts.services) and new ones are recorded on the contact at once.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q

from contacts.models import Activity, ActivityKind, Contact


def _new_site_key() -> str:
    return "ws_" + secrets.token_urlsafe(18)


def _default_pricing_paths() -> list[str]:
    return ["/pricing"]


def _new_form_key() -> str:
    return "wf_" + secrets.token_urlsafe(18)


class Site(models.Model):
    """
    A website that carries the tracking snippet. Its public key identifies it in the snippet's
    <script> tag; only pages on its allowed origins may send page views or post its forms.
    """

    name = models.CharField(max_length=200)
    public_key = models.CharField(
        max_length=40,
        unique=True,
        default=_new_site_key,
        help_text="Public: it appears in the website's HTML. Not a secret.",
    )
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Scheme, host and port of the pages allowed to send data, e.g. "
            '["https://www.example.com", "https://example.com"]. Nothing else is accepted.'
        ),
    )
    is_active = models.BooleanField(default=True)
    require_consent = models.BooleanField(
        default=True,
        help_text=(
            "Record page views only after the site's cookie banner gave consent "
            "(leadscore('consent', true) or data-consent=\"granted\" on the script tag)."
        ),
    )
    honour_dnt = models.BooleanField(
        "honour Do Not Track",
        default=True,
        help_text="Record nothing for browsers sending Do Not Track or Global Privacy Control.",
    )
    pricing_paths = models.JSONField(
        default=_default_pricing_paths,
        blank=True,
        help_text='Pages whose path starts with one of these (e.g. ["/pricing"]) count as '
        "pricing page views for scoring; the others as page views.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def page_view_kind(self, path: str) -> str:
        """The activity kind of a view of `path`: pricing pages are their own, stronger signal."""
        prefixes = [p for p in self.pricing_paths or [] if isinstance(p, str) and p]
        if any(path.startswith(p) for p in prefixes):
            return ActivityKind.PRICING_PAGE_VIEW
        return ActivityKind.PAGE_VIEW

    def allows_origin(self, origin: str) -> bool:
        return bool(origin) and origin.lower().rstrip("/") in {
            o.lower().rstrip("/") for o in self.allowed_origins if isinstance(o, str)
        }


class Visitor(models.Model):
    """
    A browser on a site, known by the random id the snippet keeps in a first-party cookie.
    `contact` is set once it identifies; visitors unseen for WEBSITE_VISITOR_RETENTION_DAYS
    are purged (their page views too; those of identified visitors live on as activities).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="visitors")
    visitor_id = models.CharField(max_length=64)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    identified_at = models.DateTimeField(null=True, blank=True)
    page_view_count = models.PositiveIntegerField(default=0)
    # First touch: where the visitor came from the first time (referrer, utm_*).
    first_referrer = models.CharField(max_length=2000, blank=True)
    first_utm = models.JSONField(default=dict, blank=True)
    last_url = models.CharField(max_length=2000, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            # The collect endpoint finds a visitor by (site, cookie id).
            models.UniqueConstraint(fields=["site", "visitor_id"], name="visitor_site_cookie_uniq"),
        ]
        indexes = [
            # The visitors page: anonymous (or identified) visitors, most recently seen first.
            models.Index(fields=["contact", "-last_seen_at"], name="visitor_contact_seen_idx"),
            # The purge: visitors unseen since a cut-off.
            models.Index(fields=["last_seen_at"], name="visitor_last_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"Visitor {self.visitor_id[:8]} on {self.site_id}"

    @property
    def is_anonymous(self) -> bool:
        return self.contact_id is None

    @property
    def first_source(self) -> str:
        """Where the first visit came from: its utm_source, else the referrer's host."""
        utm = self.first_utm if isinstance(self.first_utm, dict) else {}
        if utm.get("utm_source"):
            medium = utm.get("utm_medium")
            return f"{utm['utm_source']} / {medium}" if medium else str(utm["utm_source"])
        return urlsplit(self.first_referrer).hostname or "" if self.first_referrer else ""


class PageView(models.Model):
    """One page a visitor viewed. `activity` is the contact's page_view once it identified."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="page_views")
    occurred_at = models.DateTimeField()
    url = models.CharField(max_length=2000)
    path = models.CharField(max_length=1000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    utm = models.JSONField("UTM parameters", default=dict, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # A visitor's pages by time (detail page), and those not yet attached to a contact.
            models.Index(fields=["visitor", "-occurred_at"], name="pageview_visitor_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(url=""), name="pageview_url_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.url} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def activity_properties(self) -> dict:
        """What the page_view activity carries: scoring rules test `url`, the rest informs."""
        props = {"url": self.url, "path": self.path, "title": self.title}
        if self.referrer:
            props["referrer"] = self.referrer
        props.update(self.utm)
        return props


class Form(models.Model):
    """
    A website form that posts leads in, by its public key. Each submission creates or updates
    the contact (by email) and records a form_submission activity with form_name = `name`, so
    scoring rules (hand-raises such as "contact-sales") decide what it is worth.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="forms")
    name = models.SlugField(
        max_length=100,
        help_text="Recorded as the activity's form_name; scoring rules match it "
        '("contact-sales").',
    )
    public_key = models.CharField(max_length=40, unique=True, default=_new_form_key)
    redirect_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="Where a plain HTML form goes after a successful post (a thank-you page). "
        "Empty: Leadscore shows its own thank-you page.",
    )
    honeypot_field = models.CharField(
        max_length=50,
        default="ls_hp",
        help_text="A hidden field people leave empty; a submission that fills it is dropped.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="form_site_name_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site})"
