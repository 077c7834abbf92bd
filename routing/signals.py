"""
Routing's receivers: a lead released by scoring is routed when its outbox message is delivered;
the demo world gets a sales team to route to.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from contacts.signals import demo_seeded
from scoring.signals import account_qualified, lead_qualified


@receiver(lead_qualified, dispatch_uid="routing_lead_qualified")
def lead_qualified_received(sender, qualification, contact, **kwargs: Any) -> None:
    """
    Route the lead, now: scoring sends this from its outbox delivery (a Celery task, or the
    beat re-drive), inside the transaction that marks the message delivered, so the lead is
    routed exactly once. A hand-raise differs by its shorter SLA, taken from the rule.
    """
    from routing import services

    services.lead_route(qualification_id=qualification.pk)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="routing_user_deleting")
def user_deleting(sender, instance, **kwargs: Any) -> None:
    """
    A user who holds leads is being deleted (in the admin): their leads go back to the
    Unassigned queue before the deletion clears Assignment.rep, which a held lead must have.
    """
    from routing import services

    services.rep_leads_release(user=instance)


@receiver(account_qualified, dispatch_uid="routing_account_qualified")
def account_qualified_received(sender, qualification, company, **kwargs: Any) -> None:
    """Route the MQA now, inside the outbox delivery's transaction (so exactly once)."""
    from routing.accounts import account_route

    account_route(qualification_id=qualification.pk)


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
