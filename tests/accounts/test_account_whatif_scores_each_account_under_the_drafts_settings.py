"""The account what-if scores each account under the draft's own settings: an account none of whose
contacts the draft moves takes the live score only when the draft's account settings are the
same (a fit rule renamed is the same; its points changed are not)."""

import datetime as dt

import pytest
from django.utils import timezone

from scoring import services
from tests.accounts.conftest import buying_group_views_pricing

pytestmark = pytest.mark.django_db


def _engaged(acme) -> None:
    buying_group_views_pricing(acme, at=timezone.now() - dt.timedelta(hours=1))  # 60


def _accounts(draft, user) -> dict:
    run = services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=user).pk
    )
    return run.result["accounts"]


def test_an_account_fit_rules_new_points_move_accounts_whose_contacts_stay(
    acme, account_model, marketing_ops
):
    _engaged(acme)
    draft = services.scoring_model_draft_create(source=account_model, created_by=marketing_ops)
    account_model.mqa_engagement_threshold = draft.mqa_engagement_threshold = 60
    account_model.save()
    draft.save()
    software = draft.rules.get(name="Software company")
    software.points = 20  # fit 40 -> 20: below the MQA's fit threshold of 30
    software.save()

    accounts = _accounts(draft, marketing_ops)

    assert accounts["moved"] == 1
    assert accounts["mqa"] == {"live": 1, "draft": 0, "entering": 0, "leaving": 1}
    (row,) = accounts["leaving"]
    assert (row["live"], row["draft"]) == (["B1", 40, 60, 3], ["C1", 20, 60, 3])


def test_a_renamed_account_fit_rule_leaves_every_account_as_it_is(
    acme, account_model, marketing_ops
):
    _engaged(acme)
    draft = services.scoring_model_draft_create(source=account_model, created_by=marketing_ops)
    software = draft.rules.get(name="Software company")
    software.name = "Builds software"
    software.save()

    accounts = _accounts(draft, marketing_ops)

    assert accounts["moved"] == 0
    assert accounts["mqa"] == {"live": 0, "draft": 0, "entering": 0, "leaving": 0}
    assert accounts["entering"] == accounts["leaving"] == []
