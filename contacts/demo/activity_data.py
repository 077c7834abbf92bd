"""
Reference data for what the demo's contacts do: pages, campaigns, assets, webinars, chats,
meetings, trial plans and lost reasons, and the channels of activity with how their frequency
depends on propensity, the activity kind each records and where its events come from.
"""

from __future__ import annotations

from dataclasses import dataclass

from contacts.models import ActivityKind

BLOG_POSTS = (
    ("/blog/what-is-lead-scoring", "What is lead scoring?"),
    ("/blog/mql-vs-sql", "MQL vs SQL: where to draw the line"),
    ("/blog/predictive-lead-scoring", "Predictive lead scoring, explained"),
    ("/blog/lead-routing-best-practices", "Lead routing best practices"),
    ("/blog/scoring-model-decay", "Why your scores should decay"),
    ("/blog/intent-data-101", "Intent data 101"),
    ("/blog/revops-metrics", "10 RevOps metrics that matter"),
    ("/blog/b2b-buyer-journey", "The B2B buyer journey in 2026"),
    ("/blog/sales-marketing-alignment", "Sales and marketing alignment without the meetings"),
    ("/blog/account-based-marketing", "Account-based marketing on a budget"),
    ("/blog/email-deliverability", "Email deliverability checklist"),
    ("/blog/company-news-series-b", "We raised our Series B"),
)
PRODUCT_PAGES = (
    ("/product", "Product tour"),
    ("/product/scoring", "Predictive lead scoring"),
    ("/product/routing", "Lead routing"),
    ("/product/integrations", "Integrations"),
    ("/product/integrations/salesforce", "Salesforce integration"),
    ("/product/reports", "Funnel reports"),
    ("/product/security", "Security and compliance"),
    ("/customers", "Customer stories"),
)
DOCS_PAGES = (
    ("/docs/getting-started", "Getting started"),
    ("/docs/scoring-rules", "Scoring rules"),
    ("/docs/api", "REST API reference"),
    ("/docs/webhooks", "Webhooks"),
    ("/docs/import-contacts", "Importing contacts"),
    ("/docs/sso", "Single sign-on"),
)
CAREERS_PAGES = (
    ("/careers", "Careers"),
    ("/careers/software-engineer", "Software Engineer"),
    ("/careers/account-executive", "Account Executive"),
    ("/careers/customer-success-manager", "Customer Success Manager"),
    ("/careers/marketing-intern", "Marketing Intern"),
)
# Page-view channels and their pages.
PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "blog": BLOG_POSTS,
    "careers": CAREERS_PAGES,
    "docs": DOCS_PAGES,
    "product": PRODUCT_PAGES,
    "pricing": (("/pricing", "Pricing"),),
}
CAMPAIGNS = (
    "Newsletter: lead scoring tips",
    "Newsletter: RevOps roundup",
    "Product update: predictive scoring",
    "Product update: routing rules",
    "Webinar invite: scoring leads sales trusts",
    "Nurture: getting started with scoring",
    "Nurture: MQL to SQL playbook",
    "Event follow-up: RevOps Summit",
    "Case study: doubling MQL-to-SQL conversion",
)
ASSETS = (
    "State of Lead Scoring 2026 report",
    "ROI calculator",
    "MQL to SQL playbook",
    "Lead routing checklist",
    "Buyer's guide to predictive scoring",
    "Salesforce integration guide",
)
WEBINARS = (
    "Scoring leads that sales actually trusts",
    "From MQL to pipeline: a RevOps panel",
    "Predictive vs rule-based scoring",
    "Routing inbound leads in under five minutes",
)
CHAT_TOPICS = (
    "Pricing question",
    "Salesforce integration",
    "Security review",
    "Support",
    "Job application",
    "Demo follow-up",
)
MEETING_TYPES = ("Discovery call", "Product demo", "Technical deep-dive", "Pricing review")
TRIAL_PLANS = ("Starter", "Growth", "Enterprise")
LOST_REASONS = (
    "No budget",
    "Chose a competitor",
    "No decision",
    "Timing",
    "Not a fit",
    "Went dark",
)


@dataclass(frozen=True)
class Channel:
    """One kind of thing a contact does, and how its frequency depends on propensity."""

    name: str
    weight_low: float  # relative weight for a contact of propensity 0
    weight_high: float  # ... and of propensity 1 (interpolated in between)
    high_intent: bool  # buying signals: more frequent late in the journey
    max_per_contact: int | None = None  # one-off actions: nobody starts five free trials


CHANNELS: tuple[Channel, ...] = (
    Channel("blog", 30, 16, False),
    Channel("careers", 9, 0.5, False),
    Channel("docs", 4, 7, False),
    Channel("product", 5, 13, False),
    Channel("pricing", 0.4, 8, True),
    Channel("email_open", 24, 14, False),
    Channel("email_click", 4, 6, False),
    # Buyers read the docs and pricing rather than gated e-books; report collectors (journeys.py)
    # download most of them.
    Channel("content_download", 0.6, 0.3, False),
    Channel("webinar", 0.7, 2.5, False),
    Channel("form", 1.5, 2.5, False),
    Channel("chat", 0.3, 1.5, True),
    Channel("demo_request", 0.03, 1.2, True, max_per_contact=2),
    Channel("contact_sales", 0.03, 0.8, True, max_per_contact=2),
    Channel("free_trial", 0.03, 0.7, True, max_per_contact=1),
    Channel("meeting", 0.01, 1.0, True, max_per_contact=3),
)
# A capped channel that is used up falls back to looking at the product again.
FALLBACK_CHANNEL = "product"
CHANNEL_KIND: dict[str, ActivityKind] = {
    "blog": ActivityKind.PAGE_VIEW,
    "careers": ActivityKind.PAGE_VIEW,
    "docs": ActivityKind.PAGE_VIEW,
    "product": ActivityKind.PAGE_VIEW,
    "pricing": ActivityKind.PRICING_PAGE_VIEW,
    "email_open": ActivityKind.EMAIL_OPEN,
    "email_click": ActivityKind.EMAIL_CLICK,
    "content_download": ActivityKind.CONTENT_DOWNLOAD,
    "webinar": ActivityKind.WEBINAR_ATTENDED,
    "form": ActivityKind.FORM_SUBMISSION,
    "chat": ActivityKind.CHAT,
    "demo_request": ActivityKind.DEMO_REQUEST,
    "contact_sales": ActivityKind.CONTACT_SALES,
    "free_trial": ActivityKind.FREE_TRIAL_SIGNUP,
    "meeting": ActivityKind.MEETING_BOOKED,
}
# Where each channel's events come from, and the share of them that carry that tool's event id
# (the rest were entered by hand or imported without one).
CHANNEL_SOURCE: dict[str, tuple[str, str, float]] = {
    # channel: (source, external id prefix, share with an external id)
    "email_open": ("email", "msg", 0.5),
    "email_click": ("email", "msg", 0.5),
    "webinar": ("webinar", "wbn", 0.7),
    "meeting": ("calendar", "", 0.0),
}
WEBSITE_SOURCE = ("website", "evt", 0.6)
