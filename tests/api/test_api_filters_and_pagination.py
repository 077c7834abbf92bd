"""Lists page with cursors and filter by stage, company, update time, grade, band and scores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from scoring.models import ContactScore
from tests.factories import CompanyFactory, ContactFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_cursor_pages_cover_every_contact_once(ops_api):
    for _ in range(7):
        ContactFactory()
    seen, url = [], "/api/v1/contacts/?page_size=3"
    while url:
        body = ops_api.get(url).json()
        seen += [c["id"] for c in body["results"]]
        url = body["next"]
        assert url is None or "cursor=" in url
    assert sorted(seen) == sorted(Contact.objects.values_list("pk", flat=True))
    assert len(seen) == 7


def test_contacts_filter_by_stage_company_and_update_time(ops_api):
    acme = CompanyFactory(domain="acme.example")
    mql = ContactFactory(lifecycle_stage="mql", company=acme)
    lead = ContactFactory(lifecycle_stage="lead")
    old = ContactFactory(lifecycle_stage="lead")
    Contact.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))

    def ids(query):
        return sorted(c["id"] for c in ops_api.get(f"/api/v1/contacts/?{query}").json()["results"])

    assert ids("lifecycle_stage=mql") == [mql.pk]
    assert ids("lifecycle_stage=mql&lifecycle_stage=lead") == sorted([mql.pk, lead.pk, old.pk])
    assert ids(f"company={acme.pk}") == [mql.pk]
    assert ids("company_domain=www.ACME.example") == [mql.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"updated_since={since}") == sorted([mql.pk, lead.pk])
    assert ids("ordering=email")  # ordering is accepted


def test_a_bad_filter_value_is_a_400_not_a_crash(ops_api):
    assert ops_api.get("/api/v1/contacts/?lifecycle_stage=hot").status_code == 400
    assert ops_api.get("/api/v1/contacts/?updated_since=not-a-date").status_code == 400


def test_scores_filter_by_grade_band_and_score_ranges(ops_api):
    model = ScoringModelFactory()
    now = timezone.now()
    a1 = ContactFactory()
    c3 = ContactFactory()
    for contact, fit, interest, grade, band in ((a1, 70, 60, "A", 1), (c3, 25, 5, "C", 3)):
        # Stored as written (no rule states): the contacts were scored when created.
        ContactScore.objects.update_or_create(
            contact=contact,
            defaults={
                "scoring_model": model,
                "fit": fit,
                "interest": interest,
                "grade": grade,
                "band": band,
                "breakdown": {},
                "rule_states": {},
                "scored_at": now,
            },
        )

    def ids(query):
        return [s["contact_id"] for s in ops_api.get(f"/api/v1/scores/?{query}").json()["results"]]

    assert ids("grade=A") == [a1.pk]
    assert ids("band=3") == [c3.pk]
    assert ids("fit_min=50") == [a1.pk]
    assert ids("interest_max=10") == [c3.pk]
    assert ids("ordering=-fit") == [a1.pk, c3.pk]
    body = ops_api.get(f"/api/v1/scores/{a1.pk}/").json()
    assert body["cell"] == "A1" and body["mql"] is False and body["email"] == a1.email


def test_an_extreme_time_zone_offset_in_a_filter_is_compared_in_utc(ops_api):
    ContactFactory()
    response = ops_api.get("/api/v1/contacts/?created_since=0587-07-25T21:13:05-21:58")
    assert response.status_code == 200  # PostgreSQL refuses offsets beyond ±15:59 unconverted
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts/?company=-99999999999999999999",
        "/api/v1/activities/?contact=99999999999999999999",
        "/api/v1/scores/?company=99999999999999999999",
    ],
)
def test_an_id_filter_out_of_range_is_a_clear_400(ops_api, url):
    response = ops_api.get(url)
    assert response.status_code == 400
