"""Everyone a lead was ever given to (the decision log and current holders) becomes a holder."""

from django.db import migrations


def backfill(apps, schema_editor):
    Assignment = apps.get_model("routing", "Assignment")
    RoutingDecision = apps.get_model("routing", "RoutingDecision")
    ContactHolder = apps.get_model("contacts", "ContactHolder")
    first: dict[tuple[int, int], object] = {}
    decisions = RoutingDecision.objects.exclude(rep=None).values_list(
        "assignment__contact_id", "rep_id", "occurred_at"
    )
    for contact_id, user_id, at in decisions.iterator(chunk_size=5000):
        key = (contact_id, user_id)
        if key not in first or at < first[key]:
            first[key] = at
    current = Assignment.objects.exclude(rep=None).values_list(
        "contact_id", "rep_id", "assigned_at", "created_at"
    )
    for contact_id, user_id, assigned_at, created_at in current.iterator(chunk_size=5000):
        first.setdefault((contact_id, user_id), assigned_at or created_at)
    ContactHolder.objects.bulk_create(
        [
            ContactHolder(contact_id=contact_id, user_id=user_id, first_held_at=at)
            for (contact_id, user_id), at in first.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0006_webhook_signature_help"),
        ("contacts", "0006_contact_holder"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
