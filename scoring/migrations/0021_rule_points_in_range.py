"""
A rule's points (and its "at most" cap) are finite and within 1,000,000 either way
(rule_models.validate_points), checked by constraints as well (0022: in a transaction of its
own, as PostgreSQL alters no table with this one's updates pending).

Rules stored out of range are brought within it first: NaN points become 0,
larger ones the limit with their sign. Such a rule broke the pages of every contact it scored
(NaN) or failed every rescore (overflow), so no working model changes.
"""

from django.db import migrations, models

import scoring.rule_models

LIMIT = 1_000_000


def _bring_into_range(apps, schema_editor) -> None:
    rule = apps.get_model("scoring", "ScoringRule")
    # NaN first: PostgreSQL orders it above every number, so the next line would take it.
    rule.objects.filter(points=float("nan")).update(points=0)
    rule.objects.filter(points__gt=LIMIT).update(points=LIMIT)
    rule.objects.filter(points__lt=-LIMIT).update(points=-LIMIT)
    rule.objects.filter(max_points=float("nan")).update(max_points=None)
    rule.objects.filter(max_points__gt=LIMIT).update(max_points=LIMIT)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0020_score_json_lz4"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scoringrule",
            name="max_points",
            field=models.FloatField(
                blank=True,
                help_text="This rule gives at most P points.",
                null=True,
                validators=[scoring.rule_models.validate_points],
                verbose_name="at most (points)",
            ),
        ),
        migrations.AlterField(
            model_name="scoringrule",
            name="points",
            field=models.FloatField(
                help_text="Negative points penalise (free mail, students...).",
                validators=[scoring.rule_models.validate_points],
            ),
        ),
        migrations.RunPython(_bring_into_range, migrations.RunPython.noop),
    ]
