"""Retraining adds a version, keeps the previous one for comparison and keeps one active."""

from __future__ import annotations

from django.core.management import call_command

from predictive.models import ContactPrediction, ModelStatus, PredictiveModel
from tests.factories import ContactFactory


def test_retraining_retires_the_previous_version_and_keeps_it(outcomes, capsys):
    call_command("train_predictive")
    call_command("train_predictive")
    first, second = PredictiveModel.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.status == ModelStatus.RETIRED and not first.is_active
    assert first.pipeline and first.metrics["test"]["auc"] is not None
    assert second.status == ModelStatus.ACTIVE and second.is_active
    assert PredictiveModel.objects.filter(is_active=True).count() == 1
    assert set(ContactPrediction.objects.values_list("model_version", flat=True)) == {2}
    assert "Test ROC AUC" in capsys.readouterr().out


def test_marketing_ops_retrains_with_the_button(
    outcomes, ops_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post("/predictive/retrain/")
    assert response.status_code == 302
    model = PredictiveModel.objects.get()
    assert model.is_active and model.progress == 100
    page = ops_client.get("/predictive/").content.decode()
    assert "ROC AUC (test)" in page
    assert "Suggested scoring model" in page and "Create a draft from these suggestions" in page
    assert "<svg" in page  # the reliability curve


def test_a_sales_rep_cannot_retrain_but_sees_a_leads_probability(
    outcomes, rep, rep_client, django_capture_on_commit_callbacks
):
    assert rep_client.post("/predictive/retrain/").status_code == 403
    call_command("train_predictive", stdout=open("/dev/null", "w"))  # noqa: SIM115
    contact = outcomes[0]
    # The rep owns the lead's account: a rep sees only their accounts and leads.
    contact.company.account_owner = rep
    contact.company.save(update_fields=["account_owner"])
    panel = rep_client.get(f"/predictive/contacts/{contact.pk}/", headers={"HX-Request": "true"})
    html = panel.content.decode()
    prediction = ContactPrediction.objects.get(pk=contact.pk)
    assert f"{prediction.percent}%" in html
    assert "Raises the chance" in html and "Lowers the chance" in html
    detail = rep_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f"/predictive/contacts/{contact.pk}/" in detail
    # A new contact has no prediction yet: the panel says so.
    ContactFactory(company=contact.company)
