"""
Create the four role groups and give them the contacts app's permissions.

Later migrations of scoring and routing add their own permissions to these groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_company", "view_contact", "view_activity", "view_outcome"]

ROLE_PERMISSIONS = {
    "Sales rep": VIEW + ["change_contact", "add_activity", "add_outcome"],
    "Sales manager": VIEW + ["change_contact", "change_company", "add_activity", "add_outcome", "change_outcome"],
    "Marketing ops": VIEW
    + [
        "add_company", "change_company", "delete_company",
        "add_contact", "change_contact", "delete_contact",
        "add_activity", "change_activity", "delete_activity",
        "add_outcome", "change_outcome",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations run; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="contacts", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[*ROLE_PERMISSIONS, "Admin"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
