"""Marketing ops (and Admin) read the erasure log in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="contacts", codename="view_contacterasure"
    )
    for name in ("Marketing ops", "Admin"):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*permission)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_contact_erasure")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
