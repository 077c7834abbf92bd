"""Routing rule, team and rep changes made in the admin are audited like scoring rules."""

import pytest

from routing.models import RoutingAuditEntry, RoutingRule, Strategy
from tests.routing.conftest import RoutingRuleFactory

pytestmark = pytest.mark.django_db


def _rule_form(rule, **changes):
    data = {
        "name": rule.name,
        "position": rule.position,
        "is_active": "on",
        "countries": rule.countries,
        "regions": "",
        "industries": "",
        "min_employees": "",
        "max_employees": "",
        "fit_grades": "",
        "lead_sources": "",
        "property_name": "",
        "property_values": "",
        "team": rule.team_id,
        "strategy": rule.strategy,
        "named_rep": "",
        "account_match": "on",
        "sla_minutes": rule.sla_minutes,
        "hand_raise_sla_minutes": rule.hand_raise_sla_minutes,
    }
    data.update(changes)
    return data


def test_changing_a_rule_in_the_admin_records_who_what_from_and_to(team, marketing_ops, ops_client):
    rule = RoutingRuleFactory(name="EMEA", team=team, countries="Germany", sla_minutes=240)

    response = ops_client.post(
        f"/admin/routing/routingrule/{rule.pk}/change/",
        _rule_form(rule, sla_minutes=120, strategy=Strategy.LEAST_LOADED),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entries = {e.field: e for e in RoutingAuditEntry.objects.all()}
    assert set(entries) == {"SLA (minutes)", "Strategy"}
    sla = entries["SLA (minutes)"]
    assert (sla.user, sla.object_type, sla.object_repr, sla.action) == (
        marketing_ops,
        "routing rule",
        "EMEA",
        "changed",
    )
    assert (sla.old_value, sla.new_value) == ("240", "120")
    assert (entries["Strategy"].old_value, entries["Strategy"].new_value) == (
        "Round robin",
        "Least loaded",
    )


def test_creating_and_deleting_a_rule_are_audited(team, ops_client):
    rule = RoutingRuleFactory.build(name="New", team=team, position=5)
    ops_client.post("/admin/routing/routingrule/add/", _rule_form(rule))
    created = RoutingRule.objects.get(name="New")
    ops_client.post(f"/admin/routing/routingrule/{created.pk}/delete/", {"post": "yes"})

    assert not RoutingRule.objects.filter(name="New").exists()
    assert list(RoutingAuditEntry.objects.order_by("id").values_list("action", "object_repr")) == [
        ("created", "New"),
        ("deleted", "New"),
    ]


def test_the_changelists_inline_edits_are_audited_too(team, ops_client):
    rule = RoutingRuleFactory(name="EMEA", team=team, position=10)
    response = ops_client.post(
        "/admin/routing/routingrule/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": rule.pk,
            "form-0-position": "3",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    entry = RoutingAuditEntry.objects.get()
    assert (entry.field, entry.old_value, entry.new_value) == ("Position", "10", "3")


def test_the_trail_is_read_only_and_marketing_can_read_it(team, ops_client):
    RoutingRuleFactory(name="EMEA", team=team)
    response = ops_client.get("/admin/routing/routingauditentry/")
    assert response.status_code == 200
    assert ops_client.get("/admin/routing/routingauditentry/add/").status_code == 403
