"""
Routing: teams of reps, ordered routing rules, and the assignment of each qualified lead.

A qualification (scoring.models.Qualification) gets exactly one Assignment; its RoutingDecision
rows are the readable history of who got the lead, who was skipped and why.

The models live in sibling modules by concern, imported here so Django finds them and callers
(and the migrations, which name routing.models.validate_time_zone and the like) import from
routing.models:

- team_models: teams and reps, with the validators of their settings;
- rule_models: routing rules;
- assignment_models: assignments, the decision log, notifications, account assignments;
- delivery_models: webhook endpoints and deliveries, Slack messages;
- audit_models: the routing audit trail.
"""

from routing.assignment_models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    AccountAssignment,
    Assignment,
    AssignmentStatus,
    DecisionKind,
    DisqualifyReason,
    Notification,
    NotificationKind,
    RejectReason,
    RoutingDecision,
)
from routing.audit_models import RoutingAuditAction, RoutingAuditEntry
from routing.delivery_models import (
    DeliveryStatus,
    SlackMessage,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    _new_secret,  # noqa: F401 (WebhookEndpoint.secret's default; the migrations name it here)
)
from routing.rule_models import RoutingRule, Strategy
from routing.team_models import (
    RepProfile,
    SizeSegment,
    SlaClock,
    Team,
    validate_slack_url,
    validate_time_zone,
    validate_workdays,
)

__all__ = [
    "ACTIVE_STATUSES",
    "HELD_STATUSES",
    "AccountAssignment",
    "Assignment",
    "AssignmentStatus",
    "DecisionKind",
    "DeliveryStatus",
    "DisqualifyReason",
    "Notification",
    "NotificationKind",
    "RejectReason",
    "RepProfile",
    "RoutingAuditAction",
    "RoutingAuditEntry",
    "RoutingDecision",
    "RoutingRule",
    "SizeSegment",
    "SlaClock",
    "SlackMessage",
    "Strategy",
    "Team",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "validate_slack_url",
    "validate_time_zone",
    "validate_workdays",
]
