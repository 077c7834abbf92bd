"""
A realistic, deterministic B2B world for demos, screenshots and benchmarks (`manage.py seed_demo`).

Two steps:

- generate_world() builds everything in memory. It is pure: one random.Random(seed) drives every
  choice and every date is relative to the `now` passed in, so the same seed and `now` always give
  the same data (and no database is needed to test it).
- seed_demo() writes that world with bulk_create() in one transaction, creates the demo users,
  and sends contacts.signals.demo_seeded so other apps can react (bulk_create skips save()).

Each generated contact has a hidden *propensity* (0..1): how likely the person is to buy. It comes
from their fit (seniority, job function, company size, industry, kind of email address) plus noise,
and it drives what the contact does (how many activities, how recent, how high-intent) and whether
they were won or lost. That is what makes the demo worth scoring: a good scoring model should
recover the propensity from the visible data. It is never stored in the database;
seed_demo() returns it in DemoSummary.propensity (email -> propensity) for tests and benchmarks.
"""

from __future__ import annotations

import math
import random
import time
import unicodedata
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import (
    STAGE_DATE_FIELDS,
    Activity,
    ActivityKind,
    Company,
    Contact,
    LeadSource,
    LifecycleStage,
    Outcome,
    OutcomeResult,
    normalize_domain,
)
from contacts.signals import demo_seeded
from leadscore.roles import Role, user_set_role

DEFAULT_SEED = 42

# Vendors of lead-scoring software: people writing from these domains are researching us, not
# buying. Scoring can use this list to discount them.
COMPETITOR_DOMAINS: tuple[str, ...] = (
    "pipelinepro.io",
    "scorely.com",
    "leadrankr.com",
    "mqlmachine.io",
)
_COMPETITOR_NAMES: dict[str, str] = {
    "pipelinepro.io": "PipelinePro",
    "scorely.com": "Scorely",
    "leadrankr.com": "LeadRankr",
    "mqlmachine.io": "MQL Machine",
}

# Personal mailbox providers, with their rough share among free-mail sign-ups.
FREE_MAIL_DOMAINS: dict[str, int] = {
    "gmail.com": 55,
    "outlook.com": 18,
    "yahoo.com": 15,
    "hotmail.com": 12,
}

# Share of contacts by kind of email address; the rest write from their company's domain.
FREE_MAIL_SHARE = 0.15
COMPETITOR_SHARE = 0.02
CONTACTS_PER_COMPANY = 4.5
# Batch size for bulk_create (SQLite further limits it to its maximum query parameters).
BATCH_SIZE = 2000
# How far back the activity stream goes.
HISTORY_DAYS = 365


# --- Demo users --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@leadscore.example"

    @property
    def password(self) -> str:
        # Deterministic and printed by the command: these accounts exist for demos only.
        return f"demo-{self.username}-2026"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Avery", "Adams", Role.ADMIN, is_superuser=True),
    DemoUser("marketing", "Morgan", "Lee", Role.MARKETING_OPS),
    DemoUser("manager", "Sam", "Patel", Role.SALES_MANAGER),
    DemoUser("rep1", "Riley", "Chen", Role.SALES_REP),
    DemoUser("rep2", "Jordan", "Garcia", Role.SALES_REP),
    DemoUser("rep3", "Taylor", "Okafor", Role.SALES_REP),
)
_REP_USERNAMES: tuple[str, ...] = tuple(
    user.username for user in DEMO_USERS if user.role == Role.SALES_REP
)
_MANAGER_USERNAME = "manager"


# --- Reference data: industries, countries, people, titles -------------------------------------


@dataclass(frozen=True)
class _Industry:
    name: str
    weight: int
    # How well the industry buys lead scoring: B2B funnels with marketing teams fit best.
    fit: float
    # Median annual revenue per employee in USD, so revenue stays consistent with size.
    revenue_per_employee: int
    # Words that end a company name in this industry ("Northwind Health").
    name_words: tuple[str, ...]


# fmt: off
_INDUSTRIES: tuple[_Industry, ...] = (
    # name, weight, fit, revenue per employee, name words
    _Industry("Software", 22, 1.0, 210_000,
              ("Labs", "Software", "Systems", "Analytics", "AI", "Cloud")),
    _Industry("Financial services", 10, 0.8, 320_000,
              ("Capital", "Financial", "Bank", "Insurance", "Payments", "Wealth")),
    _Industry("Healthcare", 9, 0.55, 150_000,
              ("Health", "Medical", "Clinics", "Care", "Therapeutics", "Diagnostics")),
    _Industry("Manufacturing", 9, 0.55, 260_000,
              ("Industries", "Manufacturing", "Components", "Robotics", "Materials")),
    _Industry("Retail", 7, 0.55, 180_000,
              ("Retail", "Goods", "Outfitters", "Market", "Stores", "Brands")),
    _Industry("Education", 6, 0.35, 90_000,
              ("Academy", "Learning", "Institute", "College", "School")),
    _Industry("Government", 4, 0.25, 120_000,
              ("County", "City Council", "Agency", "Authority", "Board")),
    _Industry("Media", 6, 0.7, 200_000,
              ("Media", "Studios", "Publishing", "News", "Digital", "Press")),
    _Industry("Telecommunications", 5, 0.7, 400_000,
              ("Telecom", "Networks", "Communications", "Mobile", "Fiber")),
    _Industry("Consulting", 8, 0.8, 170_000,
              ("Consulting", "Advisors", "Partners", "Group", "Strategy")),
    _Industry("Nonprofit", 4, 0.25, 70_000,
              ("Foundation", "Trust", "Alliance", "Initiative", "Society")),
    _Industry("Logistics", 4, 0.6, 230_000,
              ("Logistics", "Freight", "Shipping", "Transport", "Cargo")),
    _Industry("Energy", 3, 0.5, 450_000,
              ("Energy", "Power", "Solar", "Renewables", "Utilities")),
    _Industry("Real estate", 3, 0.5, 250_000,
              ("Properties", "Realty", "Estates", "Homes", "Living")),
)
# fmt: on
_INDUSTRY_BY_NAME: dict[str, _Industry] = {industry.name: industry for industry in _INDUSTRIES}


@dataclass(frozen=True)
class _Country:
    name: str
    weight: int
    tld: str
    phone_code: str
    language: str
    # Name pools for people there, the local one first (see _NAMES).
    cultures: tuple[str, ...]
    # (region or state, cities)
    regions: tuple[tuple[str, tuple[str, ...]], ...]


# fmt: off
_COUNTRIES: tuple[_Country, ...] = (
    # name, weight, TLD, phone code, language, name cultures, (region, cities)
    _Country("United States", 34, "com", "+1", "English", ("en", "es", "in", "zh"), (
        ("California", ("San Francisco", "Los Angeles", "San Diego", "San Jose")),
        ("New York", ("New York", "Brooklyn", "Rochester")),
        ("Texas", ("Austin", "Dallas", "Houston")),
        ("Massachusetts", ("Boston", "Cambridge")),
        ("Washington", ("Seattle", "Bellevue")),
        ("Illinois", ("Chicago",)),
        ("Georgia", ("Atlanta",)),
        ("Colorado", ("Denver", "Boulder")),
        ("Florida", ("Miami", "Tampa", "Orlando")),
        ("North Carolina", ("Raleigh", "Charlotte")),
    )),
    _Country("United Kingdom", 10, "co.uk", "+44", "English", ("en", "in", "fr"), (
        ("England", ("London", "Manchester", "Bristol", "Leeds")),
        ("Scotland", ("Edinburgh", "Glasgow")),
        ("Wales", ("Cardiff",)),
    )),
    _Country("Germany", 8, "de", "+49", "German", ("de", "en"), (
        ("Berlin", ("Berlin",)),
        ("Bavaria", ("Munich", "Nuremberg")),
        ("Hamburg", ("Hamburg",)),
        ("Hesse", ("Frankfurt",)),
        ("North Rhine-Westphalia", ("Cologne", "Düsseldorf")),
    )),
    _Country("France", 6, "fr", "+33", "French", ("fr", "en"), (
        ("Île-de-France", ("Paris",)),
        ("Auvergne-Rhône-Alpes", ("Lyon", "Grenoble")),
        ("Occitanie", ("Toulouse", "Montpellier")),
        ("Provence-Alpes-Côte d'Azur", ("Marseille", "Nice")),
    )),
    _Country("Canada", 5, "ca", "+1", "English", ("en", "fr", "zh", "in"), (
        ("Ontario", ("Toronto", "Ottawa", "Waterloo")),
        ("Quebec", ("Montreal", "Quebec City")),
        ("British Columbia", ("Vancouver", "Victoria")),
    )),
    _Country("Netherlands", 4, "nl", "+31", "Dutch", ("nl", "en"), (
        ("North Holland", ("Amsterdam", "Haarlem")),
        ("South Holland", ("Rotterdam", "The Hague")),
        ("Utrecht", ("Utrecht",)),
    )),
    _Country("Australia", 4, "com.au", "+61", "English", ("en", "zh", "in"), (
        ("New South Wales", ("Sydney",)),
        ("Victoria", ("Melbourne",)),
        ("Queensland", ("Brisbane",)),
    )),
    _Country("India", 6, "in", "+91", "English", ("in",), (
        ("Karnataka", ("Bengaluru",)),
        ("Maharashtra", ("Mumbai", "Pune")),
        ("Telangana", ("Hyderabad",)),
        ("Delhi", ("New Delhi",)),
    )),
    _Country("Brazil", 4, "com.br", "+55", "Portuguese", ("pt",), (
        ("São Paulo", ("São Paulo", "Campinas")),
        ("Rio de Janeiro", ("Rio de Janeiro",)),
        ("Minas Gerais", ("Belo Horizonte",)),
    )),
    _Country("Spain", 3, "es", "+34", "Spanish", ("es",), (
        ("Community of Madrid", ("Madrid",)),
        ("Catalonia", ("Barcelona",)),
        ("Valencian Community", ("Valencia",)),
    )),
    _Country("Sweden", 3, "se", "+46", "Swedish", ("sv", "en"), (
        ("Stockholm County", ("Stockholm",)),
        ("Västra Götaland", ("Gothenburg",)),
        ("Skåne", ("Malmö",)),
    )),
    _Country("Japan", 3, "co.jp", "+81", "Japanese", ("ja",), (
        ("Tokyo", ("Tokyo",)),
        ("Osaka", ("Osaka",)),
        ("Kanagawa", ("Yokohama",)),
    )),
    _Country("Ireland", 2, "ie", "+353", "English", ("en",), (
        ("Leinster", ("Dublin",)),
        ("Munster", ("Cork",)),
    )),
    _Country("Singapore", 2, "sg", "+65", "English", ("zh", "in", "en"), (
        ("Singapore", ("Singapore",)),
    )),
)
# fmt: on

# First and last names by culture, for an international mix of people.
_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "James", "Mary", "Michael", "Jennifer", "David", "Sarah", "Daniel", "Emily",
            "Chris", "Jessica", "Matthew", "Ashley", "Andrew", "Laura", "Ryan", "Rachel",
            "Kevin", "Megan", "Brian", "Hannah", "Oliver", "Charlotte", "Jack", "Amelia",
            "Liam", "Olivia", "Noah", "Emma", "Ethan", "Grace", "Tom", "Kate",
        ),
        (
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
            "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris",
            "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
            "Baker", "Evans", "Murphy", "Kelly", "O'Brien", "Campbell", "Stewart",
        ),
    ),
    "de": (
        (
            "Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Maximilian", "Sophie",
            "Tobias", "Katharina", "Stefan", "Julia", "Florian", "Sabine", "Matthias", "Jan",
        ),
        (
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        ),
    ),
    "fr": (
        (
            "Louis", "Camille", "Hugo", "Chloé", "Thomas", "Manon", "Antoine", "Léa",
            "Nicolas", "Julie", "Pierre", "Claire", "Mathieu", "Élodie", "Julien", "Inès",
        ),
        (
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garnier", "Fournier",
        ),
    ),
    "es": (
        (
            "Javier", "Lucía", "Carlos", "María", "Alejandro", "Carmen", "Pablo", "Elena",
            "Diego", "Laura", "Sergio", "Marta", "Andrés", "Sofía", "Miguel", "Paula",
        ),
        (
            "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
            "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
            "Álvarez",
        ),
    ),
    "pt": (
        (
            "João", "Ana", "Pedro", "Mariana", "Lucas", "Beatriz", "Gabriel", "Juliana",
            "Rafael", "Fernanda", "Thiago", "Camila", "Bruno", "Larissa", "Felipe", "Isabela",
        ),
        (
            "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
            "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Barbosa",
        ),
    ),
    "nl": (
        (
            "Daan", "Sanne", "Bram", "Lotte", "Joris", "Femke", "Thijs", "Eva", "Sem",
            "Anouk", "Ruben", "Fleur",
        ),
        (
            "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
            "Smit", "Meijer", "de Boer", "Mulder", "Bos",
        ),
    ),
    "sv": (
        (
            "Erik", "Astrid", "Lars", "Ingrid", "Oskar", "Elin", "Nils", "Maja", "Johan",
            "Karin", "Anders", "Sofia",
        ),
        (
            "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Gustafsson", "Lindberg", "Lindqvist",
        ),
    ),
    "ja": (
        (
            "Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Haruka", "Daisuke", "Sakura",
            "Satoshi", "Yumi", "Ren", "Naoko",
        ),
        (
            "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
            "Kobayashi", "Kato", "Yoshida", "Yamada",
        ),
    ),
    "in": (
        (
            "Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Rohan", "Kavya", "Aditya",
            "Neha", "Sanjay", "Pooja", "Karthik", "Divya", "Amit", "Meera",
        ),
        (
            "Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta",
            "Joshi", "Rao", "Desai", "Chopra", "Banerjee", "Menon", "Agarwal",
        ),
    ),
    "zh": (
        ("Wei", "Li", "Jun", "Mei", "Hao", "Xin", "Lei", "Yan", "Jie", "Ling", "Chen", "Hui"),
        (
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Lin",
        ),
    ),
}  # fmt: skip

# Job titles by seniority, each with the function it belongs to (function drives fit too).
_TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "c_level": (
        ("CEO", "executive"),
        ("Founder & CEO", "executive"),
        ("Co-founder", "executive"),
        ("CTO", "engineering"),
        ("CMO", "marketing"),
        ("CRO", "sales"),
        ("CFO", "finance"),
        ("COO", "operations"),
    ),
    "vp": (
        ("VP Sales", "sales"),
        ("VP Marketing", "marketing"),
        ("VP of Demand Generation", "marketing"),
        ("VP Revenue Operations", "revops"),
        ("VP of Engineering", "engineering"),
        ("VP Customer Success", "customer_success"),
        ("VP Product", "product"),
        ("VP Finance", "finance"),
    ),
    "director": (
        ("Director of Marketing", "marketing"),
        ("Director of Demand Generation", "marketing"),
        ("Director of Sales", "sales"),
        ("Director of Revenue Operations", "revops"),
        ("Director of Engineering", "engineering"),
        ("Director of IT", "it"),
        ("Director of Customer Success", "customer_success"),
        ("Director of Finance", "finance"),
        ("Director of People", "hr"),
    ),
    "head": (
        ("Head of Growth", "marketing"),
        ("Head of Marketing", "marketing"),
        ("Head of Sales", "sales"),
        ("Head of RevOps", "revops"),
        ("Head of Product", "product"),
        ("Head of Data", "data"),
        ("Head of Partnerships", "sales"),
    ),
    "manager": (
        ("Marketing Manager", "marketing"),
        ("Demand Generation Manager", "marketing"),
        ("Marketing Operations Manager", "revops"),
        ("Sales Manager", "sales"),
        ("Account Manager", "sales"),
        ("Product Manager", "product"),
        ("Engineering Manager", "engineering"),
        ("Customer Success Manager", "customer_success"),
        ("IT Manager", "it"),
        ("HR Manager", "hr"),
        ("Office Manager", "operations"),
    ),
    "individual": (
        ("Marketing Specialist", "marketing"),
        ("Marketing Coordinator", "marketing"),
        ("Content Writer", "marketing"),
        ("SEO Specialist", "marketing"),
        ("Sales Development Representative", "sales"),
        ("Business Development Representative", "sales"),
        ("Account Executive", "sales"),
        ("Sales Operations Analyst", "revops"),
        ("Software Engineer", "engineering"),
        ("Senior Software Engineer", "engineering"),
        ("Data Analyst", "data"),
        ("Data Engineer", "data"),
        ("Financial Analyst", "finance"),
        ("Recruiter", "hr"),
        ("Product Designer", "product"),
        ("Support Specialist", "customer_success"),
        ("Operations Analyst", "operations"),
    ),
    "student": (
        ("Student", "other"),
        ("Marketing Intern", "marketing"),
        ("Software Engineering Intern", "engineering"),
        ("MBA Candidate", "other"),
        ("Graduate Student", "other"),
    ),
}

# Seniority mix by company size band: founders are a big share of tiny companies.
_SENIORITY_WEIGHTS: dict[str, dict[str, int]] = {
    "tiny": {
        "c_level": 30, "vp": 3, "director": 5, "head": 8, "manager": 14, "individual": 30,
        "student": 10,
    },
    "small": {
        "c_level": 8, "vp": 7, "director": 11, "head": 9, "manager": 20, "individual": 37,
        "student": 8,
    },
    "large": {
        "c_level": 2, "vp": 7, "director": 13, "head": 5, "manager": 24, "individual": 42,
        "student": 7,
    },
}  # fmt: skip

# Fit of a title's seniority and function: budget holders in marketing, sales and revenue
# operations buy lead scoring; engineers, HR and students rarely do.
_SENIORITY_FIT: dict[str, float] = {
    "c_level": 0.85,
    "vp": 1.0,
    "director": 0.9,
    "head": 0.85,
    "manager": 0.6,
    "individual": 0.3,
    "student": 0.0,
    "unknown": 0.4,
}
_FUNCTION_FIT: dict[str, float] = {
    "marketing": 1.0,
    "revops": 1.0,
    "sales": 0.9,
    "executive": 0.85,
    "product": 0.6,
    "customer_success": 0.55,
    "data": 0.55,
    "operations": 0.45,
    "it": 0.4,
    "engineering": 0.35,
    "finance": 0.35,
    "hr": 0.2,
    "other": 0.2,
    "unknown": 0.4,
}

_LEAD_SOURCE_WEIGHTS: dict[str, int] = {
    LeadSource.ORGANIC_SEARCH: 25,
    LeadSource.DIRECT: 14,
    LeadSource.PAID_SEARCH: 12,
    LeadSource.SOCIAL: 10,
    LeadSource.EMAIL: 8,
    LeadSource.EVENT: 8,
    LeadSource.REFERRAL: 8,
    LeadSource.PARTNER: 6,
    LeadSource.OTHER: 9,
}
# Sources where a person becomes known by filling in a form on the website.
_FORM_SOURCES = {
    LeadSource.ORGANIC_SEARCH,
    LeadSource.DIRECT,
    LeadSource.PAID_SEARCH,
    LeadSource.SOCIAL,
    LeadSource.EMAIL,
}

# Company name parts: "North" + "wind" + " Analytics".
_NAME_PREFIXES = (
    "North", "Blue", "Bright", "Silver", "Green", "Red", "Summit", "Harbor", "Iron", "Cedar",
    "Pine", "Maple", "Oak", "River", "Stone", "Sun", "Star", "Nova", "Apex", "Vertex", "Clear",
    "True", "Swift", "Bold", "Prime", "Core", "Peak", "Lake", "Cloud", "Quantum", "Atlas",
    "Orion", "Polar", "Golden", "Crystal", "Urban", "Hyper", "Alpine", "Coastal", "Ever",
)  # fmt: skip
_NAME_CORES = (
    "wind", "field", "ridge", "stone", "bridge", "path", "light", "wave", "point", "gate",
    "view", "works", "line", "forge", "leaf", "crest", "brook", "haven", "mark", "shore",
    "spring", "well", "wood", "base", "stack", "loop", "grid", "vale", "port", "side",
)  # fmt: skip

# Technologies seen on companies' websites (what enrichment tools report).
_CRMS = ("Salesforce", "HubSpot", "Microsoft Dynamics 365", "Pipedrive", "Zoho CRM")
_MARKETING_AUTOMATION = ("Marketo", "HubSpot Marketing Hub", "Pardot", "Mailchimp", "Braze")
_OTHER_TECH = (
    "AWS", "Google Cloud", "Azure", "Snowflake", "Segment", "Google Analytics", "Zendesk",
    "Intercom", "Slack", "Outreach", "Salesloft", "Gong", "Shopify", "Stripe", "Mixpanel",
    "Amplitude", "Looker", "Tableau", "dbt", "BigQuery", "WordPress", "Zoom", "Jira",
    "6sense", "ZoomInfo", "Workday", "SAP", "Okta",
)  # fmt: skip


# --- Reference data: what contacts do ----------------------------------------------------------

_BLOG_POSTS = (
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
_PRODUCT_PAGES = (
    ("/product", "Product tour"),
    ("/product/scoring", "Predictive lead scoring"),
    ("/product/routing", "Lead routing"),
    ("/product/integrations", "Integrations"),
    ("/product/integrations/salesforce", "Salesforce integration"),
    ("/product/reports", "Funnel reports"),
    ("/product/security", "Security and compliance"),
    ("/customers", "Customer stories"),
)
_DOCS_PAGES = (
    ("/docs/getting-started", "Getting started"),
    ("/docs/scoring-rules", "Scoring rules"),
    ("/docs/api", "REST API reference"),
    ("/docs/webhooks", "Webhooks"),
    ("/docs/import-contacts", "Importing contacts"),
    ("/docs/sso", "Single sign-on"),
)
_CAREERS_PAGES = (
    ("/careers", "Careers"),
    ("/careers/software-engineer", "Software Engineer"),
    ("/careers/account-executive", "Account Executive"),
    ("/careers/customer-success-manager", "Customer Success Manager"),
    ("/careers/marketing-intern", "Marketing Intern"),
)
# Page-view channels and their pages.
_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "blog": _BLOG_POSTS,
    "careers": _CAREERS_PAGES,
    "docs": _DOCS_PAGES,
    "product": _PRODUCT_PAGES,
    "pricing": (("/pricing", "Pricing"),),
}
_CAMPAIGNS = (
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
_ASSETS = (
    "State of Lead Scoring 2026 report",
    "ROI calculator",
    "MQL to SQL playbook",
    "Lead routing checklist",
    "Buyer's guide to predictive scoring",
    "Salesforce integration guide",
)
_WEBINARS = (
    "Scoring leads that sales actually trusts",
    "From MQL to pipeline: a RevOps panel",
    "Predictive vs rule-based scoring",
    "Routing inbound leads in under five minutes",
)
_CHAT_TOPICS = (
    "Pricing question",
    "Salesforce integration",
    "Security review",
    "Support",
    "Job application",
    "Demo follow-up",
)
_MEETING_TYPES = ("Discovery call", "Product demo", "Technical deep-dive", "Pricing review")
_TRIAL_PLANS = ("Starter", "Growth", "Enterprise")
_LOST_REASONS = (
    "No budget",
    "Chose a competitor",
    "No decision",
    "Timing",
    "Not a fit",
    "Went dark",
)


@dataclass(frozen=True)
class _Channel:
    """One kind of thing a contact does, and how its frequency depends on propensity."""

    name: str
    weight_low: float  # relative weight for a contact of propensity 0
    weight_high: float  # ... and of propensity 1 (interpolated in between)
    high_intent: bool  # buying signals: more frequent late in the journey
    max_per_contact: int | None = None  # one-off actions: nobody starts five free trials


_CHANNELS: tuple[_Channel, ...] = (
    _Channel("blog", 30, 16, False),
    _Channel("careers", 9, 0.5, False),
    _Channel("docs", 4, 7, False),
    _Channel("product", 5, 13, False),
    _Channel("pricing", 0.4, 8, True),
    _Channel("email_open", 24, 14, False),
    _Channel("email_click", 4, 6, False),
    # Buyers read the docs and pricing rather than gated e-books; report collectors (below)
    # download most of them.
    _Channel("content_download", 0.6, 0.3, False),
    _Channel("webinar", 0.7, 2.5, False),
    _Channel("form", 1.5, 2.5, False),
    _Channel("chat", 0.3, 1.5, True),
    _Channel("demo_request", 0.03, 1.2, True, max_per_contact=2),
    _Channel("contact_sales", 0.03, 0.8, True, max_per_contact=2),
    _Channel("free_trial", 0.03, 0.7, True, max_per_contact=1),
    _Channel("meeting", 0.01, 1.0, True, max_per_contact=3),
)
# A capped channel that is used up falls back to looking at the product again.
_FALLBACK_CHANNEL = "product"
_CHANNEL_KIND: dict[str, ActivityKind] = {
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
_CHANNEL_SOURCE: dict[str, tuple[str, str, float]] = {
    # channel: (source, external id prefix, share with an external id)
    "email_open": ("email", "msg", 0.5),
    "email_click": ("email", "msg", 0.5),
    "webinar": ("webinar", "wbn", 0.7),
    "meeting": ("calendar", "", 0.0),
}
_WEBSITE_SOURCE = ("website", "evt", 0.6)


# --- The generated world (plain data, no database) ---------------------------------------------


@dataclass(slots=True)
class DemoCompany:
    name: str
    domain: str
    industry: str
    employee_count: int
    annual_revenue: Decimal
    country: str
    region: str
    city: str
    technologies: list[str]
    is_competitor: bool = False
    owner_username: str | None = None
    contact_count: int = 0


@dataclass(slots=True)
class DemoActivity:
    kind: str
    occurred_at: datetime
    properties: dict[str, Any]
    source: str = ""
    external_id: str = ""


@dataclass(slots=True)
class DemoOutcome:
    result: str
    decided_at: datetime
    lost_reason: str = ""
    amount: Decimal | None = None
    recorded_by_username: str | None = None


@dataclass(slots=True)
class DemoContact:
    email: str
    first_name: str
    last_name: str
    job_title: str
    seniority: str
    function: str
    email_kind: str  # "company", "free" or "competitor"
    company: DemoCompany | None
    lead_source: str
    phone: str
    properties: dict[str, Any]
    # The random part of the propensity, drawn once so contact_propensity() stays pure.
    noise: float
    propensity: float = 0.0
    lifecycle_stage: str = LifecycleStage.LEAD
    stage_dates: dict[str, datetime] = field(default_factory=dict)
    unsubscribed: bool = False
    do_not_contact: bool = False
    # Downloads every gated report (students, researchers, vendors): looks engaged, rarely buys.
    collects_reports: bool = False
    activities: list[DemoActivity] = field(default_factory=list)
    outcome: DemoOutcome | None = None


@dataclass(slots=True)
class DemoWorld:
    seed: int
    now: datetime
    companies: list[DemoCompany]
    contacts: list[DemoContact]
    # Outcomes recorded on a whole account rather than on one of its contacts.
    account_outcomes: list[tuple[DemoCompany, DemoOutcome]]

    @property
    def activity_count(self) -> int:
        return sum(len(contact.activities) for contact in self.contacts)


# --- Propensity: pure functions of a generated contact -----------------------------------------


def _size_fit(employee_count: int | None) -> float:
    """Mid-market buys fastest; micro companies rarely need scoring, enterprises buy slowly."""
    if employee_count is None:
        return 0.3
    if employee_count <= 10:
        return 0.15
    if employee_count <= 50:
        return 0.45
    if employee_count <= 200:
        return 0.8
    if employee_count <= 1000:
        return 1.0
    if employee_count <= 5000:
        return 0.9
    return 0.7


def contact_fit(
    *,
    seniority: str,
    function: str,
    employee_count: int | None,
    industry: str,
    email_kind: str,
) -> float:
    """
    How well a person matches the buyer of a lead-scoring product, 0..1, from facts a scoring
    model can see: title seniority and function, company size and industry, kind of address.
    """
    industry_fit = _INDUSTRY_BY_NAME[industry].fit if industry in _INDUSTRY_BY_NAME else 0.4
    mail_fit = 1.0 if email_kind == "company" else 0.35
    fit = (
        0.30 * _SENIORITY_FIT[seniority]
        + 0.20 * _FUNCTION_FIT[function]
        + 0.20 * _size_fit(employee_count)
        + 0.15 * industry_fit
        + 0.15 * mail_fit
    )
    # Students and competitors may be very engaged readers, but they do not buy.
    if seniority == "student":
        fit *= 0.25
    if email_kind == "competitor":
        fit *= 0.1
    return fit


def propensity_from_fit(fit: float, noise: float) -> float:
    """
    The hidden chance-to-buy, 0..1: a logistic curve of fit plus noise, so fit explains most but
    not all of it, as in real funnels. Centred above the typical fit, so the average contact's
    propensity is about 0.4 and only good fits are likely buyers.
    """
    return 1.0 / (1.0 + math.exp(-(6.0 * (fit - 0.75) + noise)))


def contact_propensity(contact: DemoContact) -> float:
    """The hidden propensity of a generated contact (pure: same contact, same value)."""
    company = contact.company
    fit = contact_fit(
        seniority=contact.seniority,
        function=contact.function,
        employee_count=company.employee_count if company else None,
        industry=company.industry if company else "",
        email_kind=contact.email_kind,
    )
    return propensity_from_fit(fit, contact.noise)


# --- Generation ---------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float] | dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _ascii_slug(text: str) -> str:
    """'Chloé O'Brien' -> 'chloeobrien', for email local parts and domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class _WorldBuilder:
    """Builds a DemoWorld; holds the one random generator and what must stay unique."""

    def __init__(self, *, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now
        self.used_domains: set[str] = set(COMPETITOR_DOMAINS) | set(FREE_MAIL_DOMAINS)
        self.used_emails: set[str] = set()  # lower-cased: emails are unique whatever their case
        self.next_event_number = 1
        self.country_weights = [country.weight for country in _COUNTRIES]
        self.industry_weights = [industry.weight for industry in _INDUSTRIES]

    # Companies

    def company(self) -> DemoCompany:
        rng = self.rng
        industry = rng.choices(_INDUSTRIES, weights=self.industry_weights)[0]
        country = rng.choices(_COUNTRIES, weights=self.country_weights)[0]
        region, cities = rng.choice(country.regions)
        # Log-triangular size: most prospects are small, a long tail reaches 50k employees.
        employee_count = min(50_000, max(1, round(10 ** rng.triangular(0, 4.7, 1.2))))
        revenue = employee_count * industry.revenue_per_employee * rng.lognormvariate(0, 0.35)
        # Revenue as enrichment tools report it: rounded to thousands; unknown for some.
        annual_revenue = (
            Decimal(round(revenue, -3)).quantize(Decimal("0.01")) if rng.random() < 0.9 else None
        )
        base = rng.choice(_NAME_PREFIXES) + rng.choice(_NAME_CORES)
        word = rng.choice(industry.name_words)
        name = f"{base} {word}"
        return DemoCompany(
            name=name,
            domain=self.domain(base, word, industry, country),
            industry=industry.name,
            employee_count=employee_count,
            annual_revenue=annual_revenue,
            country=country.name,
            region=region,
            city=rng.choice(cities),
            technologies=self.technologies(employee_count),
        )

    def domain(self, base: str, word: str, industry: _Industry, country: _Country) -> str:
        rng = self.rng
        if industry.name == "Government":
            tld = {"United States": "gov", "United Kingdom": "gov.uk"}.get(
                country.name, country.tld
            )
        elif industry.name == "Education":
            tld = {"United States": "edu", "United Kingdom": "ac.uk"}.get(country.name, country.tld)
        elif industry.name == "Nonprofit":
            tld = "org"
        elif industry.name == "Software" and rng.random() < 0.3:
            tld = "io"
        else:
            # Outside the US many companies still use .com.
            tld = country.tld if rng.random() < 0.6 else "com"
        stems = [_ascii_slug(base), _ascii_slug(base + word), _ascii_slug(base) + "hq"]
        for stem in stems:
            candidate = normalize_domain(f"{stem}.{tld}")
            if candidate not in self.used_domains:
                self.used_domains.add(candidate)
                return candidate
        number = 2
        while f"{stems[0]}{number}.{tld}" in self.used_domains:
            number += 1
        candidate = normalize_domain(f"{stems[0]}{number}.{tld}")
        self.used_domains.add(candidate)
        return candidate

    def technologies(self, employee_count: int) -> list[str]:
        rng = self.rng
        tech: list[str] = []
        # Bigger companies have more tools; most have one CRM and maybe marketing automation.
        if rng.random() < 0.35 + 0.1 * math.log10(employee_count):
            crm = rng.choices(_CRMS, weights=(40, 30, 12, 10, 8))[0]
            tech.append(crm)
        if rng.random() < 0.2 + 0.1 * math.log10(employee_count):
            tech.append(rng.choices(_MARKETING_AUTOMATION, weights=(30, 25, 20, 15, 10))[0])
        extra = min(len(_OTHER_TECH), int(rng.uniform(0, 2 + 2 * math.log10(employee_count))))
        tech.extend(rng.sample(_OTHER_TECH, extra))
        return tech

    def competitor_companies(self) -> list[DemoCompany]:
        rng = self.rng
        companies = []
        for domain in COMPETITOR_DOMAINS:
            employee_count = rng.randint(15, 600)
            companies.append(
                DemoCompany(
                    name=_COMPETITOR_NAMES[domain],
                    domain=domain,
                    industry="Software",
                    employee_count=employee_count,
                    annual_revenue=Decimal(employee_count * 180_000),
                    country="United States",
                    region="California",
                    city="San Francisco",
                    technologies=["Salesforce", "Segment", "AWS", "Snowflake"],
                    is_competitor=True,
                )
            )
        return companies

    def assign_owners(self, companies: list[DemoCompany]) -> None:
        """Reps own the bigger accounts (named accounts); most small ones have no owner yet."""
        rng = self.rng
        for company in companies:
            if company.is_competitor:
                continue
            if company.employee_count >= 1000:
                chance = 0.85
            elif company.employee_count >= 200:
                chance = 0.5
            else:
                chance = 0.12
            if rng.random() < chance:
                company.owner_username = rng.choice(_REP_USERNAMES)

    # Contacts

    def contact(
        self, *, company: DemoCompany | None, email_kind: str, country: _Country
    ) -> DemoContact:
        rng = self.rng
        # Mostly local names, with an international mix.
        culture = (
            country.cultures[0]
            if rng.random() < 0.6
            else rng.choice(country.cultures + tuple(_NAMES))
        )
        first_names, last_names = _NAMES[culture]
        first_name, last_name = rng.choice(first_names), rng.choice(last_names)
        seniority, job_title, function = self.title(company)
        email = self.email(first_name, last_name, company, email_kind)
        # Messy CRM data: some names typed lower-case, some without a last name.
        roll = rng.random()
        if roll < 0.03:
            first_name, last_name = first_name.lower(), last_name.lower()
        elif roll < 0.05:
            last_name = ""
        lead_source = _weighted(rng, _LEAD_SOURCE_WEIGHTS)
        return DemoContact(
            email=email,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title,
            seniority=seniority,
            function=function,
            email_kind=email_kind,
            company=company,
            lead_source=lead_source,
            phone=self.phone(country),
            properties=self.custom_properties(country, lead_source),
            noise=rng.gauss(0.0, 0.8),
        )

    def title(self, company: DemoCompany | None) -> tuple[str, str, str]:
        """(seniority, job title, function)."""
        rng = self.rng
        if rng.random() < 0.03:
            return "unknown", "", "unknown"  # plenty of real contacts have no title
        size = company.employee_count if company else 50
        band = "tiny" if size <= 10 else "small" if size <= 200 else "large"
        seniority = _weighted(rng, _SENIORITY_WEIGHTS[band])
        job_title, function = rng.choice(_TITLES[seniority])
        if rng.random() < 0.04:
            job_title = job_title.lower()  # typed by hand into a form
        return seniority, job_title, function

    def email(
        self, first_name: str, last_name: str, company: DemoCompany | None, email_kind: str
    ) -> str:
        rng = self.rng
        first, last = _ascii_slug(first_name), _ascii_slug(last_name)
        if email_kind == "free":
            domain = _weighted(rng, FREE_MAIL_DOMAINS)
            local = rng.choice(
                (
                    f"{first}.{last}",
                    f"{first}{last}{rng.randint(1, 99)}",
                    f"{first[0]}{last}{rng.randint(60, 99)}",
                    f"{first}_{last}",
                )
            )
        else:
            assert company is not None
            domain = company.domain
            patterns = [f"{first}.{last}", f"{first[0]}{last}", f"{first}{last[0]}"]
            weights = [60, 25, 7]
            if company.employee_count <= 200:  # small companies hand out first-name addresses
                patterns.append(first)
                weights.append(8)
            local = rng.choices(patterns, weights=weights)[0]
        if rng.random() < 0.04:
            # Addresses typed with capitals; the unique constraint ignores case, and so must we.
            local = ".".join(part.capitalize() for part in local.split("."))
        candidate, number = local, 2
        while f"{candidate}@{domain}".lower() in self.used_emails:
            candidate = f"{local}{number}"
            number += 1
        email = f"{candidate}@{domain}"
        self.used_emails.add(email.lower())
        return email

    def phone(self, country: _Country) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return ""
        if country.phone_code == "+1":
            # 555-01xx is reserved for fiction in North America.
            number = f"{rng.randint(201, 989)}-555-01{rng.randint(0, 99):02d}"
            return number if rng.random() < 0.3 else f"+1 {number}"
        if country.name == "United Kingdom":
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"  # Ofcom's drama range
        digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
        return f"{country.phone_code} {digits[:3]} {digits[3:6]} {digits[6:]}"

    def custom_properties(self, country: _Country, lead_source: str) -> dict[str, Any]:
        """Free-form CRM fields, with the placeholders ("Select", "") real CRMs are full of."""
        rng = self.rng
        properties: dict[str, Any] = {}
        if rng.random() < 0.8:
            properties["preferred_language"] = rng.choices(
                (country.language, "English", "", "Select"), weights=(70, 15, 10, 5)
            )[0]
        if rng.random() < 0.7:
            properties["newsletter"] = rng.random() < 0.4
        if rng.random() < 0.6:
            properties["company_type"] = rng.choices(
                ("Prospect", "Partner", "Reseller", "Vendor", "Other", "Select", ""),
                weights=(60, 8, 5, 4, 5, 10, 8),
            )[0]
        if lead_source in (LeadSource.PAID_SEARCH, LeadSource.SOCIAL):
            properties["utm_campaign"] = rng.choice(
                ("brand-search", "lead-scoring-generic", "retargeting", "linkedin-revops")
            )
        return properties

    # Activities

    def activities(self, contact: DemoContact, first_seen: datetime) -> list[DemoActivity]:
        """
        The contact's activity stream from first_seen to now: more activities, more recent and
        more high-intent the higher the propensity.
        """
        rng, p = self.rng, contact.propensity
        # Gamma-distributed count: mean grows with propensity, with a long tail of heavy users.
        mean = 4.0 + 40.0 * p
        count = int(rng.gammavariate(1.5, mean / 1.5))
        window = (self.now - first_seen).total_seconds()
        # Ages as a power of a uniform: exponent > 1 bunches activity near now (engaged buyers),
        # < 1 spreads it towards first_seen (readers who drifted away).
        exponent = 0.7 + 2.3 * p
        times = sorted(
            self.now - timedelta(seconds=int(window * rng.random() ** exponent))
            for _ in range(count)
        )
        # Contacts who converted on a website form did so when they became known.
        if contact.lead_source in _FORM_SOURCES:
            times.insert(0, first_seen)

        early = self.channel_weights(p, intent_factor=0.4)
        late = self.channel_weights(p, intent_factor=1.6)
        used: dict[str, int] = {}
        activities = []
        for index, occurred_at in enumerate(times):
            if index == 0 and contact.lead_source in _FORM_SOURCES:
                name = "form"
            else:
                # High-intent actions come later in a journey: a demo after reading, not before.
                channel = rng.choices(
                    _CHANNELS, cum_weights=early if index < len(times) / 2 else late
                )[0]
                name = channel.name
                if channel.max_per_contact is not None:
                    if used.get(name, 0) >= channel.max_per_contact:
                        name = _FALLBACK_CHANNEL
                    else:
                        used[name] = used.get(name, 0) + 1
            activities.append(self.activity(name, occurred_at, p))
        activities.extend(self.collected_reports(contact, first_seen))
        activities.sort(key=lambda a: a.occurred_at)
        if contact.unsubscribed:
            self.add_unsubscribe(activities, first_seen)
        return activities

    def collected_reports(self, contact: DemoContact, first_seen: datetime) -> list[DemoActivity]:
        """
        Report collectors: students writing theses, consultants and researchers on free mail,
        vendors watching the market, and some non-buyers anywhere download every gated report
        and e-book, a few a year. They convert worse than the average lead, so a rule that gives
        points for downloads disagrees with outcomes in the backtest (the demo shows it).
        """
        rng = self.rng
        if contact.seniority == "student" or contact.email_kind == "competitor":
            chance = 0.6
        elif contact.email_kind == "free":
            chance = 0.35
        else:
            chance = 0.4 * (1 - contact.propensity) ** 2
        contact.collects_reports = rng.random() < chance
        if not contact.collects_reports:
            return []
        window = (self.now - first_seen).total_seconds()
        return [
            self.activity(
                "content_download",
                self.now - timedelta(seconds=int(window * rng.random())),
                contact.propensity,
            )
            for _ in range(rng.randint(1, 4))
        ]

    @staticmethod
    def channel_weights(p: float, *, intent_factor: float) -> list[float]:
        weights = []
        for channel in _CHANNELS:
            weight = channel.weight_low + (channel.weight_high - channel.weight_low) * p
            weights.append(weight * intent_factor if channel.high_intent else weight)
        return list(accumulate(weights))

    def activity(self, channel: str, occurred_at: datetime, p: float) -> DemoActivity:
        rng = self.rng
        properties: dict[str, Any]
        if channel in _PAGES:
            url, title = rng.choice(_PAGES[channel])
            # Buyers read product and pricing pages more carefully.
            median = 45 * (1 + p) if channel in ("product", "pricing") else 40
            duration = min(1800, max(3, int(rng.lognormvariate(math.log(median), 0.9))))
            properties = {"url": url, "title": title, "duration_seconds": duration}
        elif channel in ("email_open", "email_click"):
            properties = {"campaign": rng.choice(_CAMPAIGNS)}
            if channel == "email_click":
                properties["url"] = rng.choice(_BLOG_POSTS + _PRODUCT_PAGES)[0]
        elif channel == "content_download":
            properties = {"asset": rng.choice(_ASSETS)}
        elif channel == "webinar":
            properties = {
                "webinar": rng.choice(_WEBINARS),
                # Engaged attendees stay to the end.
                "percent_watched": min(100, max(5, int(rng.gauss(35 + 55 * p, 20)))),
            }
        elif channel == "form":
            form_name = rng.choices(
                ("newsletter", "ebook", "webinar-registration", "contact-sales"),
                weights=(3 - 2 * p, 2, 1.5, 0.1 + 1.5 * p),
            )[0]
            properties = {"form_name": form_name}
        elif channel == "demo_request":
            properties = {"form_name": "demo-request"}
        elif channel == "contact_sales":
            properties = {"form_name": "contact-sales", "topic": rng.choice(_CHAT_TOPICS[:3])}
        elif channel == "free_trial":
            properties = {"plan": rng.choices(_TRIAL_PLANS, weights=(5, 4, 1))[0]}
        elif channel == "chat":
            properties = {"topic": rng.choice(_CHAT_TOPICS), "messages": rng.randint(2, 20)}
        elif channel == "meeting":
            properties = {"meeting_type": rng.choice(_MEETING_TYPES)}
        else:
            raise ValueError(f"Unknown channel {channel!r}")
        source, prefix, share = _CHANNEL_SOURCE.get(channel, _WEBSITE_SOURCE)
        external_id = ""
        if prefix and rng.random() < share:
            external_id = f"{prefix}-{self.next_event_number}"
            self.next_event_number += 1
        elif rng.random() < 0.5:
            source = ""  # imported or logged by hand: no known source
        return DemoActivity(
            kind=_CHANNEL_KIND[channel],
            occurred_at=occurred_at,
            properties=properties,
            source=source,
            external_id=external_id,
        )

    def add_unsubscribe(self, activities: list[DemoActivity], first_seen: datetime) -> None:
        """An unsubscribe somewhere in the stream; no email is opened or clicked after it."""
        rng = self.rng
        if activities:
            at = activities[rng.randrange(len(activities))].occurred_at + timedelta(minutes=5)
        else:
            at = first_seen + (self.now - first_seen) * rng.random()
        at = min(at, self.now)
        email_kinds = (ActivityKind.EMAIL_OPEN, ActivityKind.EMAIL_CLICK)
        activities[:] = [a for a in activities if a.occurred_at < at or a.kind not in email_kinds]
        unsubscribe = DemoActivity(
            kind=ActivityKind.UNSUBSCRIBE,
            occurred_at=at,
            properties={"campaign": rng.choice(_CAMPAIGNS)},
        )
        activities.insert(bisect([a.occurred_at for a in activities], at), unsubscribe)

    # Outcomes and lifecycle

    def decided_at(self, times: list[datetime], earliest: datetime) -> datetime:
        """A decision after most of the activity (the last part may be a customer using us)."""
        rng = self.rng
        if times:
            anchor = times[int(0.85 * (len(times) - 1))]
            decided = anchor + timedelta(days=rng.uniform(1, 21))
        else:
            anchor = earliest
            decided = earliest + timedelta(days=rng.uniform(7, 90))
        if decided > self.now:
            # Recent journeys were decided recently, not all at the same instant.
            decided = anchor + (self.now - anchor) * rng.uniform(0.2, 0.95)
        return max(decided, earliest + timedelta(minutes=1))

    def outcome(
        self, *, p: float, company: DemoCompany | None, times: list[datetime], earliest: datetime
    ) -> DemoOutcome:
        rng = self.rng
        won = rng.random() < _sigmoid(7.0 * (p - 0.5))
        decided_at = self.decided_at(times, earliest)
        size = company.employee_count if company else 50
        # Annual contract value grows sub-linearly with company size.
        amount = 3000 * size**0.45 * rng.lognormvariate(0, 0.35)
        amount = Decimal(max(1200, round(amount, -2))).quantize(Decimal("0.01"))
        owner = company.owner_username if company else None
        if owner is None or rng.random() < 0.15:
            owner = _MANAGER_USERNAME if rng.random() < 0.3 else rng.choice(_REP_USERNAMES)
        if won:
            return DemoOutcome(OutcomeResult.WON, decided_at, "", amount, owner)
        # Poor fits are lost on budget and fit; good fits to competitors and timing.
        reason = rng.choices(
            _LOST_REASONS, weights=(3 - 2 * p, 1 + 2 * p, 2, 1 + 1.5 * p, 3 - 2.8 * p, 2)
        )[0]
        return DemoOutcome(
            OutcomeResult.LOST, decided_at, reason, amount if rng.random() < 0.5 else None, owner
        )

    def funnel_dates(
        self, stages: list[str], start: datetime, end: datetime
    ) -> dict[str, datetime]:
        """Dates for consecutive stages, in order, between start and end."""
        span = (end - start).total_seconds()
        offsets = sorted(self.rng.random() for _ in stages)
        return {
            STAGE_DATE_FIELDS[stage]: start + timedelta(seconds=int(span * offset))
            for stage, offset in zip(stages, offsets, strict=True)
        }

    def lifecycle(self, contact: DemoContact, first_seen: datetime) -> None:
        """Set the lifecycle stage and stage dates consistently with activities and outcome."""
        rng = self.rng
        dates: dict[str, datetime] = {}
        outcome = contact.outcome
        if outcome is not None:
            dates["lead_at"] = first_seen
            funnel = ["mql", "sal", "sql"] + (["opportunity"] if rng.random() < 0.8 else [])
            dates.update(self.funnel_dates(funnel, first_seen, outcome.decided_at))
            if outcome.result == OutcomeResult.WON:
                stage = LifecycleStage.CUSTOMER
            elif outcome.lost_reason == "Not a fit":
                stage = LifecycleStage.DISQUALIFIED
            else:
                stage = LifecycleStage.RECYCLED  # back to nurture
            dates[STAGE_DATE_FIELDS[stage]] = outcome.decided_at
        else:
            stage, dates = self.open_stage(contact, first_seen)
        contact.lifecycle_stage = stage
        contact.stage_dates = dates

    def open_stage(self, contact: DemoContact, first_seen: datetime) -> tuple[str, dict]:
        """Stage of a contact with no outcome yet, from the buying signals in their activity."""
        rng = self.rng
        kinds = [a.kind for a in contact.activities]
        first_intent = next(
            (
                a.occurred_at
                for a in contact.activities
                if a.kind
                in (
                    ActivityKind.DEMO_REQUEST,
                    ActivityKind.CONTACT_SALES,
                    ActivityKind.FREE_TRIAL_SIGNUP,
                    ActivityKind.MEETING_BOOKED,
                )
            ),
            None,
        )
        if ActivityKind.MEETING_BOOKED in kinds:
            funnel = ["mql", "sal", "sql"] + (["opportunity"] if rng.random() < 0.5 else [])
        elif ActivityKind.DEMO_REQUEST in kinds or ActivityKind.CONTACT_SALES in kinds:
            funnel = ["mql", "sal"][: rng.randint(1, 2)]
        elif ActivityKind.FREE_TRIAL_SIGNUP in kinds and rng.random() < 0.6:
            funnel = ["mql"]
        else:
            funnel = []
        if funnel and first_intent is not None:
            dates = {"lead_at": first_seen}
            dates.update(self.funnel_dates(funnel, first_intent, self.now))
            return funnel[-1], dates
        # Newsletter readers who never gave more than an email address stay subscribers.
        if contact.lead_source in (LeadSource.EMAIL, LeadSource.SOCIAL, LeadSource.ORGANIC_SEARCH):
            subscriber_chance = 0.55 - 0.4 * contact.propensity
        else:
            subscriber_chance = 0.2 - 0.15 * contact.propensity
        if rng.random() < subscriber_chance:
            return LifecycleStage.SUBSCRIBER, {"subscriber_at": first_seen}
        dates = {"lead_at": first_seen}
        if rng.random() < 0.2 and len(contact.activities) > 2:
            # Subscribed first, became a lead later (a content download, a form).
            dates = {
                "subscriber_at": first_seen,
                "lead_at": contact.activities[len(contact.activities) // 2].occurred_at,
            }
        return LifecycleStage.LEAD, dates

    def account_outcomes(
        self, companies: list[DemoCompany], contacts: list[DemoContact]
    ) -> list[tuple[DemoCompany, DemoOutcome]]:
        """A few accounts decided as a whole, won more often when their people fit better."""
        rng = self.rng
        by_company: dict[int, list[DemoContact]] = {}
        for contact in contacts:
            if contact.company is not None:
                by_company.setdefault(id(contact.company), []).append(contact)
        results = []
        for company in companies:
            people = by_company.get(id(company))
            if company.is_competitor or not people or rng.random() >= 0.06:
                continue
            p = sum(person.propensity for person in people) / len(people)
            times = sorted(a.occurred_at for person in people for a in person.activities)
            earliest = min(min(person.stage_dates.values(), default=self.now) for person in people)
            results.append(
                (company, self.outcome(p=p, company=company, times=times, earliest=earliest))
            )
        return results

    # The whole world

    def build(self, contact_count: int) -> DemoWorld:
        rng = self.rng
        company_count = max(1, round(contact_count / CONTACTS_PER_COMPANY))
        companies = [self.company() for _ in range(company_count)]
        competitors = self.competitor_companies()
        self.assign_owners(companies)
        # Bigger companies have more people in the CRM, sub-linearly.
        cum_weights = list(accumulate(company.employee_count**0.5 for company in companies))
        country_by_name = {country.name: country for country in _COUNTRIES}

        contacts: list[DemoContact] = []
        for _ in range(contact_count):
            roll = rng.random()
            email_kind = (
                "competitor"
                if roll < COMPETITOR_SHARE
                else "free"
                if roll < COMPETITOR_SHARE + FREE_MAIL_SHARE
                else "company"
            )
            company: DemoCompany | None
            if email_kind == "competitor":
                company = rng.choice(competitors)
            elif email_kind == "free" and rng.random() < 0.6:
                company = None  # a gmail address and no company given
            else:
                company = self.pick_company(companies, cum_weights)
            if company is not None:
                company.contact_count += 1
                country = country_by_name[company.country]
            else:
                country = rng.choices(_COUNTRIES, weights=self.country_weights)[0]
            contacts.append(self.contact(company=company, email_kind=email_kind, country=country))

        for contact in contacts:
            self.life(contact)
        account_outcomes = self.account_outcomes(companies, contacts)
        return DemoWorld(
            seed=self.seed,
            now=self.now,
            companies=companies + competitors,
            contacts=contacts,
            account_outcomes=account_outcomes,
        )

    def pick_company(self, companies: list[DemoCompany], cum_weights: list[float]) -> DemoCompany:
        """A company by size, avoiding more contacts than a company has employees."""
        for _ in range(10):
            company = self.rng.choices(companies, cum_weights=cum_weights)[0]
            if company.contact_count < company.employee_count:
                return company
        return company

    def life(self, contact: DemoContact) -> None:
        """Propensity, then what the contact did, how it ended and where they are now."""
        rng = self.rng
        p = contact.propensity = contact_propensity(contact)
        contact.unsubscribed = rng.random() < 0.05 - 0.04 * p
        contact.do_not_contact = rng.random() < 0.01
        first_seen = self.now - timedelta(seconds=int(rng.uniform(14, HISTORY_DAYS) * 86400))
        contact.activities = self.activities(contact, first_seen)
        # Engaged contacts reach sales more often, so more of them end won or lost; so do report
        # collectors, whose download points made them MQLs (and sales then lost them); vendors
        # researching us never become deals.
        reach_sales = 0.14 + 0.5 * p + (0.3 if contact.collects_reports else 0.0)
        if contact.email_kind != "competitor" and rng.random() < reach_sales:
            times = [a.occurred_at for a in contact.activities]
            contact.outcome = self.outcome(
                p=p, company=contact.company, times=times, earliest=first_seen
            )
        self.lifecycle(contact, first_seen)


def generate_world(*, contacts: int, seed: int = DEFAULT_SEED, now: datetime) -> DemoWorld:
    """The demo world for this seed and `now`, in memory. Pure: no database, no clock."""
    if contacts < 0:
        raise ValueError("contacts must be zero or more")
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return _WorldBuilder(seed=seed, now=now).build(contacts)


# --- Writing to the database --------------------------------------------------------------------


class _Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


class DemoDataExists(Exception):
    """Seeding would mix demo data into a database that already has contacts or companies."""


@dataclass(frozen=True)
class DemoUserLogin:
    username: str
    role: str
    # None when the user already existed: its password was left alone.
    password: str | None


@dataclass
class DemoSummary:
    seed: int
    now: datetime
    companies: int
    contacts: int
    activities: int
    outcomes_won: int
    outcomes_lost: int
    account_outcomes: int  # of the won/lost outcomes, those recorded on a company
    users: list[DemoUserLogin]
    elapsed_seconds: float
    # email -> hidden propensity; in memory only, never stored.
    propensity: dict[str, float] = field(repr=False)

    @property
    def outcomes(self) -> int:
        return self.outcomes_won + self.outcomes_lost

    def report(self) -> str:
        lines = [
            f"Seeded demo data (seed {self.seed}) in {self.elapsed_seconds:.1f} s "
            "(including on-commit work such as rescoring):",
            f"  companies:  {self.companies:,}",
            f"  contacts:   {self.contacts:,}",
            f"  activities: {self.activities:,}",
            f"  outcomes:   {self.outcomes:,} ({self.outcomes_won:,} won, "
            f"{self.outcomes_lost:,} lost; {self.account_outcomes:,} on accounts)",
            "Demo users (demo only, do not use these passwords anywhere real):",
        ]
        for user in self.users:
            password = user.password or "(existing user: password not changed)"
            lines.append(f"  {user.username:<10} {user.role:<14} {password}")
        return "\n".join(lines)


def crm_data_exists() -> bool:
    return Contact.objects.exists() or Company.objects.exists()


def delete_crm_data() -> None:
    """Delete every outcome, activity, contact and company (users are kept)."""
    # Outcomes and activities go in one plain DELETE each, bypassing Django's collector: with
    # post_delete receivers connected (scoring rescores a contact when an activity goes) it would
    # load and signal each of ~200k rows, for contacts about to be deleted anyway; the seed's
    # demo_seeded signal triggers the full rescore. Rows of other apps that point at these
    # (a score change's activity) are removed or nulled by the contact and company deletes below,
    # before the transaction commits and the deferred foreign keys are checked.
    with connection.cursor() as cursor:
        for model in (Outcome, Activity):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    Contact.objects.all().delete()
    Company.objects.all().delete()


def _say(stdout: _Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _ensure_demo_users(now: datetime) -> tuple[dict[str, Any], list[DemoUserLogin]]:
    """Create the demo users that are missing; existing users keep their password and role."""
    User = get_user_model()
    existing = {
        user.username: user
        for user in User.objects.filter(username__in=[demo.username for demo in DEMO_USERS])
    }
    users: dict[str, Any] = {}
    logins = []
    for demo in DEMO_USERS:
        user = existing.get(demo.username)
        if user is not None:
            users[demo.username] = user
            logins.append(DemoUserLogin(demo.username, demo.role.value, None))
            continue
        user = User(
            username=demo.username,
            first_name=demo.first_name,
            last_name=demo.last_name,
            email=demo.email,
            is_superuser=demo.is_superuser,
            date_joined=now,
        )
        user.set_password(demo.password)
        user.save()
        user_set_role(user=user, role=demo.role)
        users[demo.username] = user
        logins.append(DemoUserLogin(demo.username, demo.role.value, demo.password))
    return users, logins


def _outcome_row(outcome: DemoOutcome, users: dict[str, Any], **subject: Any) -> Outcome:
    recorded_by = users.get(outcome.recorded_by_username) if outcome.recorded_by_username else None
    return Outcome(
        result=outcome.result,
        decided_at=outcome.decided_at,
        lost_reason=outcome.lost_reason,
        amount=outcome.amount,
        recorded_by=recorded_by,
        **subject,
    )


def write_world(world: DemoWorld, *, users: dict[str, Any]) -> list[int]:
    """Bulk-insert the world; returns the new contacts' ids."""
    company_rows = [
        Company(
            name=company.name,
            # bulk_create() skips Company.save(), which normally normalises the domain.
            domain=normalize_domain(company.domain),
            industry=company.industry,
            employee_count=company.employee_count,
            annual_revenue=company.annual_revenue,
            country=company.country,
            region=company.region,
            city=company.city,
            technologies=company.technologies,
            account_owner=users.get(company.owner_username) if company.owner_username else None,
        )
        for company in world.companies
    ]
    Company.objects.bulk_create(company_rows, batch_size=BATCH_SIZE)
    company_ids = {
        id(company): row.pk for company, row in zip(world.companies, company_rows, strict=True)
    }

    contact_rows = [
        Contact(
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            job_title=contact.job_title,
            phone=contact.phone,
            company_id=company_ids[id(contact.company)] if contact.company else None,
            lead_source=contact.lead_source,
            lifecycle_stage=contact.lifecycle_stage,
            unsubscribed=contact.unsubscribed,
            do_not_contact=contact.do_not_contact,
            properties=contact.properties,
            **contact.stage_dates,
        )
        for contact in world.contacts
    ]
    Contact.objects.bulk_create(contact_rows, batch_size=BATCH_SIZE)
    if any(row.pk is None for row in contact_rows):
        # Databases that cannot return ids from a bulk insert: look them up by email.
        ids = dict(Contact.objects.values_list("email", "id"))
        for row in contact_rows:
            row.pk = ids[row.email]
    contact_ids = [row.pk for row in contact_rows]
    # "Created" is when the contact first showed up (their first activity or stage date),
    # spread over the demo's months, not the moment of seeding (auto_now_add set that).
    for contact, row in zip(world.contacts, contact_rows, strict=True):
        seen = [a.occurred_at for a in contact.activities] + list(contact.stage_dates.values())
        if seen:
            row.created_at = min(seen)
    Contact.objects.bulk_update(contact_rows, ["created_at"], batch_size=BATCH_SIZE)

    activity_rows = [
        Activity(
            contact_id=contact_id,
            kind=activity.kind,
            occurred_at=activity.occurred_at,
            properties=activity.properties,
            source=activity.source,
            external_id=activity.external_id,
        )
        for contact, contact_id in zip(world.contacts, contact_ids, strict=True)
        for activity in contact.activities
    ]
    Activity.objects.bulk_create(activity_rows, batch_size=BATCH_SIZE)

    outcome_rows = [
        _outcome_row(contact.outcome, users, contact_id=contact_id)
        for contact, contact_id in zip(world.contacts, contact_ids, strict=True)
        if contact.outcome is not None
    ]
    outcome_rows += [
        _outcome_row(outcome, users, company_id=company_ids[id(company)])
        for company, outcome in world.account_outcomes
    ]
    Outcome.objects.bulk_create(outcome_rows, batch_size=BATCH_SIZE)
    return contact_ids


def seed_demo(
    *,
    contacts: int,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    reset: bool = False,
    stdout: _Writer | None = None,
) -> DemoSummary:
    """
    Fill the database with a demo world of `contacts` contacts, deterministic for (seed, now).

    Refuses (DemoDataExists) when contacts or companies already exist, unless `reset` is set,
    which first deletes every outcome, activity, contact and company. Everything happens in one
    transaction, ending with the demo_seeded signal.
    """
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        if crm_data_exists():
            if not reset:
                raise DemoDataExists(
                    "The database already has contacts or companies. Use --reset to delete "
                    "them all first, or --if-empty to skip seeding when there is data."
                )
            _say(stdout, "Deleting existing outcomes, activities, contacts and companies...")
            delete_crm_data()
        world = generate_world(contacts=contacts, seed=seed, now=now)
        _say(
            stdout,
            f"Generated {len(world.contacts):,} contacts and {world.activity_count:,} activities "
            f"in {time.monotonic() - started:.1f} s; writing...",
        )
        users, logins = _ensure_demo_users(now)
        contact_ids = write_world(world, users=users)
        # bulk_create() sent no post_save: let other apps (scoring) catch up in one go.
        demo_seeded.send(sender=Contact, contact_ids=contact_ids)
        _say(stdout, f"Written in {time.monotonic() - started:.1f} s; committing...")

    outcomes = [c.outcome for c in world.contacts if c.outcome is not None]
    outcomes += [outcome for _, outcome in world.account_outcomes]
    won = sum(1 for outcome in outcomes if outcome.result == OutcomeResult.WON)
    return DemoSummary(
        seed=seed,
        now=now,
        companies=len(world.companies),
        contacts=len(world.contacts),
        activities=world.activity_count,
        outcomes_won=won,
        outcomes_lost=len(outcomes) - won,
        account_outcomes=len(world.account_outcomes),
        users=logins,
        elapsed_seconds=time.monotonic() - started,
        propensity={contact.email: contact.propensity for contact in world.contacts},
    )
