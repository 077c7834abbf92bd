"""
Benchmarks, run with one command: `python -m bench <name> [options]` (or `make bench
BENCH_ARGS="<name> ..."`).

Each benchmark is a module of this package, `bench/<name>.py`, found by `python -m bench`. It
provides:

- a module docstring, whose first paragraph is the sub-command's help;
- `add_arguments(parser)`, adding its own options to its sub-command;
- `run(args, report)`, building its data and filling the `bench._common.Report` it is given.

`python -m bench` sets Django up, migrates the configured database, refuses a database that holds
contacts other than benchmark data, prints the report as a table and writes it as JSON with
`--json PATH`. Benchmark data is recognisable by the `bench-` prefix of its e-mails, domains and
names (see `bench._common.BENCH_PREFIX`), so `--reset` and `--cleanup` delete only that.
"""
