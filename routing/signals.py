"""
Routing's receivers: a lead released by scoring is routed by a Celery task after commit; the demo
world gets a sales team to route to.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from contacts.signals import demo_seeded
from scoring.signals import lead_qualified


@receiver(lead_qualified, dispatch_uid="routing_lead_qualified")
def lead_qualified_received(sender, qualification, contact, **kwargs: Any) -> None:
    """
    Route the lead. Hand-raises and score-based MQLs alike are routed as soon as this commits
    (lead_qualified itself is sent after commit, so this usually runs at once); a hand-raise
    differs by its shorter SLA, which lead_route() takes from the rule.
    """
    from routing import tasks

    qualification_id = qualification.pk
    transaction.on_commit(lambda: tasks.route_lead.delay(qualification_id))


@receiver(demo_seeded, dispatch_uid="routing_demo_seeded")
def demo_data_seeded(sender, **kwargs: Any) -> None:
    """
    Give the demo a sales team, reps and routing rules. Unlike other receivers this writes at
    once rather than enqueueing a task: it runs inside the seeding transaction, before scoring's
    on-commit rescore releases the demo's MQLs, so the team exists when they are routed.
    """
    from routing.demo import demo_routing_ensure, demo_routing_scenes

    demo_routing_ensure()
    # After commit, scoring's rescore (registered first) has released and routed the MQLs;
    # then the demo's routing scenes (overdue, escalated, rejected and re-routed) are set up.
    transaction.on_commit(demo_routing_scenes)
