"""
On PostgreSQL: the same new email posted by several website form submissions at the same time
(a double-clicked submit button) ends as one contact holding every submission; no post
answers 500 and none is lost.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from contacts.models import Activity, ActivityKind, Contact

from .conftest import browser_headers

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent inserts need PostgreSQL; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POSTS = 6


def test_concurrent_posts_of_a_new_email_make_one_contact(contact_form):
    statuses: list[int] = []
    errors: list[Exception] = []
    start = threading.Barrier(POSTS)

    def post(n: int) -> None:
        try:
            start.wait()
            response = Client(raise_request_exception=False).post(
                f"/w/f/{contact_form.public_key}/",
                data={"email": " Twice.Clicked@Acme-Corp.com ", "name": f"Ada L{n}"},
                HTTP_ACCEPT="application/json",
                **browser_headers(),
            )
            statuses.append(response.status_code)
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(POSTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert statuses == [200] * POSTS
    contact = Contact.objects.get(email_normalized="twice.clicked@acme-corp.com")
    assert Contact.objects.filter(email_normalized="twice.clicked@acme-corp.com").count() == 1
    submissions = Activity.objects.filter(contact=contact, kind=ActivityKind.FORM_SUBMISSION)
    assert submissions.count() == POSTS
