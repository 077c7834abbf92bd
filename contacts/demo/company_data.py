"""
Reference data for the demo's companies: competitors and free-mail providers, industries (with
how well each buys), countries with their regions and cities, company name parts and the
technologies enrichment tools report.
"""

from __future__ import annotations

from dataclasses import dataclass

# Vendors of lead-scoring software: people writing from these domains are researching us, not
# buying. Scoring can use this list to discount them.
COMPETITOR_DOMAINS: tuple[str, ...] = (
    "pipelinepro.io",
    "scorely.com",
    "leadrankr.com",
    "mqlmachine.io",
)
COMPETITOR_NAMES: dict[str, str] = {
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


@dataclass(frozen=True)
class Industry:
    name: str
    weight: int
    # How well the industry buys lead scoring: B2B funnels with marketing teams fit best.
    fit: float
    # Median annual revenue per employee in USD, so revenue stays consistent with size.
    revenue_per_employee: int
    # Words that end a company name in this industry ("Northwind Health").
    name_words: tuple[str, ...]


# fmt: off
INDUSTRIES: tuple[Industry, ...] = (
    # name, weight, fit, revenue per employee, name words
    Industry("Software", 22, 1.0, 210_000,
              ("Labs", "Software", "Systems", "Analytics", "AI", "Cloud")),
    Industry("Financial services", 10, 0.8, 320_000,
              ("Capital", "Financial", "Bank", "Insurance", "Payments", "Wealth")),
    Industry("Healthcare", 9, 0.55, 150_000,
              ("Health", "Medical", "Clinics", "Care", "Therapeutics", "Diagnostics")),
    Industry("Manufacturing", 9, 0.55, 260_000,
              ("Industries", "Manufacturing", "Components", "Robotics", "Materials")),
    Industry("Retail", 7, 0.55, 180_000,
              ("Retail", "Goods", "Outfitters", "Market", "Stores", "Brands")),
    Industry("Education", 6, 0.35, 90_000,
              ("Academy", "Learning", "Institute", "College", "School")),
    Industry("Government", 4, 0.25, 120_000,
              ("County", "City Council", "Agency", "Authority", "Board")),
    Industry("Media", 6, 0.7, 200_000,
              ("Media", "Studios", "Publishing", "News", "Digital", "Press")),
    Industry("Telecommunications", 5, 0.7, 400_000,
              ("Telecom", "Networks", "Communications", "Mobile", "Fiber")),
    Industry("Consulting", 8, 0.8, 170_000,
              ("Consulting", "Advisors", "Partners", "Group", "Strategy")),
    Industry("Nonprofit", 4, 0.25, 70_000,
              ("Foundation", "Trust", "Alliance", "Initiative", "Society")),
    Industry("Logistics", 4, 0.6, 230_000,
              ("Logistics", "Freight", "Shipping", "Transport", "Cargo")),
    Industry("Energy", 3, 0.5, 450_000,
              ("Energy", "Power", "Solar", "Renewables", "Utilities")),
    Industry("Real estate", 3, 0.5, 250_000,
              ("Properties", "Realty", "Estates", "Homes", "Living")),
)
# fmt: on
INDUSTRY_BY_NAME: dict[str, Industry] = {industry.name: industry for industry in INDUSTRIES}


@dataclass(frozen=True)
class Country:
    name: str
    weight: int
    tld: str
    phone_code: str
    language: str
    # Name pools for people there, the local one first (see people_data.NAMES).
    cultures: tuple[str, ...]
    # (region or state, cities)
    regions: tuple[tuple[str, tuple[str, ...]], ...]


# fmt: off
COUNTRIES: tuple[Country, ...] = (
    # name, weight, TLD, phone code, language, name cultures, (region, cities)
    Country("United States", 34, "com", "+1", "English", ("en", "es", "in", "zh"), (
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
    Country("United Kingdom", 10, "co.uk", "+44", "English", ("en", "in", "fr"), (
        ("England", ("London", "Manchester", "Bristol", "Leeds")),
        ("Scotland", ("Edinburgh", "Glasgow")),
        ("Wales", ("Cardiff",)),
    )),
    Country("Germany", 8, "de", "+49", "German", ("de", "en"), (
        ("Berlin", ("Berlin",)),
        ("Bavaria", ("Munich", "Nuremberg")),
        ("Hamburg", ("Hamburg",)),
        ("Hesse", ("Frankfurt",)),
        ("North Rhine-Westphalia", ("Cologne", "Düsseldorf")),
    )),
    Country("France", 6, "fr", "+33", "French", ("fr", "en"), (
        ("Île-de-France", ("Paris",)),
        ("Auvergne-Rhône-Alpes", ("Lyon", "Grenoble")),
        ("Occitanie", ("Toulouse", "Montpellier")),
        ("Provence-Alpes-Côte d'Azur", ("Marseille", "Nice")),
    )),
    Country("Canada", 5, "ca", "+1", "English", ("en", "fr", "zh", "in"), (
        ("Ontario", ("Toronto", "Ottawa", "Waterloo")),
        ("Quebec", ("Montreal", "Quebec City")),
        ("British Columbia", ("Vancouver", "Victoria")),
    )),
    Country("Netherlands", 4, "nl", "+31", "Dutch", ("nl", "en"), (
        ("North Holland", ("Amsterdam", "Haarlem")),
        ("South Holland", ("Rotterdam", "The Hague")),
        ("Utrecht", ("Utrecht",)),
    )),
    Country("Australia", 4, "com.au", "+61", "English", ("en", "zh", "in"), (
        ("New South Wales", ("Sydney",)),
        ("Victoria", ("Melbourne",)),
        ("Queensland", ("Brisbane",)),
    )),
    Country("India", 6, "in", "+91", "English", ("in",), (
        ("Karnataka", ("Bengaluru",)),
        ("Maharashtra", ("Mumbai", "Pune")),
        ("Telangana", ("Hyderabad",)),
        ("Delhi", ("New Delhi",)),
    )),
    Country("Brazil", 4, "com.br", "+55", "Portuguese", ("pt",), (
        ("São Paulo", ("São Paulo", "Campinas")),
        ("Rio de Janeiro", ("Rio de Janeiro",)),
        ("Minas Gerais", ("Belo Horizonte",)),
    )),
    Country("Spain", 3, "es", "+34", "Spanish", ("es",), (
        ("Community of Madrid", ("Madrid",)),
        ("Catalonia", ("Barcelona",)),
        ("Valencian Community", ("Valencia",)),
    )),
    Country("Sweden", 3, "se", "+46", "Swedish", ("sv", "en"), (
        ("Stockholm County", ("Stockholm",)),
        ("Västra Götaland", ("Gothenburg",)),
        ("Skåne", ("Malmö",)),
    )),
    Country("Japan", 3, "co.jp", "+81", "Japanese", ("ja",), (
        ("Tokyo", ("Tokyo",)),
        ("Osaka", ("Osaka",)),
        ("Kanagawa", ("Yokohama",)),
    )),
    Country("Ireland", 2, "ie", "+353", "English", ("en",), (
        ("Leinster", ("Dublin",)),
        ("Munster", ("Cork",)),
    )),
    Country("Singapore", 2, "sg", "+65", "English", ("zh", "in", "en"), (
        ("Singapore", ("Singapore",)),
    )),
)
# fmt: on

# Company name parts: "North" + "wind" + " Analytics".
NAME_PREFIXES = (
    "North", "Blue", "Bright", "Silver", "Green", "Red", "Summit", "Harbor", "Iron", "Cedar",
    "Pine", "Maple", "Oak", "River", "Stone", "Sun", "Star", "Nova", "Apex", "Vertex", "Clear",
    "True", "Swift", "Bold", "Prime", "Core", "Peak", "Lake", "Cloud", "Quantum", "Atlas",
    "Orion", "Polar", "Golden", "Crystal", "Urban", "Hyper", "Alpine", "Coastal", "Ever",
)  # fmt: skip
NAME_CORES = (
    "wind", "field", "ridge", "stone", "bridge", "path", "light", "wave", "point", "gate",
    "view", "works", "line", "forge", "leaf", "crest", "brook", "haven", "mark", "shore",
    "spring", "well", "wood", "base", "stack", "loop", "grid", "vale", "port", "side",
)  # fmt: skip

# Technologies seen on companies' websites (what enrichment tools report).
CRMS = ("Salesforce", "HubSpot", "Microsoft Dynamics 365", "Pipedrive", "Zoho CRM")
MARKETING_AUTOMATION = ("Marketo", "HubSpot Marketing Hub", "Pardot", "Mailchimp", "Braze")
OTHER_TECH = (
    "AWS", "Google Cloud", "Azure", "Snowflake", "Segment", "Google Analytics", "Zendesk",
    "Intercom", "Slack", "Outreach", "Salesloft", "Gong", "Shopify", "Stripe", "Mixpanel",
    "Amplitude", "Looker", "Tableau", "dbt", "BigQuery", "WordPress", "Zoom", "Jira",
    "6sense", "ZoomInfo", "Workday", "SAP", "Okta",
)  # fmt: skip
