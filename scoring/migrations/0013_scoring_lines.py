"""
Several live scoring models side by side (scoring.line_models.ScoringLine).

Every existing version, score, timeline entry and qualification moves to one default line, so
an installation keeps working unchanged. Contact scores get their own id (one row per contact
and line instead of one per contact): the table is rebuilt and copied, the portable way to
change a primary key on both SQLite and PostgreSQL.
"""

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models

COPIED = (
    "contact_id, scoring_model_id, fit, interest, grade, band, meets_threshold, "
    "hand_raise_rule, interest_gains, interest_losses, fit_key, breakdown, rule_states, "
    "next_change_at, version, scored_at"
)


def default_line_fill(apps, schema_editor):
    ScoringLine = apps.get_model("scoring", "ScoringLine")
    line, _ = ScoringLine.objects.get_or_create(is_default=True, defaults={"name": "Default"})
    for name in ("ScoringModel", "ScoreChange", "Qualification"):
        apps.get_model("scoring", name).objects.update(line=line)


def scores_copy(apps, schema_editor):
    ScoringLine = apps.get_model("scoring", "ScoringLine")
    line = ScoringLine.objects.get(is_default=True)
    schema_editor.execute(
        f"INSERT INTO scoring_contactscore ({COPIED}, line_id) "
        f"SELECT {COPIED}, %s FROM scoring_oldcontactscore",
        [line.pk],
    )


def scores_copy_back(apps, schema_editor):
    schema_editor.execute(
        f"INSERT INTO scoring_oldcontactscore ({COPIED}) "
        f"SELECT {COPIED} FROM scoring_contactscore WHERE line_id = "
        "(SELECT id FROM scoring_scoringline WHERE is_default)"
    )


def line_fk(on_delete, **kwargs):
    return models.ForeignKey(on_delete=on_delete, to="scoring.scoringline", **kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0010_company_properties"),
        ("scoring", "0012_outbox_topics"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScoringLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("description", models.CharField(blank=True, max_length=255)),
                ("is_default", models.BooleanField(default=False, editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "scoring model (product line)",
                "ordering": ["-is_default", "name"],
            },
        ),
        migrations.AddConstraint(
            model_name="scoringline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_default", True)),
                fields=("is_default",),
                name="scoring_one_default_line",
            ),
        ),
        # Versions, timeline entries and qualifications: a line column, filled, then required.
        migrations.RemoveConstraint(
            model_name="qualification", name="qualification_one_open_per_contact"
        ),
        migrations.RemoveConstraint(model_name="scoringmodel", name="scoring_one_live_model"),
        migrations.AlterField(
            model_name="scoringmodel",
            name="version",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="line",
            field=line_fk(
                django.db.models.deletion.PROTECT,
                null=True,
                editable=False,
                related_name="versions",
            ),
        ),
        migrations.AddField(
            model_name="scorechange",
            name="line",
            field=line_fk(django.db.models.deletion.CASCADE, null=True, related_name="+"),
        ),
        migrations.AddField(
            model_name="qualification",
            name="line",
            field=line_fk(django.db.models.deletion.PROTECT, null=True, related_name="+"),
        ),
        migrations.RunPython(default_line_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="scoringmodel",
            name="line",
            field=line_fk(
                django.db.models.deletion.PROTECT, editable=False, related_name="versions"
            ),
        ),
        migrations.AlterField(
            model_name="scorechange",
            name="line",
            field=line_fk(django.db.models.deletion.CASCADE, related_name="+"),
        ),
        migrations.AlterField(
            model_name="qualification",
            name="line",
            field=line_fk(django.db.models.deletion.PROTECT, related_name="+"),
        ),
        migrations.AddConstraint(
            model_name="qualification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("closed_at__isnull", True)),
                fields=("contact", "line"),
                name="qualification_one_open_per_line",
            ),
        ),
        migrations.AddConstraint(
            model_name="scoringmodel",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_live", True)),
                fields=("line",),
                name="scoring_one_live_model",
            ),
        ),
        migrations.AddConstraint(
            model_name="scoringmodel",
            constraint=models.UniqueConstraint(
                fields=("line", "version"), name="scoring_version_per_line"
            ),
        ),
        # Contact scores: the old table steps aside (its named indexes first: index names are
        # global on PostgreSQL), a new one is created, filled and indexed.
        migrations.RemoveIndex(model_name="contactscore", name="score_grade_band_idx"),
        migrations.RemoveIndex(model_name="contactscore", name="score_rank_lookup_idx"),
        migrations.RemoveIndex(model_name="contactscore", name="score_rank_idx"),
        migrations.RemoveIndex(model_name="contactscore", name="score_interest_idx"),
        migrations.RemoveIndex(model_name="contactscore", name="score_next_change_idx"),
        migrations.RenameModel(old_name="ContactScore", new_name="OldContactScore"),
        migrations.AlterField(
            model_name="oldcontactscore",
            name="contact",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                primary_key=True,
                related_name="+",
                serialize=False,
                to="contacts.contact",
            ),
        ),
        migrations.CreateModel(
            name="ContactScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="contacts.contact",
                    ),
                ),
                ("line", line_fk(django.db.models.deletion.CASCADE, related_name="+")),
                (
                    "scoring_model",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scoring.scoringmodel",
                    ),
                ),
                ("fit", models.FloatField(default=0)),
                ("interest", models.FloatField(default=0)),
                ("grade", models.CharField(default="D", max_length=1)),
                ("band", models.PositiveSmallIntegerField(default=3)),
                ("meets_threshold", models.BooleanField(default=False)),
                ("hand_raise_rule", models.CharField(blank=True, max_length=100)),
                ("interest_gains", models.FloatField(blank=True, null=True)),
                ("interest_losses", models.FloatField(blank=True, null=True)),
                ("fit_key", models.CharField(blank=True, max_length=32)),
                ("breakdown", models.JSONField(default=dict)),
                ("rule_states", models.JSONField(default=dict)),
                ("next_change_at", models.DateTimeField(blank=True, null=True)),
                ("version", models.PositiveBigIntegerField(default=0)),
                ("scored_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(scores_copy, scores_copy_back),
        migrations.DeleteModel(name="OldContactScore"),
        migrations.AddConstraint(
            model_name="contactscore",
            constraint=models.UniqueConstraint(
                fields=("contact", "line"), name="score_one_per_line"
            ),
        ),
        migrations.AddIndex(
            model_name="contactscore",
            index=models.Index(
                fields=["contact", "line", "grade", "band", "fit", "interest"],
                name="score_rank_lookup_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="contactscore",
            index=models.Index(
                models.F("line"),
                models.F("grade"),
                models.F("band"),
                models.OrderBy(
                    django.db.models.expressions.CombinedExpression(
                        models.F("fit"), "+", models.F("interest")
                    ),
                    descending=True,
                ),
                name="score_rank_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="contactscore",
            index=models.Index(fields=["interest"], name="score_interest_idx"),
        ),
        migrations.AddIndex(
            model_name="contactscore",
            index=models.Index(fields=["next_change_at"], name="score_next_change_idx"),
        ),
    ]
