"""
How a contact is recognised: one email normaliser, one domain normaliser, one sane date range.

Pure functions (no ORM), importable from anywhere. Python computes the normalised email and
stores it (Contact.email_normalized); the database only compares stored strings, so Python
and PostgreSQL never disagree about case ("İ" lower-cases differently in each).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from contacts.domains import FREE_MAIL_DOMAINS, PLACEHOLDER_DOMAINS, PLACEHOLDER_SUFFIXES

# Dates outside this range are refused on the way in (CSV, API): older or later than any real
# lead event, and far enough from datetime's limits that no offset or time zone overflows.
DATE_MIN = datetime(1900, 1, 1, tzinfo=UTC)
DATE_MAX = datetime(2200, 1, 1, tzinfo=UTC)


def normalize_email(value: str | None) -> str:
    """
    The form emails are compared in: trimmed, Unicode NFC, lower-cased with Python's rules.
    'Ada.İnce@Example.COM ' -> 'ada.i̇nce@example.com'. An empty value stays empty.
    """
    text = unicodedata.normalize("NFC", (value or "").strip())
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    return f"{local.lower()}@{domain.lower().rstrip('.')}"


def normalize_domain(value: str | None) -> str:
    """
    'https://user@www.Example.com:8443/about?x#y' -> 'example.com'; an email gives its domain.
    Scheme, credentials, port, path, query, fragment, 'www.' and a trailing dot are dropped.
    """
    domain = unicodedata.normalize("NFC", (value or "").strip()).lower()
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain).removeprefix("//")
    domain = re.split(r"[/?#\\]", domain, maxsplit=1)[0]
    domain = domain.rsplit("@", 1)[-1]
    # Drop the port; an IPv6 literal keeps its colons.
    host, bracket, _ = domain.partition("]")
    domain = host + bracket if domain.startswith("[") else domain.split(":", 1)[0]
    return domain.strip().removeprefix("www.").rstrip(".")


def email_domain(email: str | None) -> str:
    """The normalised domain of an email address ('' when it has none)."""
    text = normalize_email(email)
    return normalize_domain(text.rsplit("@", 1)[1]) if "@" in text else ""


def not_business_domain_reason(domain: str) -> str:
    """
    Why an email domain does not say which company the person works for ('' when it does):
    a free-mail provider, a placeholder or test domain (example.com, test.com, *.test,
    *.invalid...), or no domain. Said to the user when a company is left unlinked.
    """
    domain = normalize_domain(domain)
    if not domain or "." not in domain:
        return f"'{domain}' is not a web domain" if domain else "there is no email domain"
    if domain in FREE_MAIL_DOMAINS:
        return f"{domain} is a free-mail provider"
    if domain in PLACEHOLDER_DOMAINS or any(
        domain == s.lstrip(".") or domain.endswith(s) for s in PLACEHOLDER_SUFFIXES
    ):
        return f"{domain} is a placeholder or test domain"
    return ""


def date_in_range(moment: datetime) -> bool:
    """Whether an aware datetime lies in the sane range [DATE_MIN, DATE_MAX)."""
    return DATE_MIN <= moment < DATE_MAX


def date_range_error(moment: datetime) -> str | None:
    """A message for a datetime outside the sane range, else None."""
    if date_in_range(moment):
        return None
    return (
        f"{moment.isoformat()} is outside the accepted range "
        f"({DATE_MIN:%Y-%m-%d} to {DATE_MAX:%Y-%m-%d}, after its offset is applied)."
    )
