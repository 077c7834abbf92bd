"""The what-if replays the draft and the live version over stored contacts: hand-computed case."""

import pytest

from scoring import services
from scoring.models import ContactScore, Qualification, WhatIfStatus
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, FitRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(live, draft):
    """
    Live: Software +20 fit, pricing +10 each; draft: pricing +20 each, VP +10, free mail -30.
    MQL: fit >= 20 and interest >= 20. No decay.

    contact  industry  title  mail   views | live fit/int cell MQL | draft fit/int cell MQL
    A        Software  -      work   2     | 20/20 C2 yes          | 20/40 C2 yes
    B        Software  -      work   1     | 20/10 C3 no           | 20/20 C2 yes  (enters)
    C        Retail    -      work   3     | 0/30  D2 no           | 0/60  D1 no
    D        Retail    VP     work   2     | 0/20  D2 no           | 10/40 D2 no
    E        Software  VP     work   0     | 20/0  C3 no           | 30/0  C3 no
    F        Software  -      gmail  2     | 20/20 C2 yes          | -10/40 D2 no  (leaves)
    """
    pricing = draft.rules.get(name="Pricing")
    pricing.points = 20
    pricing.save()
    FitRuleFactory(scoring_model=draft, name="VP", points=10, attribute="seniority", value="vp")
    FitRuleFactory(
        scoring_model=draft,
        name="Free mail",
        points=-30,
        attribute="free_mail",
        operator="is_true",
        value="",
    )
    retail = CompanyFactory(industry="Retail")
    people = {}
    for name, company, title, email, views in [
        ("A", None, "Engineer", None, 2),
        ("B", None, "Engineer", None, 1),
        ("C", retail, "Engineer", None, 3),
        ("D", retail, "VP Sales", None, 2),
        ("E", None, "VP Sales", None, 0),
        ("F", None, "Engineer", "f.person@gmail.com", 2),
    ]:
        extra = {"company": company} if company else {}
        if email:
            extra["email"] = email
        contact = ContactFactory(first_name=name, job_title=title, **extra)
        for _ in range(views):
            ActivityFactory(contact=contact, kind="pricing_page_view")
        people[name] = contact
    return people


def test_mql_counts_entering_and_leaving_leads_match_the_hand_computed_case(
    world, draft, marketing_ops
):
    run = services.whatif_run_create(draft=draft, requested_by=marketing_ops)
    run = services.whatif_run_execute(run_id=run.pk)
    assert run.status == WhatIfStatus.DONE and (run.done, run.total) == (6, 6)
    result = run.result
    assert result["mql"] == {"live": 2, "draft": 2, "entering": 1, "leaving": 1, "change": 0}
    (entering,) = result["entering"]
    assert (entering["id"], entering["cell"], entering["other_cell"]) == (world["B"].pk, "C2", "C3")
    assert entering["reasons"] == ["Software (Software): +20", "Pricing in the last day: +20"]
    (leaving,) = result["leaving"]
    assert (leaving["id"], leaving["fit"], leaving["other_fit"]) == (world["F"].pk, 20, -10)


def test_the_matrix_shift_and_histograms_match_the_hand_computed_case(world, draft, marketing_ops):
    run = services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )
    matrix = run.result["matrix"]
    assert {k: v for k, v in matrix["live"].items() if v} == {"C2": 2, "C3": 2, "D2": 2}
    assert {k: v for k, v in matrix["draft"].items() if v} == {"C2": 2, "C3": 1, "D1": 1, "D2": 2}
    assert run.result["transitions"] == [
        {"from": "C2", "to": "D2", "n": 1},
        {"from": "C3", "to": "C2", "n": 1},
        {"from": "D2", "to": "D1", "n": 1},
    ]
    fit = run.result["histograms"]["fit"]
    counts = dict(zip([b[0] for b in fit["bins"]], fit["draft"], strict=True))
    assert {k: v for k, v in counts.items() if v} == {-10: 1, 0: 1, 10: 1, 20: 2, 30: 1}


def test_a_what_if_writes_no_score_and_no_qualification(world, draft, marketing_ops):
    scores = sorted(ContactScore.objects.values_list("pk", "version", "fit", "interest"))
    qualifications = Qualification.objects.count()
    services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )
    assert sorted(ContactScore.objects.values_list("pk", "version", "fit", "interest")) == scores
    assert Qualification.objects.count() == qualifications


def test_the_what_if_page_shows_the_comparison(world, draft, ops_client):
    response = ops_client.post(f"/scoring/versions/{draft.pk}/whatif/", {"level": "either"})
    assert response.status_code == 302  # the task ran eagerly
    html = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/").content.decode()
    assert f"What-if: draft v{draft.version} against live v1" in html
    assert "Newly meet the MQL rule" in html and "No longer meet the MQL rule" in html
    assert world["B"].full_name in html and world["F"].full_name in html
    assert "Pricing in the last day: +20" in html
    assert html.count("<svg") >= 2  # fit and interest histograms
    assert "No contact has a won or lost outcome yet" in html


def test_progress_is_polled_until_the_run_is_over(draft, marketing_ops, ops_client):
    run = services.whatif_run_create(draft=draft, requested_by=marketing_ops)
    html = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/").content.decode()
    assert f'hx-get="/scoring/whatif/{run.pk}/"' in html
    assert "Refresh</a>" in html  # works without JavaScript too
    services.whatif_run_execute(run_id=run.pk)
    polled = ops_client.get(f"/scoring/whatif/{run.pk}/", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"


def test_a_what_if_is_for_drafts_only(live, marketing_ops):
    with pytest.raises(services.VersionError):
        services.whatif_run_create(draft=live, requested_by=marketing_ops)
