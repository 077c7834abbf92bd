"""Give the role groups their predictive-score permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ["view_predictivemodel", "view_contactprediction"]
ROLE_PERMISSIONS = {
    "Sales rep": READ,
    "Sales manager": READ,
    # Marketing ops retrains (adds a version).
    "Marketing ops": [*READ, "add_predictivemodel"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("predictive")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="predictive", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="predictive"))


class Migration(migrations.Migration):
    dependencies = [("predictive", "0001_initial"), ("contacts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
