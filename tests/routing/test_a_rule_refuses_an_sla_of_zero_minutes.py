"""
A routing rule's SLA (and hand-raise SLA) is at least a minute: 0 would make every lead overdue
the moment it is routed, re-routed by the next SLA check and escalated within minutes.
"""

import pytest

from routing.models import RoutingRule

pytestmark = pytest.mark.django_db


def _rule(team, **sla):
    return {
        "name": "EMEA",
        "position": 1,
        "team": team.pk,
        "strategy": "round_robin",
        "sla_minutes": 240,
        "hand_raise_sla_minutes": 60,
    } | sla


@pytest.mark.parametrize("field", ["sla_minutes", "hand_raise_sla_minutes"])
def test_the_admin_refuses_a_zero_minute_sla(field, team, admin_client_persona):
    response = admin_client_persona.post(
        "/admin/routing/routingrule/add/", _rule(team, **{field: 0})
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_a_one_minute_sla_is_accepted(team, admin_client_persona):
    response = admin_client_persona.post(
        "/admin/routing/routingrule/add/", _rule(team, sla_minutes=1, hand_raise_sla_minutes=1)
    )

    assert response.status_code == 302
    assert RoutingRule.objects.get().sla_minutes == 1
