"""
Labelled CSV rows as leads, for the commands that learn from a file without a CRM behind it
(`predictive_from_csv`, `suggest_scoring_model --csv`). Each row is a lead whose columns are
its custom properties (read with the CSV importer's own reader: encoding and delimiter
sniffing); the outcome column says won or lost. Nothing is written to the database.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from contacts import imports

ORDER_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CsvLead:
    """One labelled row: its number in the file, its columns, its label and its date."""

    number: int
    properties: dict[str, str]
    won: bool
    decided_at: datetime | None


def csv_format(path: Path, delimiter: str | None) -> imports.CsvFormat:
    """The sniffed format, with the delimiter the user gave (and the header read with it)."""
    if not path.exists():
        raise CommandError(f"No such file: {path}")
    fmt = imports.csv_sniff(path)
    if not delimiter:
        return fmt
    with path.open(encoding=fmt.encoding, errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    return imports.CsvFormat(
        encoding=fmt.encoding, delimiter=delimiter, columns=[c.strip() for c in header]
    )


def check_labels(labels: Counter[str], *, column: str, positive: str) -> None:
    """
    The label column must hold the --positive value and one other (blank cells aside): every
    value but the positive one would otherwise count as lost, so "pending" or "open" leads, or
    a misspelt --positive, would silently train as lost.
    """
    listed = ", ".join(f"{value} ({n})" for value, n in sorted(labels.items()))
    if positive not in labels:
        raise CommandError(
            f"--positive '{positive}' is not a value of column '{column}': {listed or 'none'}."
        )
    if len(labels) > 2:
        raise CommandError(
            f"Column '{column}' holds {len(labels)} values ({listed}); it needs two, won "
            f"('{positive}') and lost. Leave out (or blank) the rows that are still undecided."
        )


def read_leads(path: Path, fmt: imports.CsvFormat, options: dict[str, Any]) -> list[CsvLead]:
    """
    The file's labelled rows. With --date-column the dates come from the file (rows whose date
    does not parse are skipped); with --ordered the rows are in time order, one minute apart;
    otherwise there are no dates (the split is then stratified at random).
    """
    columns = fmt.columns
    for name in [options["outcome_column"], options.get("date_column"), *options["drop"]]:
        if name and name not in columns:
            raise CommandError(f"No column '{name}' in {path.name}: {', '.join(columns)}")
    positive = options["positive"].strip().lower()
    outcome_i = columns.index(options["outcome_column"])
    date_i = columns.index(options["date_column"]) if options.get("date_column") else None
    skip = {outcome_i, *(columns.index(c) for c in options["drop"])}
    if date_i is not None:
        skip.add(date_i)
    leads, labels = [], Counter()
    for number, values in imports.csv_rows(path, fmt):
        if outcome_i >= len(values) or not values[outcome_i].strip():
            continue
        labels[values[outcome_i].strip().lower()] += 1
        if date_i is not None:
            try:
                decided = imports.parse_datetime_cell(values[date_i])
            except imports.CellError:
                continue
        elif options.get("ordered"):
            decided = ORDER_EPOCH + timedelta(minutes=number)
        else:
            decided = None
        properties = {columns[i]: v.strip() for i, v in enumerate(values) if i not in skip}
        won = values[outcome_i].strip().lower() == positive
        leads.append(CsvLead(number, properties, won, decided))
    check_labels(labels, column=options["outcome_column"], positive=positive)
    return leads
