"""
`predictive_from_csv` (and `suggest_scoring_model --csv`) count every label but --positive as
lost. A label column with a third value ("pending": leads still undecided) or a --positive the
column does not hold used to train anyway: the undecided leads silently became lost ones (on a
CRM export, written to the CRM as lost outcomes). Such a file is now refused with its values,
before anything is stored.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact, Outcome
from predictive.models import PredictiveModel


def _file(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _labels(n: int, values: tuple[str, ...]) -> list[str]:
    return [values[i % len(values)] for i in range(n)]


def _run(command: str, *args: str) -> None:
    call_command(command, *args, stdout=io.StringIO())


@pytest.mark.parametrize("command", ["predictive_from_csv", "suggest_scoring_model"])
def test_a_plain_file_with_a_third_label_is_refused(db, tmp_path, command):
    rows = [
        [str(20 + i % 50), "admin.", y]
        for i, y in enumerate(_labels(300, ("yes", "no", "pending")))
    ]
    path = _file(tmp_path / "campaign.csv", ["age", "job", "y"], rows)
    source = ["--csv", str(path)] if command == "suggest_scoring_model" else [str(path)]
    args = [*source, "--outcome-column", "y", "--positive", "yes"]

    with pytest.raises(CommandError) as refused:
        _run(command, *args)

    assert "Column 'y' holds 3 values (no (100), pending (100), yes (100))" in str(refused.value)
    assert not PredictiveModel.objects.exists()


def test_a_positive_value_the_column_does_not_hold_is_refused(db, tmp_path):
    rows = [[str(20 + i % 50), "admin.", y] for i, y in enumerate(_labels(300, ("yes", "no")))]
    path = _file(tmp_path / "campaign.csv", ["age", "job", "y"], rows)

    with pytest.raises(CommandError, match="--positive 'true' is not a value of column 'y'"):
        _run("predictive_from_csv", str(path), "--outcome-column", "y", "--positive", "true")

    assert not PredictiveModel.objects.exists()


def test_a_crm_export_with_open_leads_in_the_label_writes_no_lost_outcomes(db, tmp_path):
    rows = [
        [f"p{i}@firm{i % 30}.example", f"2025-01-{1 + i % 28:02d}", label]
        for i, label in enumerate(_labels(240, ("Won", "Lost", "Open")))
    ]
    path = _file(tmp_path / "crm.csv", ["Email", "Close Date", "Result"], rows)

    with pytest.raises(CommandError, match="holds 3 values"):
        _run(
            "predictive_from_csv",
            str(path),
            "--outcome-column",
            "Result",
            "--positive",
            "won",
            "--date-column",
            "Close Date",
        )

    assert not Outcome.objects.exists()
    assert not Contact.objects.exists()
    assert not PredictiveModel.objects.exists()
