"""Give the role groups their scoring permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ["view_contactscore", "view_scorechange", "view_qualification", "view_scoringrule",
        "view_scoringmodel"]
ROLE_PERMISSIONS = {
    "Sales rep": READ,
    "Sales manager": READ,
    "Marketing ops": READ
    + [
        "add_scoringmodel", "change_scoringmodel",
        "add_scoringrule", "change_scoringrule", "delete_scoringrule",
        "add_rulecondition", "change_rulecondition", "delete_rulecondition", "view_rulecondition",
        "change_qualification", "view_rescorerun",
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
    dependencies = [("scoring", "0001_initial"), ("contacts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
