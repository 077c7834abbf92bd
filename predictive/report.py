"""The evaluation of a version as plain text lines, for the management commands."""

from __future__ import annotations

from predictive.models import PredictiveModel


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def evaluation_lines(model: PredictiveModel) -> list[str]:
    metrics = model.metrics or {}
    test = metrics.get("test", {})
    at_mql = test.get("precision_at_mql", {})
    lines = [
        f"Version {model.version}: {model.algorithm}, {model.n_rows} outcomes "
        f"({model.n_won} won), {model.n_train} to train, {model.n_test} held out "
        f"({'by time' if model.split == 'time' else 'at random'}), {len(model.features)} features",
    ]
    for c in metrics.get("candidates", []):
        auc = c.get("validation_auc")
        lines.append(
            f"  candidate {c['name']:<18} validation AUC "
            f"{'—' if auc is None else f'{auc:.3f}'}{'  <- chosen' if c.get('chosen') else ''}"
        )
    auc = test.get("auc")
    lines += [
        f"Test ROC AUC:              {'—' if auc is None else f'{auc:.3f}'}",
        f"Test base rate:            {_pct(test.get('base_rate'))} "
        f"({test.get('won')} of {test.get('n')})",
        f"Precision at MQL threshold: {_pct(at_mql.get('precision'))} (top {at_mql.get('k')}; "
        f"{at_mql.get('basis')})"
        + (
            f"; rules' MQLs {_pct(at_mql.get('rules_precision'))}"
            if at_mql.get("rules_precision") is not None
            else ""
        ),
        f"Precision at p >= base rate: {_pct(test.get('precision_above_base_rate'))} "
        f"({_pct(test.get('share_above_base_rate'))} of leads)",
        f"Top-decile won rate:       {_pct(test.get('top_decile_rate'))} "
        f"(lift {test.get('top_decile_lift') or 0:.2f})",
        f"Brier score:               {test.get('brier', 0):.4f}",
        "Calibration (predicted -> observed, per tenth of the test set):",
    ]
    for b in test.get("reliability", []):
        lines.append(f"  {_pct(b['predicted']):>7} -> {_pct(b['observed']):>7}  ({b['n']} leads)")
    return lines
