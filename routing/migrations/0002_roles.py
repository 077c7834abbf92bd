"""Give the role groups their routing permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    # Reps see and work the leads they hold.
    "Sales rep": ["view_assignment", "change_assignment", "view_routingdecision"],
    # Managers see their teams' queues, reassign by hand, and can dry-run the rules.
    "Sales manager": [
        "view_assignment", "change_assignment", "view_routingdecision",
        "view_team_queue", "reassign_assignment",
        "view_team", "view_repprofile", "view_routingrule",
    ],
    # Marketing ops owns the routing set-up in the admin (rules, teams, reps, webhooks) and can
    # dry-run the rules, but works no leads: no queue.
    "Marketing ops": [
        "add_routingrule", "change_routingrule", "delete_routingrule", "view_routingrule",
        "add_team", "change_team", "view_team",
        "add_repprofile", "change_repprofile", "delete_repprofile", "view_repprofile",
        "add_webhookendpoint", "change_webhookendpoint", "delete_webhookendpoint",
        "view_webhookendpoint", "view_webhookdelivery", "change_webhookdelivery",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("routing")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="routing", codename__in=codenames)
        )
    # Admins see every queue (view_all_queues) and everything else routing has.
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="routing"))


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial"), ("contacts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
