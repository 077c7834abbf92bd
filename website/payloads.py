"""
What the snippet and website forms send, checked and cleaned into bounded values. A value that
cannot be stored is an error naming its field (JSON: {"detail", "code", "errors"}).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from website.guard import Refusal, split_url
from website.tokens import TOKEN_PARAM

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Form fields never stored, whatever the form sends: secrets and payment data. Matched on the
# words of the name (user_password, cardNumber, cc-csc), not on any substring: "businessName"
# holds "ssN" and "passengers" holds "pass", and those fields are kept.
_SENSITIVE_WORDS = {
    "pass", "password", "passwd", "passcode", "pwd", "secret", "card", "cardnumber",
    "creditcard", "ccnumber", "ccnum", "cvc", "cvv", "csc", "iban", "ssn", "csrf",
    "csrfmiddlewaretoken", "csrftoken",
}  # fmt: skip
_CARD_PARTS = {"number", "num", "csc", "exp"}  # with "cc": cc-number, cc_exp...


def is_sensitive_field(name: str) -> bool:
    """Whether a form field's name says it holds a secret or payment data."""
    words = re.findall(r"[a-z]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower())
    return bool(_SENSITIVE_WORDS.intersection(words)) or (
        "cc" in words and bool(_CARD_PARTS.intersection(words))
    )


# Form field names (lower-cased, "-" and " " read as "_") -> contact field.
_CONTACT_FIELD_NAMES = {
    "email": "email",
    "email_address": "email",
    "e_mail": "email",
    "first_name": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "family_name": "last_name",
    "surname": "last_name",
    "name": "name",
    "full_name": "name",
    "job_title": "job_title",
    "jobtitle": "job_title",
    "title": "job_title",
    "phone": "phone",
    "phone_number": "phone",
    "tel": "phone",
}
_CONTACT_LIMITS = {"first_name": 100, "last_name": 100, "job_title": 200, "phone": 50}
# Reserved names the snippet adds to a captured form.
VISITOR_FIELD, PAGE_FIELD, SUBMISSION_FIELD = "ls_vid", "ls_url", "ls_sid"
MAX_FORM_FIELDS = 50
MAX_FIELD_CHARS = 2000


def clean_text(value: Any, limit: int) -> str:
    """Text without control characters (PostgreSQL refuses NUL), cut to `limit` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return _CONTROL.sub("", value).strip()[:limit]


def _origin_of(parts) -> str:
    return f"{parts.scheme}://{parts.netloc}".lower()


def clean_page_url(value: Any, *, origin: str, name: str = "url") -> str:
    """
    An http(s) URL on the caller's origin, without the identify token and the fragment. Long
    URLs are cut at 2,000 characters rather than refused: the page view still counts.
    """
    url = clean_text(value, 8000)
    parts = split_url(url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refusal(400, "invalid", "Invalid page URL.", errors={name: ["An http(s) URL."]})
    if origin and _origin_of(parts) != origin.lower():
        raise Refusal(
            400,
            "invalid",
            "The page is not on the sending origin.",
            errors={name: [f"Must be on {origin}."]},
        )
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != TOKEN_PARAM]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))[:2000]


def utm_of(url: str) -> dict[str, str]:
    query = dict(parse_qsl(urlsplit(url).query))
    return {k: clean_text(query[k], 200) for k in UTM_KEYS if query.get(k)}


def clean_visitor_id(value: Any) -> str:
    """The snippet's cookie id: 16 to 64 URL-safe characters, or "" when absent."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _VISITOR_ID.match(value):
        raise Refusal(
            400,
            "invalid",
            "Invalid visitor id.",
            errors={"visitor_id": ["16 to 64 letters, digits, '-' or '_'."]},
        )
    return value


@dataclass(frozen=True)
class PageViewPayload:
    visitor_id: str
    url: str
    path: str
    title: str
    referrer: str
    utm: dict[str, str]
    consent: bool
    token: str


def page_view_payload(data: Mapping[str, Any], *, origin: str) -> PageViewPayload:
    """The snippet's page view: {"v", "url", "title", "referrer", "consent", "t"}."""
    visitor_id = clean_visitor_id(data.get("v"))
    if not visitor_id:
        raise Refusal(400, "invalid", "Missing visitor id.", errors={"v": ["Required."]})
    url = clean_page_url(data.get("url"), origin=origin)
    referrer = clean_text(data.get("referrer"), 2000)
    referrer_parts = split_url(referrer) if referrer else None
    if referrer_parts is None or referrer_parts.scheme not in ("http", "https"):
        referrer = ""
    token = data.get("t")
    return PageViewPayload(
        visitor_id=visitor_id,
        url=url,
        path=urlsplit(url).path[:1000] or "/",
        title=clean_text(data.get("title"), 300),
        referrer=referrer,
        utm=utm_of(url),
        consent=data.get("consent") is True,
        token=token if isinstance(token, str) else "",
    )


@dataclass
class FormPayload:
    email: str
    contact_fields: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    page_url: str = ""
    visitor_id: str = ""
    submission_id: str = ""
    honeypot_filled: bool = False


def _scalar(value: Any) -> str | None:
    """A form value as text: lists (checkbox groups) joined; objects are not form values."""
    if isinstance(value, list | tuple):
        parts = [_scalar(v) for v in value]
        return ", ".join(p for p in parts if p) if None not in parts else None
    if isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def form_payload(data: Mapping[str, Any], *, honeypot: str, origin: str) -> FormPayload:
    """A website form's fields: the contact's (email required) and the rest as properties."""
    if len(data) > MAX_FORM_FIELDS + 5:
        raise Refusal(400, "invalid", f"A form sends at most {MAX_FORM_FIELDS} fields.")
    errors: dict[str, list[str]] = {}
    payload = FormPayload(email="")
    names: dict[str, str] = {}
    for raw_name, raw_value in data.items():
        name = clean_text(raw_name, 100)
        value = _scalar(raw_value)
        if value is None:
            errors[name or "?"] = ["A text value (or a list of them)."]
            continue
        if name == honeypot:
            payload.honeypot_filled = bool(value.strip())
            continue
        if name == VISITOR_FIELD:
            # A damaged cookie must not lose the lead; the visitor is just not linked.
            with contextlib.suppress(Refusal):
                payload.visitor_id = clean_visitor_id(value)
            continue
        if name == SUBMISSION_FIELD:
            payload.submission_id = clean_text(value, 64)
            continue
        if name == PAGE_FIELD:
            try:
                payload.page_url = clean_page_url(value, origin=origin, name=PAGE_FIELD)
            except Refusal:
                payload.page_url = ""
            continue
        if not name or is_sensitive_field(name):
            continue
        target = _CONTACT_FIELD_NAMES.get(re.sub(r"[\s-]+", "_", name.lower()))
        if target and not names.get(target):
            names[target] = value.strip()
            continue
        if len(payload.fields) < MAX_FORM_FIELDS:
            payload.fields[name] = clean_text(value, MAX_FIELD_CHARS)
    if payload.honeypot_filled:
        return payload
    payload.email = clean_text(names.pop("email", ""), 300)
    try:
        validate_email(payload.email)
        if len(payload.email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        errors["email"] = ["Enter a valid email address."]
    full_name = names.pop("name", "")
    if full_name and not (names.get("first_name") or names.get("last_name")):
        first, _, last = full_name.partition(" ")
        names["first_name"], names["last_name"] = first, last.strip()
    for target, value in names.items():
        value = clean_text(value, 10_000)
        if len(value) > _CONTACT_LIMITS[target]:
            errors[target] = [f"At most {_CONTACT_LIMITS[target]} characters."]
        elif value:
            payload.contact_fields[target] = value
    if errors:
        raise Refusal(400, "invalid", "Please correct the fields shown.", errors=errors)
    return payload
