"""`predictive_from_csv` imports a small labelled file, trains and prints the evaluation."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact, Outcome
from predictive.models import ModelStatus, PredictiveModel


def _plain_file(path: Path, rows: int = 400) -> Path:
    """A bank-marketing-like file: no email, ';'-separated, a yes/no label, a leaky column."""
    rng = random.Random(11)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["age", "job", "contact", "campaign", "duration", "y"])
        for _ in range(rows):
            job = rng.choice(["admin.", "student", "retired", "unknown", "technician"])
            yes = rng.random() < (0.45 if job in ("student", "retired") else 0.15)
            writer.writerow(
                [
                    rng.randint(20, 70),
                    job,
                    rng.choice(["cellular", "telephone"]),
                    rng.randint(1, 6),
                    900 if yes else 60,
                    "yes" if yes else "no",
                ]
            )
    return path


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("predictive_from_csv", *args, stdout=out)
    return out.getvalue()


def test_a_plain_labelled_file_is_trained_and_evaluated(db, tmp_path):
    path = _plain_file(tmp_path / "campaign.csv")
    out = _run(
        str(path),
        "--outcome-column",
        "y",
        "--positive",
        "yes",
        "--drop",
        "duration",
        "--delimiter",
        ";",
    )
    assert "Read 400 rows" in out
    assert "Test ROC AUC:" in out and "Calibration" in out
    model = PredictiveModel.objects.get()
    assert model.status == ModelStatus.EVALUATION and not model.is_active
    assert model.source == "csv:campaign.csv" and model.split == "random"
    assert "prop:duration" not in model.features  # dropped: known only after the call
    assert "prop:job" in model.features
    assert 0.5 < model.metrics["test"]["auc"] <= 1
    assert not Contact.objects.exists()  # the lightweight path writes no contacts
    # "unknown" is a placeholder: missing, not a job
    assert all("job: unknown" not in c["words"] for c in model.coefficients)


def test_a_crm_export_goes_through_the_csv_importer(db, tmp_path):
    rng = random.Random(5)
    path = tmp_path / "crm.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "Lead Source", "Industry", "Close Date", "Converted"])
        for i in range(240):
            referral = rng.random() < 0.5
            won = rng.random() < (0.7 if referral else 0.2)
            writer.writerow(
                [
                    f"p{i}@firm{i % 30}.example",
                    "Referral" if referral else "Paid Search",
                    rng.choice(["Software", "Retail"]),
                    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "1" if won else "0",
                ]
            )
    out = _run(
        str(path), "--outcome-column", "Converted", "--positive", "1", "--date-column", "Close Date"
    )
    assert "Imported crm.csv: 240 created" in out
    assert Outcome.objects.count() == 240
    model = PredictiveModel.objects.get()
    assert model.is_active and model.split == "time"
    assert "Test ROC AUC:" in out


def test_an_unknown_outcome_column_is_refused(db, tmp_path):
    path = _plain_file(tmp_path / "campaign.csv", rows=10)
    with pytest.raises(CommandError, match="No column 'label'"):
        _run(str(path), "--outcome-column", "label", "--positive", "yes")
