"""
Signed identify tokens for links in emails: `?ls_t=<token>` on a link to the website tells
the snippet who the visitor is, so the page views before and after attach to that contact.

Signed with SECRET_KEY (django.core.signing) and dated: a forged or expired token identifies
nobody. The token carries the contact's id only, never the email.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing

from contacts.models import Contact

_SALT = "website.identify"
TOKEN_PARAM = "ls_t"


def identify_token_make(*, contact: Contact) -> str:
    """A token naming this contact, valid for WEBSITE_IDENTIFY_TOKEN_MAX_AGE_DAYS."""
    return signing.dumps({"c": contact.pk}, salt=_SALT, compress=False)


def identify_token_contact_id(token: str) -> int | None:
    """The contact id a genuine, unexpired token names, else None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    max_age = settings.WEBSITE_IDENTIFY_TOKEN_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    contact_id = data.get("c") if isinstance(data, dict) else None
    return contact_id if isinstance(contact_id, int) and contact_id > 0 else None


def identify_link(*, url: str, contact: Contact) -> str:
    """`url` with the contact's token added, for a link in an email to this contact."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != TOKEN_PARAM]
    query.append((TOKEN_PARAM, identify_token_make(contact=contact)))
    return urlunsplit(parts._replace(query=urlencode(query)))
