"""A draft's what-if shows its effect on accounts: MQAs under live and draft, and which enter
or leave, computed from the same replayed contact scores (nothing is written)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring import services
from scoring.models import AccountQualification, AccountScore, WhatIfStatus
from tests.accounts.conftest import buying_group_views_pricing
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_doubling_pricing_points_makes_acme_an_mqa_in_the_draft_only(
    acme, account_model, marketing_ops
):
    buying_group_views_pricing(acme, at=timezone.now() - dt.timedelta(hours=1))  # 60
    quiet = CompanyFactory(name="Quiet", domain="quiet.test")
    ContactFactory(company=quiet)
    assert AccountScore.objects.get(company=acme).meets_threshold is False
    draft = services.scoring_model_draft_create(source=account_model, created_by=marketing_ops)
    pricing = draft.rules.get(name="Viewed pricing")
    pricing.points = 20  # 60 + 30 = 90 >= 70
    pricing.save()

    run = services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )

    assert run.status == WhatIfStatus.DONE
    accounts = run.result["accounts"]
    assert accounts["accounts"] == 2
    assert accounts["mqa"] == {"live": 0, "draft": 1, "entering": 1, "leaving": 0}
    (row,) = accounts["entering"]
    assert (row["id"], row["live"], row["draft"]) == (
        acme.pk,
        ["B1", 40, 60, 3],
        ["B1", 40, 90, 3],
    )
    assert not AccountQualification.objects.exists()  # a what-if writes nothing


def test_the_whatif_page_lists_the_entering_account(acme, account_model, marketing_ops, ops_client):
    buying_group_views_pricing(acme, at=timezone.now())
    draft = services.scoring_model_draft_create(source=account_model, created_by=marketing_ops)
    draft.mqa_engagement_threshold = 50
    draft.save()
    services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )
    page = ops_client.get(reverse("scoring:whatif", args=[draft.pk])).content.decode()
    assert "Accounts (MQAs)" in page
    assert "0 MQAs live → 1 with the draft" in page
    assert ">Acme</a>" in page
