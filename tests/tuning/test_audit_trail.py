"""Every change to a version, a rule or a condition is recorded: who, when, what, from, to."""

import pytest

from scoring import services
from scoring.models import AuditAction, AuditEntry, RuleCondition

pytestmark = pytest.mark.django_db


def _rule_post(draft, **changes):
    data = {
        "scoring_model": draft.pk,
        "name": "Pricing",
        "description": "",
        "dimension": "interest",
        "points": 10,
        "is_active": "on",
        "position": 0,
        "activity_kind": "pricing_page_view",
        "conditions-TOTAL_FORMS": 0,
        "conditions-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_changing_a_draft_rule_in_the_admin_records_each_field_from_and_to(
    draft, ops_client, marketing_ops
):
    rule = draft.rules.get(name="Pricing")
    AuditEntry.objects.all().delete()
    ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/",
        _rule_post(draft, points=15, window_days=30),
    )
    entries = {e.field: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"Points", "Only the last (days)"}
    points = entries["Points"]
    assert (points.user, points.action, points.object_type) == (marketing_ops, "changed", "rule")
    assert (points.old_value, points.new_value) == ("10", "15")
    assert (points.scoring_model, points.model_version, points.rule) == (draft, draft.version, rule)
    assert (
        entries["Only the last (days)"].old_value,
        entries["Only the last (days)"].new_value,
    ) == (
        "",
        "30",
    )


def test_adding_a_condition_and_deleting_a_rule_are_recorded(draft, ops_client):
    rule = draft.rules.get(name="Pricing")
    AuditEntry.objects.all().delete()
    ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/",
        _rule_post(
            draft,
            **{
                "conditions-TOTAL_FORMS": 1,
                "conditions-0-property": "url",
                "conditions-0-operator": "contains",
                "conditions-0-value": "/pricing",
            },
        ),
    )
    condition = RuleCondition.objects.get()
    created = AuditEntry.objects.get(object_type="condition")
    assert (created.action, created.object_id, created.rule) == ("created", condition.pk, rule)
    assert created.object_repr == "Pricing: url contains /pricing"
    ops_client.post(f"/admin/scoring/scoringrule/{rule.pk}/delete/", {"post": "yes"})
    deleted = AuditEntry.objects.filter(action=AuditAction.DELETED).get()
    assert (deleted.object_repr, deleted.model_version) == ("Pricing", draft.version)
    assert deleted.rule is None  # the rule is gone; the entry still reads


def test_version_settings_changed_in_the_admin_are_recorded_with_choice_labels(draft, ops_client):
    from django.forms.models import model_to_dict

    data = {
        k: v
        for k, v in model_to_dict(draft).items()
        if v is not None and k not in {"id", "is_live"}
    }
    data.update(mql_mode="combined", mql_combined_threshold=70)
    data["auto_release_after_rescore"] = ""
    data.update({"rules-TOTAL_FORMS": 0, "rules-INITIAL_FORMS": 0})
    AuditEntry.objects.all().delete()
    response = ops_client.post(f"/admin/scoring/scoringmodel/{draft.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = sorted(AuditEntry.objects.values_list("field", "old_value", "new_value"))
    assert rows == [
        ("Fit + interest at least", "50", "70"),
        (
            "MQL rule",
            "Fit and interest each reach their threshold",
            "Fit + interest reach the combined threshold",
        ),
    ]


def test_drafts_publications_and_rollbacks_are_recorded(
    live, marketing_ops, django_capture_on_commit_callbacks
):
    draft = services.scoring_model_draft_create(source=live, created_by=marketing_ops)
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_model_publish(draft=draft, published_by=marketing_ops)
        live.refresh_from_db()
        services.scoring_model_rollback(to=live, by=marketing_ops)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "model_version", "note"))
    assert actions == [
        ("created", 2, "Draft v2 created from v1"),
        ("published", 2, "v2 published; replaces v1"),
        ("created", 3, "Copy of v1 made to roll back to it"),
        ("published", 3, "Rolled back to v1 (as v3), replacing v2"),
        ("rolled_back", 3, "Rolled back from v2 to v1"),
    ]
    assert set(AuditEntry.objects.values_list("user", flat=True)) == {marketing_ops.pk}


def test_the_model_page_and_the_admin_show_the_trail_read_only(
    draft, ops_client, manager_client, rep_client
):
    rule = draft.rules.get(name="Pricing")
    ops_client.post(f"/admin/scoring/scoringrule/{rule.pk}/change/", _rule_post(draft, points=12))
    html = ops_client.get(f"/scoring/versions/{draft.pk}/").content.decode()
    assert f"Changes to v{draft.version}" in html
    assert "mona.marketing" in html
    assert '<td class="audit-old">10</td>' in html and '<td class="audit-new">12</td>' in html
    assert "Changes to v" in manager_client.get(f"/scoring/versions/{draft.pk}/").content.decode()
    assert "Changes to v" not in rep_client.get(f"/scoring/versions/{draft.pk}/").content.decode()
    listing = ops_client.get("/admin/scoring/auditentry/")
    assert listing.status_code == 200 and "Pricing" in listing.content.decode()
    entry = AuditEntry.objects.first()
    assert (
        ops_client.post(
            f"/admin/scoring/auditentry/{entry.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_applying_a_backtest_suggestion_changes_the_draft_rule_and_is_recorded(draft, ops_client):
    rule = draft.rules.get(name="Software")
    response = ops_client.post(
        f"/scoring/versions/{draft.pk}/rules/{rule.pk}/apply-suggestion/", {"points": "-5"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == -5
    entry = AuditEntry.objects.get(field="Points")
    assert (entry.old_value, entry.new_value, entry.note) == (
        "20",
        "-5",
        "Backtest suggestion applied",
    )


def test_a_suggestion_cannot_change_a_live_rule(live, ops_client):
    rule = live.rules.get(name="Software")
    ops_client.post(
        f"/scoring/versions/{live.pk}/rules/{rule.pk}/apply-suggestion/", {"points": "0"}
    )
    rule.refresh_from_db()
    assert rule.points == 20
    assert not AuditEntry.objects.filter(field="Points").exists()
