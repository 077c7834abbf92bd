"""
Personal data: export everything held on one person; forget them (API or command) and no
trace is left in any table or import file, with an audit line that keeps no personal data.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from contacts.imports import import_job_create, import_job_execute
from contacts.models import Contact, ContactErasure, ImportJob
from integrations.services import api_key_create
from routing.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from routing.privacy import ERASED_NOTE
from scoring.models import WhatIfRun
from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory, ScoringModelFactory
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db

EMAIL = "zelda.quintessa@privacy-example.org"
TRACES = ("zelda.quintessa", "quintessa")  # her email and her (unusual) last name


@pytest.fixture
def ops_api(marketing_ops) -> APIClient:
    _, raw = api_key_create(
        name="Ops key", owner=marketing_ops, scopes=["read", "write"], throttle_rate=""
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture(autouse=True)
def _import_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPORT_DIR", str(tmp_path / "imports"))
    return tmp_path / "imports"


def _import(text: str, *, dry_run: bool) -> ImportJob:
    job = import_job_create(upload=io.BytesIO(text.encode()), file_name="leads.csv")
    return import_job_execute(job_id=job.pk, dry_run=dry_run)


@pytest.fixture
def zelda(rep_profile, team, admin_user):
    """Zelda, imported from a CSV (with a rejected duplicate row), active, scored, routed,
    sent to a webhook, in a what-if result and in the admin's history."""
    csv_text = (
        "Email,First Name,Last Name\n"
        f"{EMAIL},Zelda,Quintessa\n"
        "other.person@example.org,Otto,Other\n"
        f"{EMAIL.upper()},Zelda,Quintessa\n"
    )
    _import(csv_text, dry_run=True)
    job = _import(csv_text, dry_run=False)
    assert job.rejected_count == 1  # the duplicate row went to the rejected-rows file
    contact = Contact.objects.get(email=EMAIL)
    for _ in range(3):
        ActivityFactory(contact=contact, properties={"url": "/pricing", "email": EMAIL})
    OutcomeFactory(contact=contact)
    WebhookEndpoint.objects.create(
        name="CRM", url="https://crm.example.org/hook", events=["lead.assigned"]
    )
    RoutingRuleFactory(team=team, account_match=False)
    route(contact)
    assert WebhookDelivery.objects.filter(payload__data__contact__email=EMAIL).exists()
    WhatIfRun.objects.create(
        draft=ScoringModelFactory(is_live=False),
        as_of=contact.created_at,
        result={
            "entering": [{"id": contact.pk, "name": "Zelda Quintessa", "fit": 40}],
            "leaving": [{"id": contact.pk + 1000, "name": "Someone Else", "fit": 1}],
        },
        observations=[[[contact.pk, 1, "2025-01-01"], [contact.pk, 1, "2025-01-01"]]],
    )
    LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=[contact],
        action_flag=CHANGE,
        change_message="Changed job title.",
        single_object=True,
    )
    return contact


def _traces_in_database() -> list[str]:
    """Every row of every table whose values mention her email or her last name."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue  # no table of its own
        for row in model.objects.all().values():
            text = json.dumps(row, default=str).lower()
            if any(trace in text for trace in TRACES):
                found.append(f"{model._meta.label}: {text[:200]}")
    return found


def _traces_in_files(folder: Path) -> list[str]:
    return [
        str(path)
        for path in folder.rglob("*")
        if path.is_file() and any(t in path.read_text("utf-8-sig").lower() for t in TRACES)
    ]


def test_forgetting_through_the_api_leaves_no_trace(zelda, ops_api, marketing_ops, _import_dir):
    assert _traces_in_database() and _traces_in_files(_import_dir)  # the setup is real

    response = ops_api.delete(f"/api/v1/contacts/{zelda.pk}/")

    assert response.status_code == 204
    assert _traces_in_database() == []
    assert _traces_in_files(_import_dir) == []
    # Everyone else is kept: the other imported row, the other what-if lead.
    assert Contact.objects.filter(email="other.person@example.org").exists()
    for path in _import_dir.glob("import-*[0-9].csv"):
        assert "other.person@example.org" in path.read_text("utf-8-sig")
    run = WhatIfRun.objects.get()
    assert [lead["name"] for lead in run.result["leaving"]] == ["Someone Else"]
    assert run.result["entering"] == [] and run.observations == []
    # A queued delivery is never sent with (or without) her data.
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"] == {"erased": True}
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == ERASED_NOTE
    # One audit line, without personal data.
    erasure = ContactErasure.objects.get()
    assert (erasure.contact_id, erasure.erased_by, erasure.via) == (zelda.pk, marketing_ops, "api")
    assert erasure.counts["activities"] == 3
    assert erasure.counts["webhook deliveries"] == 1
    assert erasure.counts["import file rows"] >= 3  # upload twice (dry and real) + rejected
    assert erasure.counts["what-if result rows"] == 2


def test_forget_contact_command_takes_an_email_in_any_case_or_an_id(zelda, _import_dir):
    out = io.StringIO()
    call_command("forget_contact", EMAIL.upper(), stdout=out)
    assert f"Contact {zelda.pk} forgotten" in out.getvalue()
    assert _traces_in_database() == [] and _traces_in_files(_import_dir) == []
    assert ContactErasure.objects.get().via == "command"

    other = ContactFactory()
    call_command("forget_contact", str(other.pk), stdout=io.StringIO())
    assert not Contact.objects.filter(pk=other.pk).exists()
    with pytest.raises(CommandError, match="No contact"):
        call_command("forget_contact", "nobody@example.org")


def test_a_rep_cannot_erase_a_contact(zelda, rep_client):
    response = rep_client.delete(f"/api/v1/contacts/{zelda.pk}/")
    assert response.status_code == 403
    assert Contact.objects.filter(pk=zelda.pk).exists()
    assert not ContactErasure.objects.exists()


def test_the_export_holds_everything_on_the_person(zelda, ops_api):
    response = ops_api.get(f"/api/v1/contacts/{zelda.pk}/export/")
    assert response.status_code == 200
    data = response.json()
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["last_name"] == "Quintessa"
    assert len(data["activities"]) == 3 and len(data["outcomes"]) == 1
    assert data["scoring"]["score"] is not None
    assert len(data["scoring"]["qualifications"]) == 1
    assert data["routing"]["assignments"][0]["decisions"]
    assert data["routing"]["webhook_deliveries"][0]["payload"]["data"]["contact"]["email"] == EMAIL
    assert data["routing"]["notifications"]
    kinds = sorted({row["in"] for row in data["import_rows"]})
    assert kinds == ["rejected rows", "uploaded file"]
    assert all(EMAIL in [c.lower() for c in row["row"]] for row in data["import_rows"])


def test_the_admin_history_of_the_contact_is_dropped_too(zelda, ops_api):
    content_type = ContentType.objects.get_for_model(Contact)
    assert LogEntry.objects.filter(content_type=content_type).exists()
    ops_api.delete(f"/api/v1/contacts/{zelda.pk}/")
    assert not LogEntry.objects.filter(content_type=content_type).exists()


def test_deleting_in_the_admin_forgets_the_person_too(
    zelda, admin_client_persona, ops_client, _import_dir
):
    response = admin_client_persona.post(
        f"/admin/contacts/contact/{zelda.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert _traces_in_database() == [] and _traces_in_files(_import_dir) == []
    assert ContactErasure.objects.get().via == "admin"
    log = ops_client.get("/admin/contacts/contacterasure/")
    assert log.status_code == 200 and str(zelda.pk) in log.content.decode()
