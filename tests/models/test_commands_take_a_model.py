"""manage.py rescore and backtest name a scoring model; rescore alone does every live one."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from scoring.models import ContactScore
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def versions(line):
    return sorted(ContactScore.objects.filter(line=line).values_list("contact_id", "version"))


def test_rescore_with_a_model_rebuilds_only_that_models_scores(core, enterprise):
    ContactFactory.create_batch(2)
    core_before, enterprise_before = versions(core.line), versions(enterprise.line)
    out = StringIO()

    call_command("rescore", "--model", "enterprise", stdout=out)

    assert versions(core.line) == core_before
    assert [v for _, v in versions(enterprise.line)] == [v + 1 for _, v in enterprise_before]
    assert "under 'Enterprise' (Enterprise)" in out.getvalue()


def test_rescore_without_a_model_rebuilds_every_live_model(core, enterprise):
    ContactFactory()
    out = StringIO()

    call_command("rescore", stdout=out)

    assert out.getvalue().count("Rescored 1 contacts") == 2


def test_an_unknown_model_is_a_clear_error(core):
    with pytest.raises(CommandError, match="no scoring model 'Nope'"):
        call_command("rescore", "--model", "Nope")
    with pytest.raises(CommandError, match="no scoring model 'Nope'"):
        call_command("backtest", "--model", "Nope")
