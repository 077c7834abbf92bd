"""
Give the Admin role every scoring permission again. 0002 and 0005 gave it all of scoring's,
but the models added since (account scores, their history and MQAs in 0011, scoring lines in
0013, ...) came with no grant: the Admin could not see them in the admin, nor delete a company
that has an account score (the delete cascades to it and the admin refused).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("scoring")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="scoring"))


class Migration(migrations.Migration):
    dependencies = [("scoring", "0024_rescore_superseded"), ("contacts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
