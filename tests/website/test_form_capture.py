"""A website form post creates or updates the contact and records its submission in one step;
a hand-raise form qualifies the lead at once; spam, bad input and other origins write nothing."""

from __future__ import annotations

import json

import pytest

from contacts.models import Activity, ActivityKind, Contact
from scoring.models import ContactScore
from tests.factories import ContactFactory

from .conftest import CHROME_UA, ORIGIN, browser_headers

pytestmark = pytest.mark.django_db


def post_json(client, form, data, *, origin=ORIGIN, **headers):
    return client.post(
        f"/w/f/{form.public_key}/",
        data=json.dumps(data),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        **browser_headers(origin, **headers),
    )


def post_html(client, form, data, *, origin=ORIGIN, **headers):
    """A plain HTML form post (urlencoded), as a browser sends it without JavaScript."""
    return client.post(
        f"/w/f/{form.public_key}/",
        data=data,
        HTTP_ORIGIN=origin,
        HTTP_USER_AGENT=CHROME_UA,
        HTTP_ACCEPT="text/html",
        **headers,
    )


def submissions():
    return Activity.objects.filter(kind=ActivityKind.FORM_SUBMISSION)


def test_a_json_post_creates_the_contact_and_records_the_submission(client, newsletter_form):
    response = post_json(
        client,
        newsletter_form,
        {
            "email": " Ada@Lovelace.example ",
            "first_name": "Ada",
            "last-name": "Lovelace",
            "Job Title": "CTO",
            "company": "Analytical Engines",
            "topics": ["ai", "scoring"],
            "password": "hunter2",
            "ls_url": f"{ORIGIN}/blog?ls_t=secret",
        },
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "redirect": None}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.last_name, contact.job_title) == (
        "Ada@Lovelace.example",
        "Ada",
        "Lovelace",
        "CTO",
    )
    activity = submissions().get()
    assert activity.contact == contact
    assert activity.source == "website-form"
    assert activity.properties["form_name"] == "newsletter"
    assert activity.properties["page_url"] == f"{ORIGIN}/blog"
    assert activity.properties["fields"] == {
        "company": "Analytical Engines",
        "topics": "ai, scoring",
    }


def test_a_hand_raise_form_qualifies_the_lead_at_once(
    client, scoring_model, contact_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, contact_form, {"email": "buyer@bigco.example", "name": "Bea Buyer"})
    contact = Contact.objects.get(email="buyer@bigco.example")
    assert (contact.first_name, contact.last_name) == ("Bea", "Buyer")
    assert contact.lifecycle_stage == "mql"
    assert ContactScore.objects.get(contact=contact).hand_raise_rule == "Contact-sales form"


def test_a_newsletter_form_scores_but_does_not_qualify(
    client, scoring_model, newsletter_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, newsletter_form, {"email": "reader@bigco.example"})
    contact = Contact.objects.get()
    assert contact.lifecycle_stage == "lead"
    assert ContactScore.objects.get(contact=contact).hand_raise_rule == ""


def test_an_existing_contact_is_updated_only_in_the_fields_the_form_filled(client, newsletter_form):
    existing = ContactFactory(email="known@acme.example", job_title="VP Sales", phone="123")
    post_json(client, newsletter_form, {"email": "KNOWN@acme.example", "phone": "", "tel": "9"})
    existing.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (existing.job_title, existing.phone) == ("VP Sales", "9")
    assert submissions().get().contact == existing


def test_a_plain_html_form_is_redirected_to_its_thank_you_page(client, contact_form):
    response = post_html(client, contact_form, {"email": "html@acme.example"})
    assert response.status_code == 303
    assert response["Location"] == "https://www.acme.example/thanks"
    assert submissions().get().contact.email == "html@acme.example"


def test_without_a_redirect_the_app_says_thank_you(client, newsletter_form):
    response = post_html(client, newsletter_form, {"email": "html@acme.example"})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()


def test_a_multipart_form_is_read_too(client, newsletter_form):
    response = client.post(
        f"/w/f/{newsletter_form.public_key}/",
        data={"email": "multi@acme.example", "note": "hi"},
        HTTP_ORIGIN=ORIGIN,
        HTTP_USER_AGENT=CHROME_UA,
    )
    assert response.status_code == 200
    assert submissions().get().properties["fields"] == {"note": "hi"}


def test_the_honeypot_drops_the_post_but_answers_like_a_success(client, contact_form):
    response = post_html(client, contact_form, {"email": "bot@spam.example", "ls_hp": "x"})
    assert response.status_code == 303
    assert not Contact.objects.exists()
    json_response = post_json(client, contact_form, {"email": "b@spam.example", "ls_hp": "y"})
    assert json_response.json()["ok"] is True
    assert not submissions().exists()


def test_an_invalid_email_is_a_field_error_as_json_or_as_a_page(client, contact_form):
    response = post_json(client, contact_form, {"email": "not-an-email", "first_name": "x" * 101})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "email": ["Enter a valid email address."],
        "first_name": ["At most 100 characters."],
    }
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    page = post_html(client, contact_form, {"email": ""})
    assert page.status_code == 400
    assert "Enter a valid email address." in page.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{broken", "application/json", 400),
        (b'"a string"', "application/json", 400),
        (b'{"email": {"nested": 1}}', "application/json", 400),
        (b"email=%ff%fe", "application/x-www-form-urlencoded", 400),
        (b"<xml/>", "application/xml", 415),
        (b'{"email": "' + b"a" * 70_000 + b'@x.example"}', "application/json", 413),
    ],
)
def test_unreadable_posts_get_a_json_error(client, contact_form, body, content_type, status):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data=body,
        content_type=content_type,
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code == status
    assert set(response.json()) >= {"detail", "code"}
    assert not Contact.objects.exists()


def test_a_form_posted_from_another_origin_is_refused(client, contact_form):
    response = post_json(
        client, contact_form, {"email": "x@acme.example"}, origin="https://evil.example"
    )
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert not Contact.objects.exists()


def test_an_unknown_or_inactive_form_key_is_refused(client, contact_form):
    contact_form.is_active = False
    contact_form.save()
    response = post_json(client, contact_form, {"email": "x@acme.example"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_key"


def test_form_posts_are_rate_limited_per_address(client, contact_form, settings):
    settings.WEBSITE_FORM_RATE = "2/min"
    codes = [
        post_json(client, contact_form, {"email": f"p{i}@acme.example"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    assert Contact.objects.count() == 2


def test_a_resent_submission_is_stored_once(client, contact_form):
    body = {"email": "twice@acme.example", "ls_sid": "abc123"}
    post_json(client, contact_form, body)
    post_json(client, contact_form, body)
    assert submissions().count() == 1
    post_json(client, contact_form, body | {"ls_sid": "other"})
    assert submissions().count() == 2
