"""Publishing a draft makes it live and rescores everyone once; rollback re-publishes a copy."""

import pytest

from scoring import services
from scoring.models import ContactScore, RescoreRun, RescoreStatus, ScoringModel, ScoringRule
from tests.factories import score_of

pytestmark = pytest.mark.django_db


def _publish(draft, user, capture):
    with capture(execute=True) as callbacks:
        services.scoring_model_publish(draft=draft, published_by=user)
    return callbacks


def test_publishing_retires_the_old_version_and_rescores_everyone_under_the_new_one_once(
    scored, live, draft, marketing_ops, django_capture_on_commit_callbacks
):
    hot, _cold = scored
    RescoreRun.objects.all().delete()
    rule = draft.rules.get(name="Software")
    rule.points = 30
    rule.save()
    callbacks = _publish(draft, marketing_ops, django_capture_on_commit_callbacks)
    # One rescore, queued once; its end queues the delivery of its every-account pass, whose
    # delivery queues its one chunk of companies (accounts_rescore_all_publish).
    assert len(callbacks) == 3
    live.refresh_from_db()
    draft.refresh_from_db()
    assert (live.is_live, live.status) == (False, "retired")
    assert live.retired_at is not None
    assert (draft.is_live, draft.status, draft.published_by) == (True, "live", marketing_ops)
    assert draft.published_at == live.retired_at
    run = RescoreRun.objects.get()
    assert (run.scoring_model, run.status, run.done) == (draft, RescoreStatus.DONE, 2)
    assert run.reason == f"Version {draft.version} published"
    assert set(ContactScore.objects.values_list("scoring_model", flat=True)) == {draft.pk}
    score_of(hot).refresh_from_db()
    assert score_of(hot).fit == 30


def test_only_a_draft_can_be_published(live, marketing_ops):
    with pytest.raises(services.VersionError, match="is live, not a draft"):
        services.scoring_model_publish(draft=live, published_by=marketing_ops)


def test_rollback_publishes_a_copy_of_the_old_version_as_a_new_version(
    scored, live, draft, marketing_ops, django_capture_on_commit_callbacks
):
    hot, _ = scored
    rule = draft.rules.get(name="Software")
    rule.points = 35
    rule.save()
    _publish(draft, marketing_ops, django_capture_on_commit_callbacks)
    live.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        restored = services.scoring_model_rollback(to=live, by=marketing_ops)
    assert restored.version == 3 and restored.based_on == live and restored.is_live
    assert list(ScoringModel.objects.values_list("version", "is_live")) == [
        (3, True),
        (2, False),
        (1, False),
    ]
    assert sorted(restored.rules.values_list("name", "points")) == [
        ("Pricing", 10),
        ("Software", 20),
    ]
    score_of(hot).refresh_from_db()
    assert (score_of(hot).scoring_model_id, score_of(hot).fit) == (restored.pk, 20)
    with pytest.raises(services.VersionError):
        services.scoring_model_rollback(to=restored, by=marketing_ops)


def test_the_admin_publishes_after_a_confirmation_page(
    live, draft, ops_client, django_capture_on_commit_callbacks
):
    rule = draft.rules.get(name="Pricing")
    rule.points = 15
    rule.save()
    page = ops_client.get(f"/admin/scoring/scoringmodel/{draft.pk}/publish/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Publish v{draft.version}?" in html
    assert "Rule <strong>Pricing</strong>: points" in html  # what changes against live
    assert "No what-if has run on this draft" in html
    draft.refresh_from_db()
    assert draft.is_draft  # a GET publishes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(f"/admin/scoring/scoringmodel/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_live


def test_live_and_retired_versions_are_read_only_in_the_admin(live, draft, ops_client):
    page = ops_client.get(f"/admin/scoring/scoringmodel/{live.pk}/change/").content.decode()
    assert "Create a draft from this version" in page
    assert 'name="_save"' not in page
    assert "is live and read-only" in page
    rule = live.rules.get(name="Software")
    response = ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/", {"points": 99, "name": "Software"}
    )
    assert response.status_code == 403
    assert ScoringRule.objects.get(pk=rule.pk).points == 20
    draft_page = ops_client.get(f"/admin/scoring/scoringmodel/{draft.pk}/change/").content.decode()
    assert 'name="_save"' in draft_page and "Publish…" in draft_page and "What-if" in draft_page


def test_list_editable_cannot_change_a_live_rule(live, draft, ops_client):
    live_rule = live.rules.get(name="Software")
    draft_rule = draft.rules.get(name="Software")
    rules = list(ScoringRule.objects.order_by("scoring_model", "dimension", "position", "id"))
    data = {
        "form-TOTAL_FORMS": len(rules),
        "form-INITIAL_FORMS": len(rules),
        "_save": "Save",
    }
    for i, rule in enumerate(rules):
        data[f"form-{i}-id"] = rule.pk
        data[f"form-{i}-points"] = 77
        data[f"form-{i}-is_active"] = "on"
    ops_client.post("/admin/scoring/scoringrule/", data)
    assert ScoringRule.objects.get(pk=live_rule.pk).points == 20
    assert ScoringRule.objects.get(pk=draft_rule.pk).points == 77


def test_the_admin_creates_a_draft_from_the_live_version(live, ops_client):
    response = ops_client.post(f"/admin/scoring/scoringmodel/{live.pk}/draft/")
    draft = ScoringModel.objects.get(version=2)
    assert response.url == f"/admin/scoring/scoringmodel/{draft.pk}/change/"
    assert draft.is_draft and draft.rules.count() == 2


def test_the_version_page_in_the_admin_shows_its_facts_and_latest_changes(
    live, draft, ops_client, marketing_ops, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_model_publish(draft=draft, published_by=marketing_ops)
    html = ops_client.get(f"/admin/scoring/scoringmodel/{live.pk}/change/").content.decode()
    assert "copied from" not in html.split("Version:")[1][:300]  # v1 was not copied
    assert "retired" in html and "Roll back to this version" in html
    html = ops_client.get(f"/admin/scoring/scoringmodel/{draft.pk}/change/").content.decode()
    assert "copied from v1" in html and "published" in html and "by mona.marketing" in html
    assert "Published model version v2 Tuned model (v2 published; replaces v1)" in html
