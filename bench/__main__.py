"""
`python -m bench <name> [options]`: run one benchmark and print its figures.

Sub-commands are the modules of this package that define add_arguments() and run() (see
bench/__init__.py). The database is the configured one (DATABASE_URL, else the SQLite file).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from types import ModuleType


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscore.settings")
    import django

    django.setup()
    from django.conf import settings

    # Measure as production workers run: DEBUG would record every query in connection.queries.
    settings.DEBUG = False


def _benchmarks() -> dict[str, ModuleType]:
    """The benchmark modules of this package, by name (modules starting with _ are helpers)."""
    import bench

    found = {}
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if hasattr(module, "add_arguments") and hasattr(module, "run"):
            found[info.name] = module
    return dict(sorted(found.items()))


def _parser(benchmarks: dict[str, ModuleType]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--reset",
        action="store_true",
        help="delete benchmark data (rows prefixed 'bench-') left by an earlier run first",
    )
    common.add_argument(
        "--cleanup", action="store_true", help="delete the benchmark data when done"
    )
    common.add_argument(
        "--reuse",
        action="store_true",
        help="keep benchmark data an earlier run of the same benchmark and size left (for "
        "benchmarks that support it: they rebuild when it does not match)",
    )
    common.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Leadscore benchmarks, run against the configured database (DATABASE_URL).",
    )
    commands = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, module in benchmarks.items():
        summary = " ".join((module.__doc__ or name).strip().split("\n\n")[0].split())
        sub = commands.add_parser(name, parents=[common], help=summary, description=module.__doc__)
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        module.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    _setup_django()
    from bench._common import BenchError, Report, environment, prepare_database, purge_bench_data
    from bench._common import timed as timed_block

    benchmarks = _benchmarks()
    args = _parser(benchmarks).parse_args(argv)
    module = benchmarks[args.benchmark]
    report = Report(benchmark=args.benchmark)
    try:
        if args.reuse and not getattr(module, "SUPPORTS_REUSE", False):
            raise BenchError(f"bench {args.benchmark} does not support --reuse.")
        prepare_database(reset=args.reset, reuse=args.reuse)
        report.environment = environment()
        module.run(args, report)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.cleanup:
            with timed_block("Deleting benchmark data"):
                purge_bench_data()
    print(report.render())
    if args.json:
        report.write_json(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
