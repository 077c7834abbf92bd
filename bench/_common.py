"""
What every benchmark shares: the database guard, deleting benchmark data, the environment, and
the report (a table on stdout, the same figures as JSON).

Import after django.setup(): this module reads models.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connection, models, transaction

from contacts.models import Company, Contact
from scoring.models import RescoreRun, ScoringModel

# Every row a benchmark writes is recognisable by this prefix: contact e-mails, company domains,
# scoring model names and rescore run reasons. Resetting deletes those rows and nothing else.
BENCH_PREFIX = "bench-"


class BenchError(Exception):
    """A benchmark cannot run here (wrong database, bad options); the message says why."""


# ---- Progress ----------------------------------------------------------------------------


def say(message: str) -> None:
    """A progress line on stderr, so stdout holds only the report."""
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@contextmanager
def timed(label: str) -> Iterator[dict[str, float]]:
    """Time a block: `with timed("x") as t: ...; t["seconds"]`. Announces start and end."""
    say(f"{label}...")
    result: dict[str, float] = {}
    start = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start
    say(f"{label}: {result['seconds']:.2f} s")


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, max and mean of a sample (linear interpolation between ranks)."""
    if len(values) < 2:
        only = values[0] if values else float("nan")
        return dict.fromkeys(("p50", "p95", "p99", "max", "mean"), only)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(values),
        "mean": statistics.fmean(values),
    }


# ---- The database ------------------------------------------------------------------------


def prepare_database(*, reset: bool, reuse: bool = False) -> None:
    """
    Migrate, then make sure the database holds no contacts except benchmark data, which --reset
    deletes (--reuse keeps it for a benchmark that checks it is its own and of the right size).
    A benchmark never runs beside real contacts: a full rescore would rescore them too.
    """
    call_command("migrate", verbosity=0)
    others = Contact.objects.exclude(email__startswith=BENCH_PREFIX).count()
    if others:
        raise BenchError(
            f"The database ({describe_database()}) holds {others:,} contacts that are not "
            "benchmark data. Run benchmarks against a database of their own, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadscore_bench or "
            "DATABASE_URL=sqlite:////tmp/leadscore_bench.sqlite3."
        )
    leftovers = Contact.objects.filter(email__startswith=BENCH_PREFIX).count()
    if leftovers and not reset and not reuse:
        raise BenchError(
            f"The database already holds {leftovers:,} benchmark contacts from an earlier run. "
            "Add --reset to delete benchmark data (rows prefixed 'bench-') first."
        )
    if reset and not reuse:
        with timed("Deleting earlier benchmark data"):
            purge_bench_data()


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    """Foreign keys (and one-to-ones) of other models that point at this one, hidden ones too."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]


def _delete_where(
    model: type[models.Model], where: str, params: list[Any], tables: set[str], depth: int = 0
) -> int:
    """
    Delete the rows of `model` matching a SQL condition, handling the rows that point at them
    first as their on_delete says (cascade, set null). Plain SQL: the ORM's delete() would load
    millions of activities and send a post_delete signal for each.
    """
    if depth > 8:
        raise BenchError(f"Relations nest too deep below {model.__name__}.")
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    for relation in _reverse_relations(model):
        related, column = relation.related_model, relation.field.column
        if related._meta.db_table not in tables:
            continue  # a model whose migration is not written yet holds no rows
        target = quote(relation.field.target_field.column)
        inside = f"{quote(column)} IN (SELECT {target} FROM {table} WHERE {where})"
        on_delete = relation.on_delete
        if on_delete is models.CASCADE:
            _delete_where(related, inside, params, tables, depth + 1)
        elif on_delete is models.SET_NULL:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(related._meta.db_table)} SET {quote(column)} = NULL "
                    f"WHERE {inside}",
                    params,
                )
        elif on_delete is not models.DO_NOTHING:
            raise BenchError(
                f"Cannot delete benchmark {model.__name__} rows: "
                f"{related.__name__}.{relation.field.name} protects them."
            )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)
        return cursor.rowcount


def purge_bench_data() -> dict[str, int]:
    """Delete every row a benchmark wrote (prefixed 'bench-'), and what depends on it."""
    like = [BENCH_PREFIX + "%"]
    quote = connection.ops.quote_name
    deleted = {}
    tables = set(connection.introspection.table_names())
    with transaction.atomic():
        for model, column in (
            (Contact, "email"),
            (Company, "domain"),
            (RescoreRun, "reason"),
            (ScoringModel, "name"),
        ):
            deleted[model.__name__] = _delete_where(model, f"{quote(column)} LIKE %s", like, tables)
    return deleted


def describe_database() -> str:
    """'postgresql leadscore_bench@127.0.0.1:5432' or 'sqlite /path/db.sqlite3'."""
    db = settings.DATABASES["default"]
    where = str(db.get("NAME", ""))
    if db.get("HOST"):
        where += f"@{db['HOST']}:{db.get('PORT') or ''}".rstrip(":")
    return f"{connection.vendor} {where}"


def database_version() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return str(cursor.fetchone()[0])


def analyze_tables(*model_list: type[models.Model], vacuum: bool = False) -> None:
    """
    Refresh planner statistics after bulk writes, as autovacuum would in production. With
    vacuum (PostgreSQL, outside a transaction), also clear the dead rows an earlier --reset
    left, so a rebuilt table scans like a fresh one.
    """
    quote = connection.ops.quote_name
    command = "VACUUM ANALYZE" if vacuum and connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"{command} {quote(model._meta.db_table)}")


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return ""
    return out.stdout.strip()


def environment() -> dict[str, Any]:
    """Where the figures were measured."""
    return {
        "database": describe_database(),
        "database_version": database_version(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "django": django.get_version(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "debug": settings.DEBUG,
        "commit": _git_commit(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# ---- The report --------------------------------------------------------------------------


@dataclass
class Report:
    """A benchmark's figures: rows for the printed table and the same values for JSON."""

    benchmark: str
    parameters: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Free text printed after the table (a profile, say); not part of the JSON.
    appendix: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        self.rows.append((title, "", ""))

    def add(self, key: str, label: str, value: Any, shown: str, note: str = "") -> None:
        """Record one figure under `key` (JSON) and as a table row `label | shown | note`."""
        self.figures[key] = value
        self.rows.append((f"  {label}", shown, note))

    def as_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "parameters": self.parameters,
            "environment": self.environment,
            "figures": self.figures,
            "notes": self.notes,
        }

    def write_json(self, path: str) -> None:
        Path(path).write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n")

    def render(self) -> str:
        lines = [f"Benchmark: {self.benchmark}", ""]
        facts = {**self.parameters, **self.environment}
        width = max(len(k) for k in facts) if facts else 0
        lines += [f"  {k.ljust(width)}  {v}" for k, v in facts.items()]
        lines.append("")
        figures = [r for r in self.rows if r[1] or r[2]]  # section titles do not set widths
        label_w = max((len(r[0]) for r in figures), default=0)
        value_w = max((len(r[1]) for r in figures), default=0)
        for label, shown, note in self.rows:
            if not shown and not note:
                lines.append(label)
                continue
            line = f"{label.ljust(label_w)}  {shown.rjust(value_w)}"
            lines.append(f"{line}  {note}".rstrip())
        if self.notes:
            lines.append("")
            lines += [f"Note: {n}" for n in self.notes]
        for text in self.appendix:
            lines += ["", text.rstrip()]
        return "\n".join(lines)
