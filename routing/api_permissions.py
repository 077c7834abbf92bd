"""
Who may act on an assignment through the API: the permission each action needs on top of the
key's 'write' scope, and the object rule (the holding rep, or a manager for disqualify and
reassign). Used by routing.api.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request

from integrations.models import ApiKey, Scope
from integrations.permissions import HasScopeAndRole, role_of
from routing.models import Assignment

# The routing permission each action needs, on top of the API key's 'write' scope.
ACTION_PERMISSIONS = {
    "accept": "routing.change_assignment",
    "reject": "routing.change_assignment",
    "disqualify": "routing.change_assignment",
    "outcome": "routing.change_assignment",
    "reassign": "routing.reassign_assignment",
}
# Actions a manager (reassign permission) may take on a visible lead they do not hold; the
# others are the holding rep's alone. The same rule as the queue's
# (routing.action_views._actionable).
MANAGER_ACTIONS = {"disqualify", "reassign"}


class AssignmentPermission(HasScopeAndRole):
    """
    Reading is checked as on every endpoint (the 'read' scope). An action needs the 'write'
    scope on an API key, but the role rule is routing's: a Sales rep's or manager's role grants
    no 'write' (they may not write contacts), yet working the leads they hold is what routing
    gives them (change_assignment; reassign_assignment for managers). Then the object check:
    only the holding rep acts, except that a manager may also disqualify and reassign.
    """

    def has_permission(self, request: Request, view) -> bool:
        needed = ACTION_PERMISSIONS.get(getattr(view, "action", None))
        if needed is None:
            return super().has_permission(request, view)
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated(
                "Send an API key (Authorization: Bearer lsk_…) or log in."
            )
        if not user.has_perm(needed):
            role = role_of(user)
            who = f"the {role.value} role" if role else "a user without a role"
            raise exceptions.PermissionDenied(
                f"Acting on assignments ({view.action}) is not something {who} may do."
            )
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is not None and not api_key.has_scope(Scope.WRITE):
            raise exceptions.PermissionDenied(
                f"API key {api_key.prefix} lacks the '{Scope.WRITE.value}' scope."
            )
        return True

    def has_object_permission(self, request: Request, view, obj: Assignment) -> bool:
        if getattr(view, "action", None) not in ACTION_PERMISSIONS:
            return True
        if view.action != "reassign" and obj.rep_id == request.user.pk:
            return True
        if view.action in MANAGER_ACTIONS and request.user.has_perm("routing.reassign_assignment"):
            return True
        raise exceptions.PermissionDenied(f"Only the rep who holds this lead may {view.action} it.")
