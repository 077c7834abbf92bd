"""
Who may call which endpoint: the key's scope and the caller's role, both.

A view names the scope each action needs (`required_scopes`); a session user (browsable API,
Swagger UI) has every scope its role allows, an API key only those it was given.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from rest_framework import exceptions, permissions

from integrations.models import ApiKey, Scope
from leadscore.roles import Role

# What each role may do through the API. Sales reps see only their own leads (the views filter).
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope),
    Role.MARKETING_OPS: frozenset(Scope),
    Role.SALES_MANAGER: frozenset({Scope.READ}),
    Role.SALES_REP: frozenset({Scope.READ}),
}

DEFAULT_SCOPES = {
    "GET": Scope.READ,
    "HEAD": Scope.READ,
    "OPTIONS": Scope.READ,
    "POST": Scope.WRITE,
    "PUT": Scope.WRITE,
    "PATCH": Scope.WRITE,
    "DELETE": Scope.WRITE,
}


def role_of(user: AbstractBaseUser) -> Role | None:
    """The user's role (one group per user); superusers count as Admin. Cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_leadscore_role"):
        role = None
        if user.is_superuser:
            role = Role.ADMIN
        else:
            names = set(user.groups.values_list("name", flat=True))
            for candidate in (Role.ADMIN, Role.MARKETING_OPS, Role.SALES_MANAGER, Role.SALES_REP):
                if candidate.value in names:
                    role = candidate
                    break
        user._leadscore_role = role
    return user._leadscore_role


def scopes_of_role(role: Role | None) -> frozenset[Scope]:
    return ROLE_SCOPES.get(role, frozenset()) if role else frozenset()


def required_scope(request, view) -> Scope:
    """The scope this request needs: the view's `required_scopes` by action, else by method."""
    by_action = getattr(view, "required_scopes", {}) or {}
    action = getattr(view, "action", None)
    if action in by_action:
        return Scope(by_action[action])
    if request.method in by_action:
        return Scope(by_action[request.method])
    return DEFAULT_SCOPES.get(request.method, Scope.WRITE)


class HasScopeAndRole(permissions.BasePermission):
    """The request's scope must be granted by the API key (if any) and allowed to the role."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated(
                "Send an API key (Authorization: Bearer lsk_…) or log in."
            )
        scope = required_scope(request, view)
        role = role_of(user)
        if scope not in scopes_of_role(role):
            who = f"the {role.value} role" if role else "a user without a role"
            raise exceptions.PermissionDenied(
                f"This needs the '{scope.value}' scope, which {who} may not use."
            )
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is not None and not api_key.has_scope(scope):
            raise exceptions.PermissionDenied(
                f"API key {api_key.prefix} lacks the '{scope.value}' scope."
            )
        return True


def sees_only_own_leads(user: AbstractBaseUser) -> bool:
    """Sales reps get only their own leads; everyone else with a role sees all."""
    return role_of(user) == Role.SALES_REP
