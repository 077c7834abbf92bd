"""
The sales queue's pages, by concern:

- queue_views: the queue (a rep's leads ranked by grade x band, a manager's team view with load
  and the Unassigned queue) and a lead's routing page (the expanded row);
- action_views: the rep's and manager's actions (htmx in place, plain forms without
  JavaScript) and their popover forms;
- dry_run_views: the dry run.

routing.urls takes the views from here.
"""

from routing.action_views import accept, action_form, disqualify, outcome, reassign, reject
from routing.dry_run_views import dry_run
from routing.queue_views import assignment_detail, queue

__all__ = [
    "accept",
    "action_form",
    "assignment_detail",
    "disqualify",
    "dry_run",
    "outcome",
    "queue",
    "reassign",
    "reject",
]
