"""Marketing ops and admins see website visitors; admins also manage sites and forms."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Marketing ops": [
        "view_visitor",
        "view_pageview",
        "view_site",
        "add_site",
        "change_site",
        "view_form",
        "add_form",
        "change_form",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("website")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="website", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="website"))


class Migration(migrations.Migration):
    dependencies = [("website", "0001_sites_visitors_forms"), ("contacts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
