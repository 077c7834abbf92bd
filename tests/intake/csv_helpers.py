"""Small CSV files written as exports write them (all quoted, CRLF)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from contacts.imports import import_job_create, import_job_execute, import_job_set_mapping


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]], encoding="utf-8") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def upload(path: Path, **kwargs):
    with path.open("rb") as handle:
        return import_job_create(upload=handle, file_name=path.name, **kwargs)


def run(path: Path, *, dry_run: bool = False, batch_rows: int = 2000, **mapping_changes):
    job = upload(path)
    assert job.status != "failed", job.error
    if mapping_changes:
        mapping = dict(job.mapping)
        for column, target in mapping_changes.items():
            mapping[str(job.columns.index(column))] = target
        job = import_job_set_mapping(job=job, mapping=mapping)
    return import_job_execute(job_id=job.pk, dry_run=dry_run, batch_rows=batch_rows)
