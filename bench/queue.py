"""
The sales workspace's two busiest pages: a manager's team queue and the contact list, at
C contacts (default 1,000,000) with A open assignments (default 10,000) over R reps.

1. Builds C contacts over C/10 companies, each with a stored score, and A qualified leads held
   by the reps of one team (pending and accepted, a few overdue), each with three activities.
   PostgreSQL: COPY; SQLite: bulk_create (use --contacts 20000 for a quick run).
2. Team queue (/queue/ as the team's manager, every tab): server time per request (the whole
   Django stack in-process: middleware, queries, template), p50/p95, and the number of SQL
   queries at page sizes 25, 50, 100 and 200 (it must not grow with the page).
3. Contact list (/contacts/ first page, and sorted by score if the list supports it): the same.
4. Yardstick, measured in the same run: one SQL query fetching the same 100 queue rows with
   their contact, company and score (what the page cannot beat).

Targets (issue 13): team queue server time < 150 ms with 100 rows; p95 < 50 ms for the queue
and the contact list at 1M contacts / 10k open assignments; query counts constant in the page.
Example: python -m bench queue --reset --cleanup    (quick: --contacts 20000 --assignments 2000)
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench._common import Report, percentiles, say

# The contacts, scores and leads are built (and purged) in bench/_queue_data.py; this module
# measures the pages.
from bench._queue_data import build, purge, reusable
from routing import selectors as routing_selectors
from routing.models import Assignment, AssignmentStatus, Team

# --reuse: keep the contacts, scores and leads an earlier run of the same size built.
SUPPORTS_REUSE = True
TARGET_QUEUE_MS = 150
TARGET_P95_MS = 50
PAGE_SIZES = (25, 50, 100, 200)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts (1,000,000)")
    parser.add_argument("--assignments", type=int, default=10_000, help="open assignments (10,000)")
    parser.add_argument("--reps", type=int, default=100, help="reps in the team (100)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--seed", type=int, default=13)


# ---- Measuring ---------------------------------------------------------------------------


def _timed_requests(client: Client, url: str, count: int) -> tuple[dict[str, float], int, int]:
    """
    Server time of `count` GETs (after one warm-up), their percentiles, queries, rows. Also
    the p50 of this process's CPU time per request ("cpu_p50"): on a shared, loaded machine it
    moves less than the wall clock (it leaves out PostgreSQL's own time, not SQLite's).
    """
    client.get(url)
    times, cpu = [], []
    for _ in range(count):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    figures = {**percentiles(times), "cpu_p50": percentiles(cpu)["p50"]}
    return figures, len(queries), response.content.count(b'class="q-item')


def _queries_by_page_size(client: Client, url: str, module: Any, name: str) -> dict[int, int]:
    counts = {}
    original = getattr(module, name)
    try:
        for size in PAGE_SIZES:
            setattr(module, name, size)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            counts[size] = len(queries)
    finally:
        setattr(module, name, original)
    return counts


def yardstick(team: Team, rows: int = 100) -> dict[str, float]:
    """One SQL query: the 100 best-ranked open rows of the team with contact, company, score."""
    queryset = (
        routing_selectors.with_lead_scores(
            Assignment.objects.filter(team=team, status=AssignmentStatus.PENDING)
        )
        .select_related("contact__company", "rep")
        .order_by("score__grade", "score__band")
    )
    sql, params = queryset[:rows].query.sql_with_params()
    times, cpu = [], []
    with connection.cursor() as cursor:
        for _ in range(30):
            start, start_cpu = time.perf_counter(), time.process_time()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return {**percentiles(times), "cpu_p50": percentiles(cpu)["p50"]}


def _ms(figures: dict[str, float]) -> str:
    text = f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms"
    if "cpu_p50" in figures:
        text += f" (CPU p50 {figures['cpu_p50']:.1f} ms)"
    return text


def run(args: argparse.Namespace, report: Report) -> None:
    import workspace.views as contact_views

    report.parameters = {
        "contacts": f"{args.contacts:,}",
        "open assignments": f"{args.assignments:,}",
        "reps": args.reps,
        "timed requests": args.requests,
    }
    reused = reusable(args) if args.reuse else None
    if reused is not None:
        say("Reusing the benchmark data of an earlier run of this size")
        manager, team = reused
    else:
        purge()
        manager, team = build(args, report)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)
    _measure_queue(report, client, team, args.requests)
    _measure_contact_list(report, client, contact_views, args.requests)
    if args.cleanup:
        say("Deleting the bench users, team and rule")
        purge()


def _measure_queue(report: Report, client: Client, team: Team, requests: int) -> None:
    """The team queue's tabs, its query counts by page size, and the yardstick beside them."""
    report.section("Team queue (/queue/ as the manager)")
    for tab in ("open", "accepted"):
        url = f"/queue/?tab={tab}"
        figures, queries, rows = _timed_requests(client, url, requests)
        ok = "OK" if figures["p95"] < TARGET_P95_MS else "over"
        report.add(
            f"queue_{tab}_ms",
            f"{tab} tab, {rows} rows",
            figures,
            _ms(figures),
            f"target p95 < {TARGET_P95_MS} ms ({ok}); {queries} queries",
        )
    counts = _queries_by_page_size(client, "/queue/?tab=open", routing_selectors, "QUEUE_LIMIT")
    report.add(
        "queue_queries_by_page_size",
        "queries at 25/50/100/200 rows",
        counts,
        " / ".join(str(counts[s]) for s in PAGE_SIZES),
        "constant" if len(set(counts.values())) == 1 else "GROWS with the page",
    )
    stick = yardstick(team)
    report.add("yardstick_ms", "yardstick: one SQL query, 100 rows", stick, _ms(stick))


def _measure_contact_list(
    report: Report, client: Client, contact_views: Any, requests: int
) -> None:
    """The contact list's first page and its sorted one, and its query counts by page size."""
    report.section("Contact list (/contacts/ as the manager)")
    for label, url in (
        ("first page", "/contacts/"),
        ("sorted by grade x band", "/contacts/?sort=cell"),
    ):
        figures, queries, _ = _timed_requests(client, url, requests)
        ok = "OK" if figures["p95"] < TARGET_P95_MS else "over"
        key = label.replace(" ", "_")
        report.add(
            f"contacts_{key}_ms",
            label,
            figures,
            _ms(figures),
            f"target p95 < {TARGET_P95_MS} ms ({ok}); {queries} queries",
        )
    counts = _queries_by_page_size(client, "/contacts/", contact_views, "PAGE_SIZE")
    report.add(
        "contacts_queries_by_page_size",
        "queries at 25/50/100/200 rows",
        counts,
        " / ".join(str(counts[s]) for s in PAGE_SIZES),
        "constant" if len(set(counts.values())) == 1 else "GROWS with the page",
    )
