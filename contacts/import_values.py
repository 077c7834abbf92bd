"""
Turning CSV cells into field values: yes/no, numbers, dates (in a sane range), lead sources,
lifecycle stages, outcomes, and HubSpot enumeration codes into their labels. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from contacts.identity import date_range_error
from contacts.models import LeadSource, LifecycleStage


def _key(header: str) -> str:
    """A column name or value reduced to lower-case ASCII letters and digits."""
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


# ---- Values ------------------------------------------------------------------------------

TRUE = {"1", "true", "yes", "y", "t", "x", "on", "wahr", "oui", "ja", "si", "sí"}
FALSE = {"0", "false", "no", "n", "f", "off", "falsch", "non", "nein"}

LEAD_SOURCE_WORDS = [
    ("organic", LeadSource.ORGANIC_SEARCH),
    ("seo", LeadSource.ORGANIC_SEARCH),
    ("paidsocial", LeadSource.SOCIAL),
    ("paid", LeadSource.PAID_SEARCH),
    ("ppc", LeadSource.PAID_SEARCH),
    ("adwords", LeadSource.PAID_SEARCH),
    ("social", LeadSource.SOCIAL),
    ("linkedin", LeadSource.SOCIAL),
    ("email", LeadSource.EMAIL),
    ("newsletter", LeadSource.EMAIL),
    ("referral", LeadSource.REFERRAL),
    ("wordofmouth", LeadSource.REFERRAL),
    ("partner", LeadSource.PARTNER),
    ("event", LeadSource.EVENT),
    ("tradeshow", LeadSource.EVENT),
    ("seminar", LeadSource.EVENT),
    ("webinar", LeadSource.EVENT),
    ("conference", LeadSource.EVENT),
    ("offline", LeadSource.EVENT),
    ("direct", LeadSource.DIRECT),
    ("web", LeadSource.DIRECT),
]
STAGE_WORDS = {
    "subscriber": LifecycleStage.SUBSCRIBER,
    "lead": LifecycleStage.LEAD,
    "marketingqualifiedlead": LifecycleStage.MQL,
    "mql": LifecycleStage.MQL,
    "salesacceptedlead": LifecycleStage.SAL,
    "sal": LifecycleStage.SAL,
    "salesqualifiedlead": LifecycleStage.SQL,
    "sql": LifecycleStage.SQL,
    "opportunity": LifecycleStage.OPPORTUNITY,
    "customer": LifecycleStage.CUSTOMER,
    "evangelist": LifecycleStage.CUSTOMER,
    "recycled": LifecycleStage.RECYCLED,
    "disqualified": LifecycleStage.DISQUALIFIED,
    "unqualified": LifecycleStage.DISQUALIFIED,
    "other": LifecycleStage.LEAD,
    **{_key(label): value for value, label in LifecycleStage.choices},
}


class CellError(ValueError):
    """A cell that cannot become its field; the message names what was expected."""


def parse_bool(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise CellError(f"'{value[:40]}' is not yes/no (use 1/0, true/false).")


# What may stand around or inside a written number without changing it: a currency code
# ("USD 24,000", "24.000 EUR"), currency signs, spaces (also no-break and thin) and the
# apostrophes some countries group digits with. Anything else ("24k", "1e6", "12%", "n/a")
# is no number, rather than the digits left after dropping it (24, 16, 12).
_CURRENCY_CODE = re.compile(r"^[A-Za-z]{3}(?=[\s\d\-])|(?<=[\d\s])[A-Za-z]{3}$")
_GROUPING = re.compile(r"[\s'\u2019\u00a0\u202f$\u20ac\u00a3\u00a5]")


def parse_number(value: str) -> Decimal:
    """A number as people write it: '1,234.50', '1.234,50', '$24,000', 'USD 1 200'."""
    text = _GROUPING.sub("", _CURRENCY_CODE.sub("", value.strip()))
    if not re.fullmatch(r"[+\-]?[\d,.]*\d[\d,.]*", text):
        raise CellError(f"'{value[:40]}' is not a number.")
    if "," in text and "." in text:
        # The last separator is the decimal one: 1.234,50 or 1,234.50.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        whole, _, frac = text.rpartition(",")
        text = text.replace(",", "") if len(frac) == 3 else f"{whole.replace(',', '')}.{frac}"
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"'{value[:40]}' is not a number.") from exc
    if not number.is_finite():
        raise CellError(f"'{value[:40]}' is not a number.")
    return number


def parse_int(value: str) -> int:
    number = parse_number(value)
    if number < 0 or number > 2_147_483_647:
        raise CellError(f"'{value[:40]}' is out of range.")
    return int(number)


def parse_datetime_cell(value: str) -> datetime:
    text = value.strip().replace("Z", "+00:00") if value.strip().endswith("Z") else value.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None and re.fullmatch(r"\d{12,13}", text):  # epoch milliseconds (HubSpot)
                return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
            if day is None:
                for fmt in ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
                    try:
                        moment = datetime.strptime(text, fmt)
                        break
                    except ValueError:
                        continue
            else:
                moment = datetime.combine(day, time())
    except (ValueError, OverflowError, OSError):
        moment = None
    if moment is None:
        raise CellError(f"'{value[:40]}' is not a date (YYYY-MM-DD HH:MM:SS).")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    problem = date_range_error(moment)
    if problem:
        raise CellError(f"'{value[:40]}': {problem}")
    return moment.astimezone(UTC)


_ENUM_CODE = re.compile(r"[A-Z0-9]+(?:_[A-Z0-9]+)+|[A-Z]{4,}")
_SMALL_WORDS = {"and", "or", "of", "the", "for", "in", "to", "a", "an"}


def enum_label(value: str) -> str:
    """
    A HubSpot enumeration code as its label: 'COMPUTER_SOFTWARE' -> 'Computer Software',
    'INFORMATION_TECHNOLOGY_AND_SERVICES' -> 'Information Technology and Services'.
    Anything else is returned as it is.
    """
    text = value.strip()
    if not _ENUM_CODE.fullmatch(text):
        return value
    words = text.lower().split("_")
    return " ".join(
        w if i and w in _SMALL_WORDS else w.capitalize() for i, w in enumerate(words) if w
    )


def parse_lead_source(value: str) -> str:
    key = _key(value)
    if key in LeadSource.values:
        return key
    for word, source in LEAD_SOURCE_WORDS:
        if word in key:
            return source
    return LeadSource.OTHER


def parse_stage(value: str) -> str:
    stage = STAGE_WORDS.get(_key(value))
    if stage is None:
        raise CellError(
            f"'{value[:40]}' is not a lifecycle stage ({', '.join(LifecycleStage.values)})."
        )
    return stage


def parse_outcome(value: str) -> str | None:
    key = _key(value)
    if not key:
        return None
    if "notconverted" in key or "lost" in key or key in {"no", "0", "false", "n"}:
        return "lost"
    if "won" in key or "converted" in key or key in {"yes", "1", "true", "y", "win"}:
        return "won"
    if re.search(r"open|working|new|contact|nurtur|qualif|progress|pending", key):
        return None  # still in progress: no outcome yet
    raise CellError(f"'{value[:40]}' is not won or lost.")
