"""
Reading an uploaded CSV safely: its encoding decided on the whole file, its delimiter and
header, its records with the line each starts on, and a check of the whole file (broken
quotes, oversized cells) before anything is imported. Also the rejected-rows writer, which
neutralises cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

# A cell larger than this fails the file: no CRM field holds it, and an unclosed quote that
# swallows the rest of a file shows up as one.
MAX_CELL_BYTES = getattr(settings, "IMPORT_MAX_CELL_BYTES", 1024 * 1024)
csv.field_size_limit(MAX_CELL_BYTES)

_CHUNK = 1024 * 1024
# Two- and three-byte UTF-8 sequences: in a file that is not UTF-8 they betray a mix.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


class CsvFileError(ValueError):
    """The file cannot be imported as it is; the message says why and where."""


@dataclass
class CsvFormat:
    encoding: str
    delimiter: str
    columns: list[str]


def _line_of(path: Path, offset: int) -> int:
    """The 1-based line a byte offset falls on."""
    line = 1
    with path.open("rb") as handle:
        remaining = offset
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line


def detect_encoding(path: Path) -> str:
    """
    UTF-8 (with or without a BOM), UTF-16 (with its BOM) or Windows-1252, decided on the whole
    file. A file that is none of them, or mixes UTF-8 with another encoding, is refused.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset, multibyte_seen = 0, False
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_at = offset + max(exc.start - len(decoder.getstate()[0]), 0)
                if multibyte_seen or _UTF8_SEQUENCE.search(chunk[: max(exc.start, 0)]):
                    raise CsvFileError(
                        "The file mixes encodings: it has UTF-8 text, but line "
                        f"{_line_of(path, bad_at)} is not UTF-8. Save it again as UTF-8 "
                        "(in Excel: CSV UTF-8) and upload it again."
                    ) from exc
                return _check_cp1252(path)
            multibyte_seen = multibyte_seen or any(ord(c) > 127 for c in text)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                "The file ends in the middle of a UTF-8 character; it looks cut short."
            ) from exc
    return "utf-8-sig"


def _check_cp1252(path: Path) -> str:
    """The whole file as Windows-1252, refused when it is not, or has UTF-8 text in it."""
    offset = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise CsvFileError(
                    f"Line {_line_of(path, offset + exc.start)} has a byte that is neither "
                    "UTF-8 nor Windows-1252: the encoding cannot be told. Save the file as "
                    "UTF-8 and upload it again."
                ) from exc
            found = _UTF8_SEQUENCE.search(chunk)
            if found:
                raise CsvFileError(
                    "The file mixes encodings: it is mostly Windows-1252, but line "
                    f"{_line_of(path, offset + found.start())} has UTF-8 text. Save it again "
                    "as UTF-8 (in Excel: CSV UTF-8) and upload it again."
                )
            offset += len(chunk)
    return "cp1252"


def csv_sniff(path: Path) -> CsvFormat:
    """Encoding (whole file), delimiter (`,` `;` tab `|`, from the header) and header."""
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        head = handle.read(256 * 1024)
    first = _first_record(head)
    counts = {d: _count_outside_quotes(first, d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(first), delimiter=delimiter)
    columns = [c.strip() for c in next(reader, [])]
    return CsvFormat(encoding=encoding, delimiter=delimiter, columns=columns)


def _first_record(text: str) -> str:
    in_quotes, out = False, []
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            break
        out.append(ch)
    return "".join(out)


def _count_outside_quotes(line: str, delimiter: str) -> int:
    in_quotes, count = False, 0
    for ch in line:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            count += 1
    return count


def csv_records(path: Path, fmt: CsvFormat) -> Iterator[tuple[int, list[str]]]:
    """
    (line the record starts on, values), streamed, header skipped, blank records skipped.
    Raises CsvFileError naming the line of a broken quote or an oversized cell.
    """
    with path.open("r", encoding=fmt.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=fmt.delimiter, strict=True)
        start = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _file_error(exc, start, reader.line_num) from exc
            line, start = start, reader.line_num + 1
            if line == 1 or not any(v.strip() for v in values):
                continue
            yield line, values


def _file_error(exc: csv.Error, start: int, at: int) -> CsvFileError:
    text = str(exc)
    if "field larger than field limit" in text:
        return CsvFileError(
            f"The record starting on line {start} has a cell larger than "
            f"{MAX_CELL_BYTES // 1024:,} KB, the limit (often a quote that is never closed). "
            "The file was not imported."
        )
    if "unexpected end of data" in text:
        return CsvFileError(
            f'Line {start}: a quote (") opened in this record is never closed, so it would '
            "swallow the rest of the file. Fix the quote and upload the file again."
        )
    return CsvFileError(
        f'Line {start}: a quote (") opened in this record closes on line {at} and is followed '
        f"by more text ({text}); the lines in between would be swallowed into one cell. "
        "Fix the quote and upload the file again."
    )


def csv_check(path: Path, fmt: CsvFormat) -> int:
    """Read the whole file once: its number of records, or CsvFileError."""
    return sum(1 for _ in csv_records(path, fmt))


# ---- Rejected rows -------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> str:
    """
    A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice): in
    the rejected rows here, and in every CSV Leadscore writes (workspace.exports).
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def restored(text: str) -> str:
    """
    A cell as it was before neutralise, when a file Leadscore wrote comes back edited in a
    text editor (a spreadsheet drops the apostrophe itself): '+33 1 23 is +33 1 23 again.
    """
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


class RejectedWriter:
    """The rejected rows as they were in the file, with an `error` column, formulas defused."""

    def __init__(self, handle: IO[str], columns: list[str]) -> None:
        self._writer = csv.writer(handle)
        self._writer.writerow([neutralise(c) for c in ["row", *columns, "error"]])

    def writerow(self, values: list[object]) -> None:
        self._writer.writerow([neutralise(v) for v in values])
