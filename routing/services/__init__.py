"""
Writes for routing, by concern:

- deciding: where a lead goes. Every routing decision goes through _decide(), which loads the
  rules, the lead and the reps (under row locks when it is going to write) and hands them to
  the pure engine; the dry run calls it without locks and writes nothing;
- lead_routing: routing a qualified lead once, placing it and logging the decision;
- sla_clock: an assignment's SLA length and its business-hours deadline;
- sla_checks: re-routing a lead whose SLA ran out, or escalating it to the manager;
- rep_actions: the rep accepting, rejecting, disqualifying a lead, recording its outcome;
- reassignment: a manager reassigning by hand, and the warnings to confirm first; a deleted
  user's leads going back to the Unassigned queue;
- notifications: in-app notifications, their email and Slack posts;
- webhooks: outbound webhooks (payloads, signed deliveries, retries);
- delivery_retries: the beat re-queuing overdue or lost deliveries and emails;
- errors: RoutingError, RoutingInputError and ReassignWarning.

Callers import from routing.services; the names below are its public interface.
"""

from routing.services.deciding import lead_route_dry_run
from routing.services.delivery_retries import deliveries_retry_due
from routing.services.errors import ReassignWarning, RoutingError, RoutingInputError
from routing.services.lead_routing import lead_route
from routing.services.notifications import notification_email_send, notifications_mark_read
from routing.services.reassignment import (
    assignment_reassign,
    reassign_warnings,
    rep_leads_release,
)
from routing.services.rep_actions import (
    assignment_accept,
    assignment_disqualify,
    assignment_outcome_record,
    assignment_reject,
)
from routing.services.sla_checks import SLA_BATCH, assignments_check_sla
from routing.services.webhooks import (
    SIGNATURE_HEADER,
    WEBHOOK_MAX_ATTEMPTS,
    WEBHOOK_RETRY_BASE_SECONDS,
    WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
    webhook_delivery_attempt,
    webhook_delivery_requeue,
    webhook_retry_delay,
    webhook_signature,
    webhook_signature_verify,
)

__all__ = [
    "SIGNATURE_HEADER",
    "SLA_BATCH",
    "WEBHOOK_MAX_ATTEMPTS",
    "WEBHOOK_RETRY_BASE_SECONDS",
    "WEBHOOK_SIGNATURE_TOLERANCE_SECONDS",
    "ReassignWarning",
    "RoutingError",
    "RoutingInputError",
    "assignment_accept",
    "assignment_disqualify",
    "assignment_outcome_record",
    "assignment_reassign",
    "assignment_reject",
    "assignments_check_sla",
    "deliveries_retry_due",
    "lead_route",
    "lead_route_dry_run",
    "notification_email_send",
    "notifications_mark_read",
    "reassign_warnings",
    "rep_leads_release",
    "webhook_delivery_attempt",
    "webhook_delivery_requeue",
    "webhook_retry_delay",
    "webhook_signature",
    "webhook_signature_verify",
]
