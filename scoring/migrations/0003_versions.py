"""Scoring model versions: numbered, with the version they came from and publication dates."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def number_existing_versions(apps, schema_editor):
    """Number existing models in creation order; a live one counts as published."""
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    for number, model in enumerate(ScoringModel.objects.order_by("created_at", "id"), start=1):
        model.version = number
        if model.is_live:
            model.published_at = model.created_at
        model.save(update_fields=["version", "published_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="scoringmodel",
            options={
                "ordering": ["-version"],
                "permissions": [
                    (
                        "publish_scoringmodel",
                        "Can publish a draft or roll back to an earlier version",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="based_on",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The version this one was copied from.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="derived",
                to="scoring.scoringmodel",
            ),
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="retired_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="version",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number_existing_versions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="scoringmodel",
            name="version",
            field=models.PositiveIntegerField(editable=False, unique=True),
        ),
    ]
