"""
Suggest a complete scoring model from won and lost outcomes and create it as a new draft.

    python manage.py suggest_scoring_model                       # MQLs: 10 % of leads
    python manage.py suggest_scoring_model --target-share 0.05   # MQLs: 5 % of leads
    python manage.py suggest_scoring_model --target-precision 0.4

The suggestion is learnt on the train leads of the backtest's honest split and measured on its
test leads, beside the live version; the draft is copied from the live version and every
change is audited. Check it with the what-if (or `manage.py backtest --draft`) and publish it.

With --csv FILE nothing is written: each row of a labelled file is a lead whose columns are
custom properties (UCI Bank Marketing: --outcome-column y --positive yes --drop duration
--delimiter ';' --ordered; Moro, Cortez and Rita 2014, CC BY 4.0). The same suggestion code
learns a rule model on the train rows; the command prints its rule score's ROC AUC on the test
rows beside the predictive score's and two plain scikit-learn baselines', all on one split.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from predictive import baselines, csv_leads, features, suggested_draft, suggested_model, training
from scoring import backtest, engine


def _share(value: str) -> float:
    number = float(value)
    if not 0 < number < 1:
        raise ValueError
    return number


class Command(BaseCommand):
    help = (
        "Suggest a scoring model from won and lost outcomes and create it as a new draft "
        "(each change audited); with --csv, evaluate the suggestion on a labelled file."
    )

    def add_arguments(self, parser) -> None:
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--target-share", type=_share, help="MQLs as a share of leads.")
        target.add_argument(
            "--target-precision", type=_share, help="Won rate the MQLs should reach."
        )
        parser.add_argument("--json", type=Path, help="Also write the suggestion to this file.")
        parser.add_argument("--csv", type=Path, help="Evaluate on a labelled file instead.")
        parser.add_argument("--outcome-column")
        parser.add_argument("--positive")
        parser.add_argument("--date-column")
        parser.add_argument("--drop", action="append", default=[])
        parser.add_argument("--delimiter")
        parser.add_argument("--ordered", action="store_true")

    def handle(self, *args, **options) -> None:
        if options["csv"]:
            self._from_csv(options)
            return
        try:
            suggestion = suggested_draft.suggestion_compute(
                target_share=options["target_share"],
                target_precision=options["target_precision"],
                progress=self._progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        draft = suggested_draft.suggested_draft_create(suggestion=suggestion, by=None)
        self._summary(suggestion)
        self.stdout.write(
            self.style.SUCCESS(
                f"Draft v{draft.version} created ({draft.rules.count()} rules). Check it with "
                f"the what-if or `manage.py backtest --draft`, then publish it."
            )
        )
        self._write(options, suggestion)

    def _summary(self, suggestion: dict[str, Any]) -> None:
        actions: dict[str, int] = {}
        for change in suggestion["changes"]:
            actions[change["action"]] = actions.get(change["action"], 0) + 1
        test, base = suggestion["test"], suggestion["test_base"]
        target = suggestion["target"]["train"] or {}
        self.stdout.write(f"Split: {suggestion['split']['words']}")
        self.stdout.write(
            "Changes: " + ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
        )
        self.stdout.write(
            f"MQL rule: fit + interest >= {suggestion['settings']['mql_combined']:g} "
            f"(train: {100 * target.get('share', 0):.1f}% of leads, precision "
            f"{100 * target.get('precision', 0):.1f}%)"
        )
        for label, figures in (("suggested", test), ("current", base)):
            auc = figures["auc"]
            self.stdout.write(
                f"Test ROC AUC of the {label} rules: {'—' if auc is None else f'{auc:.3f}'} "
                f"({figures['n']:,} held-out leads, {figures['mqls']:,} MQLs)"
            )

    def _progress(self, percent: int, note: str) -> None:
        self.stdout.write(f"  {percent:3d}%  {note}")

    def _write(self, options, data: dict[str, Any]) -> None:
        if options["json"]:
            options["json"].write_text(json.dumps(data, indent=2, default=str))
            self.stdout.write(f"Wrote {options['json']}")

    # ---- A labelled file, in memory -------------------------------------------------------

    def _from_csv(self, options) -> None:
        if not options["outcome_column"] or not options["positive"]:
            raise CommandError("--csv needs --outcome-column and --positive.")
        path: Path = options["csv"]
        fmt = csv_leads.csv_format(path, options["delimiter"])
        rows = csv_leads.read_leads(path, fmt, options)
        self.stdout.write(f"Read {len(rows):,} rows ({sum(r.won for r in rows):,} won).")
        chosen = backtest.choose_split([(r.number, r.won, r.decided_at) for r in rows])
        self.stdout.write(f"Split: {chosen.words()}")
        leads = [
            suggested_model.Lead(
                key=r.number,
                profile=engine.Profile(properties=r.properties),
                won=r.won,
                decided_at=r.decided_at,
            )
            for r in rows
        ]
        base = engine.ModelSpec(rules=(), half_life_days=0, fit_cap=None, interest_cap=None)
        started = time.monotonic()
        train_leads = [lead for lead in leads if chosen.is_train(lead.key)]
        suggestion = suggested_model.suggest(
            train_leads,
            base,
            target_share=options["target_share"],
            target_precision=options["target_precision"],
            progress=self._progress,
        )
        spec = suggested_model.spec_of(suggestion, base)
        test_leads = [lead for lead in leads if not chosen.is_train(lead.key)]
        rules_test = backtest.metrics(suggested_model.observe(test_leads, spec))
        rules_seconds = time.monotonic() - started
        predictive, baseline = self._models(rows, chosen)
        out = {
            "file": path.name,
            "split": chosen.to_json(),
            "suggested_rules": {
                "rules": len(spec.rules),
                "test_auc": rules_test["auc"],
                "test_precision": rules_test["precision"],
                "test_recall": rules_test["recall"],
                "test_mqls": rules_test["mqls"],
                "seconds": round(rules_seconds, 1),
            },
            "predictive": predictive,
            "baselines": baseline,
            "suggestion": suggestion,
        }
        self._report(out)
        self._write(options, out)

    def _models(self, rows, chosen) -> tuple[dict[str, Any], dict[str, float]]:
        started = time.monotonic()
        training_rows = [
            training.Row(
                features=features.extract(
                    features.LeadRecord(properties=r.properties),
                    cutoff=r.decided_at or csv_leads.ORDER_EPOCH,
                ),
                won=r.won,
                decided_at=r.decided_at,
                key=r.number,
            )
            for r in rows
        ]
        trained = training.train(training_rows, chosen_split=chosen, progress=self._progress)
        predictive = {
            "algorithm": trained.algorithm,
            "test_auc": trained.metrics["test"]["auc"],
            "candidates": trained.candidates,
            "seconds": round(time.monotonic() - started, 1),
        }
        train = [r for r in rows if chosen.is_train(r.number)]
        test = [r for r in rows if not chosen.is_train(r.number)]
        baseline = baselines.compare(
            [r.properties for r in train],
            [r.won for r in train],
            [r.properties for r in test],
            [r.won for r in test],
        )
        return predictive, baseline

    def _report(self, out: dict[str, Any]) -> None:
        rules, predictive = out["suggested_rules"], out["predictive"]
        self.stdout.write(f"Split: {out['split']['words']}")
        self.stdout.write(
            f"Suggested rule model ({rules['rules']} rules): test ROC AUC {rules['test_auc']:.3f}"
        )
        self.stdout.write(
            f"Predictive score ({predictive['algorithm']}): test ROC AUC "
            f"{predictive['test_auc']:.3f}"
        )
        for name, auc in out["baselines"].items():
            self.stdout.write(f"Baseline {name}: test ROC AUC {auc:.3f}")
        gap = predictive["test_auc"] - rules["test_auc"]
        self.stdout.write(f"Rules vs predictive: {gap:+.3f} AUC (target: within 0.03)")
