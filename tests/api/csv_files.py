"""Build small CSV files under a real export's header line, with that export's quirks."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def columns_of(header: str) -> list[str]:
    return next(csv.reader(io.StringIO(header)))


def write_export(
    path: Path,
    header: str,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    bom: bool = False,
) -> Path:
    """The header line as it comes (re-delimited if asked), then every value quoted."""
    columns = columns_of(header)
    unknown = {k for row in rows for k in row} - set(columns)
    assert not unknown, f"not in the header: {unknown}"
    out = io.StringIO()
    if delimiter == ",":
        out.write(header + "\r\n")
    else:
        csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(
            columns
        )
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return path
