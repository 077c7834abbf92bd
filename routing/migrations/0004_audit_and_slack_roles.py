"""Give the role groups their permissions on the routing audit trail and Slack messages."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Sales manager": ["view_routingauditentry"],
    "Marketing ops": ["view_routingauditentry", "view_slackmessage"],
    "Admin": ["view_routingauditentry", "view_slackmessage", "change_slackmessage"],
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


class Migration(migrations.Migration):
    dependencies = [("routing", "0003_fair_routing_slack_audit_business_hours")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
