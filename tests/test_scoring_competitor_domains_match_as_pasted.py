"""
Competitor and extra free-mail domains match however marketing ops pastes them: '@Rival.com',
'www.rival.com' or a URL count as 'rival.com', as contacts' email domains are compared. Before,
the text was only lower-cased, so '@scorely.com' or 'https://www.pipelinepro.io/' in the
competitor list penalised nobody from those companies.
"""

import pytest

from tests.factories import ContactFactory, FitRuleFactory, ScoringModelFactory, score_of

pytestmark = pytest.mark.django_db


def _rules_matched(contact) -> list[str]:
    return [part["name"] for part in score_of(contact).breakdown["fit"]]


def test_pasted_competitor_and_free_mail_domains_are_matched(django_capture_on_commit_callbacks):
    model = ScoringModelFactory(
        competitor_domains="@Scorely.com\nhttps://www.PipelinePro.io/pricing; www.leadrankr.com.",
        extra_free_mail_domains="@mail.example-isp.net",
    )
    FitRuleFactory(
        scoring_model=model,
        name="Competitor",
        points=-50,
        attribute="competitor",
        operator="is_true",
    )
    FitRuleFactory(
        scoring_model=model, name="Free mail", points=-10, attribute="free_mail", operator="is_true"
    )
    with django_capture_on_commit_callbacks(execute=True):
        rivals = [
            ContactFactory(email="ana@scorely.com"),
            ContactFactory(email="bo@pipelinepro.io"),
            ContactFactory(email="cy@leadrankr.com"),
        ]
        home = ContactFactory(email="di@mail.example-isp.net")
        prospect = ContactFactory(email="ed@acme-prospect.com")
    for rival in rivals:
        assert _rules_matched(rival) == ["Competitor"], rival.email
    assert _rules_matched(home) == ["Free mail"]
    assert _rules_matched(prospect) == []
