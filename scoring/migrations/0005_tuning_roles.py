"""Give the role groups the permissions of versions, the audit trail and what-if runs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Sales manager": ["view_auditentry"],
    "Marketing ops": [
        "publish_scoringmodel",
        "view_auditentry",
        "add_whatifrun",
        "view_whatifrun",
        "delete_scoringmodel",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("scoring")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="scoring", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="scoring"))


class Migration(migrations.Migration):
    dependencies = [("scoring", "0004_audit_whatif")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
