"""The constraints behind rule_models.validate_points (0021 brought stored rules within them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0021_rule_points_in_range"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="scoringrule",
            constraint=models.CheckConstraint(
                condition=models.Q(("points__gte", -1000000), ("points__lte", 1000000)),
                name="scoring_rule_points_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="scoringrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_points__isnull", True), ("max_points__lte", 1000000), _connector="OR"
                ),
                name="scoring_rule_cap_in_range",
            ),
        ),
    ]
