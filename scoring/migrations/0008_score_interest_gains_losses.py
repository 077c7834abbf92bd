from django.db import migrations, models

BATCH = 2000


def fill_from_breakdowns(apps, schema_editor):
    """Stored scores get their sums from their own breakdown (no rescore needed)."""
    ContactScore = apps.get_model("scoring", "ContactScore")
    batch = []
    rows = ContactScore.objects.only("pk", "breakdown").order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        points = [
            float(part.get("points") or 0) for part in (row.breakdown or {}).get("interest", [])
        ]
        row.interest_gains = sum(p for p in points if p > 0)
        row.interest_losses = -sum(p for p in points if p < 0)
        batch.append(row)
        if len(batch) >= BATCH:
            ContactScore.objects.bulk_update(batch, ["interest_gains", "interest_losses"])
            batch = []
    ContactScore.objects.bulk_update(batch, ["interest_gains", "interest_losses"])


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0007_lead_source_raw_attribute"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactscore",
            name="interest_gains",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contactscore",
            name="interest_losses",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contactscore",
            name="fit_key",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.RunPython(fill_from_breakdowns, migrations.RunPython.noop),
    ]
