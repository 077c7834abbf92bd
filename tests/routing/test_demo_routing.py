"""seed_demo gives the demo a sales team, so its MQLs land in the reps' queues."""

import pytest
from django.test import Client

from contacts.demo import seed_demo
from routing.demo import demo_routing_ensure
from routing.models import Assignment, AssignmentStatus, RepProfile, RoutingRule, Team

pytestmark = pytest.mark.django_db


def test_seeding_routes_the_demo_mqls_to_the_demo_reps(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(contacts=400)

    team = Team.objects.get(name="Inside Sales")
    assert team.manager.username == "manager"
    assert set(RepProfile.objects.values_list("user__username", flat=True)) == {
        "rep1",
        "rep2",
        "rep3",
        "ana",
    }
    assert RoutingRule.objects.filter(is_fallback=True).count() == 1
    held = Assignment.objects.filter(status=AssignmentStatus.PENDING)
    assert held.exists()
    assert set(held.values_list("rep__username", flat=True)) >= {"rep1", "rep2"}
    # Ana is away: she gets nothing, and the logs say so.
    assert not Assignment.objects.filter(rep__username="ana").exists()

    client = Client()
    client.force_login(Assignment.objects.filter(rep__username="rep1").first().rep)
    page = client.get("/queue/").content.decode()
    assert "Your queue" in page and "Accept" in page


def test_the_demo_team_is_created_once(django_user_model):
    demo_routing_ensure()
    demo_routing_ensure()
    assert Team.objects.count() == 1
    assert RoutingRule.objects.filter(is_fallback=True).count() == 1
