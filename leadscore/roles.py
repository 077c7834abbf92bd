"""The four roles a Leadscore user can have, as auth groups created by a data migration."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.db import models, transaction


class Role(models.TextChoices):
    SALES_REP = "Sales rep"
    SALES_MANAGER = "Sales manager"
    MARKETING_OPS = "Marketing ops"
    ADMIN = "Admin"


# Roles that work in the Django admin (marketing ops edits scoring rules there).
STAFF_ROLES = {Role.MARKETING_OPS, Role.ADMIN}


@transaction.atomic
def user_set_role(*, user: AbstractUser, role: Role | str) -> AbstractUser:
    """Give a user exactly one role: its group, and admin access where the role needs it."""
    role = Role(role)
    user.groups.set([Group.objects.get(name=role.value)])
    user.is_staff = role in STAFF_ROLES
    user.save(update_fields=["is_staff"])
    return user


def user_has_role(user: AbstractUser, role: Role | str) -> bool:
    return user.is_authenticated and user.groups.filter(name=Role(role).value).exists()
