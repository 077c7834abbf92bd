"""
Backtest a scoring model version against won and lost outcomes, from the command line.

    python manage.py backtest                 # the live version
    python manage.py backtest --version 4     # any version (a draft: against the live one)
    python manage.py backtest --draft         # the newest draft against the live version
    python manage.py backtest --draft --json backtest.json

A draft goes through its what-if (the latest one when the draft has not changed since, else a
new one, run now), so the figures are the what-if page's. Prints, for the test period, the ROC
AUC of fit + interest, precision and recall at the MQL rule and lift, plus the split used;
then each rule's lift on the train period, rules that disagree with outcomes first and flagged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scoring import backtest, backtest_runs, selectors
from scoring.models import OutcomeLevel, ScoringModel

# What the command reports of each rule's lift row (scoring.backtest.rule_lift).
RULE_KEYS = (
    "name",
    "dimension",
    "points",
    "n_in",
    "won_in",
    "rate_in",
    "n_out",
    "won_out",
    "rate_out",
    "lift",
    "lift_ci",
    "verdict",
    "suggested",
)


def _figure(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in {"precision", "recall", "base_rate"}:
        return f"{100 * value:.1f}%"
    if key == "auc":
        return f"{value:.3f}"
    if key == "lift":
        return f"{value:.2f}x"
    return f"{value:,}"


class Command(BaseCommand):
    help = (
        "Backtest a scoring model version against won and lost outcomes: ROC AUC of the rule "
        "score, precision and recall at the MQL rule, lift, and the split used (the what-if "
        "page's figures)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version N names a scoring model version here, not Django's own version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--version", type=int, help="The version number (default: live).")
        which.add_argument(
            "--draft", action="store_true", help="The newest draft, against the live version."
        )
        parser.add_argument(
            "--model", help="The scoring model (product line), by name or id (default: default)."
        )
        parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
        parser.add_argument(
            "--split", help="A split date YYYY-MM-DD (default: the honest automatic split)."
        )
        parser.add_argument(
            "--level", choices=OutcomeLevel.values, default=OutcomeLevel.EITHER, help="Outcomes."
        )

    def handle(self, *args, **options) -> None:
        model = self._model(options)
        split_at = self._split_at(options["split"])
        if model.is_draft:
            run = backtest_runs.fresh_whatif_run(model, level=options["level"])
            report = backtest_runs.draft_report(run, split_at=split_at)
            versions = {
                f"live v{run.baseline.version}" if run.baseline else "no live version": report[
                    "live"
                ],
                f"draft v{model.version}": report["draft"],
            }
            chosen = report["split"]
            source = f"what-if run {run.pk} as of {run.as_of:%Y-%m-%d %H:%M}"
        else:
            result = backtest_runs.version_report(model, level=options["level"], split_at=split_at)
            versions = {str(model): result}
            chosen = None
            source = "replayed now"
        split = chosen.to_json() if chosen else next(iter(versions.values()))["split"]
        out = {
            "version": model.version,
            "source": source,
            "split": split,
            "versions": {
                name: {
                    "test": backtest.headline(result, "test"),
                    "train": backtest.headline(result, "train"),
                    # Per-rule lift, learnt on the train period (as on the what-if page).
                    "rules": [
                        {k: r[k] for k in RULE_KEYS}
                        for r in backtest.rules_disagreeing_first(result["rules"])
                    ],
                }
                for name, result in versions.items()
            },
        }
        self._print(out)
        if options["json"]:
            options["json"].write_text(json.dumps(out, indent=2, default=str))
            self.stdout.write(f"Wrote {options['json']}")

    def _model(self, options) -> ScoringModel:
        line = selectors.line_named(options["model"]) if options["model"] else None
        if options["model"] and line is None:
            raise CommandError(f"There is no scoring model {options['model']!r}.")
        line = line or selectors.default_line()
        if options["draft"]:
            model = selectors.latest_draft(line=line)
            if model is None:
                raise CommandError("There is no draft: create one from a version first.")
            return model
        if options["version"] is not None:
            model = selectors.versions(line=line).filter(version=options["version"]).first()
            if model is None:
                raise CommandError(f"There is no version {options['version']}.")
            return model
        model = selectors.live_model(line=line)
        if model is None:
            raise CommandError("No version is live: name one with --version.")
        return model

    def _split_at(self, value: str | None) -> dt.datetime | None:
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"--split: '{value}' is not a date like 2026-03-01.") from exc
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def _print(self, out: dict[str, Any]) -> None:
        self.stdout.write(f"Backtest of v{out['version']} ({out['source']})")
        self.stdout.write(f"Split: {out['split']['words']}")
        for name, periods in out["versions"].items():
            for period in ("test", "train"):
                f = periods[period]
                figures = " · ".join(
                    f"{label} {_figure(key, f[key])}"
                    for key, label in (
                        ("auc", "ROC AUC"),
                        ("mqls", "MQLs"),
                        ("precision", "precision"),
                        ("recall", "recall"),
                        ("lift", "lift"),
                    )
                )
                self.stdout.write(
                    f"  {name:<24} {period:<5} n {f['n']:,}, won {f['won']:,} · {figures}"
                )
        for name, periods in out["versions"].items():
            rules = periods["rules"]
            disagreeing = sum(r["verdict"] == "disagrees" for r in rules)
            self.stdout.write(
                f"Rules of {name}, lift on the train period (won rate of the leads a rule gave "
                f"points vs the rest; a rule disagrees when its points and its whole 95 % "
                f"interval point opposite ways): {disagreeing} disagree"
            )
            for row in rules:
                self.stdout.write(f"  {backtest.rule_line(row)}")
