"""Sales managers, marketing ops and admins see the funnel dashboard."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Sales manager", "Marketing ops", "Admin"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="reports", codename="view_funnel")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("contacts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
